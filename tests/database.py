"""A direct connection as the owner role, outside Django's test transaction, for schema-level tests."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connections


def owner_connection() -> Any:
    settings = connections["owner"].settings_dict
    return psycopg.connect(
        dbname=connections["default"].settings_dict["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    )
