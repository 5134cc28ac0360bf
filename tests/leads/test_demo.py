"""The demo tenant's web form, after one seed_demo as `./dev run` does it: every field it offers."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_demo_web_form_offers_its_fields_and_consents_after_one_seed() -> None:
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())

    page = Client().get("/forms/demo/contact-demo/", headers={"accept-language": "fr"})

    assert page.status_code == 200
    for name in ("first_name", "last_name", "email", "phone", "company_name", "postal_code", "city"):
        assert f'name="{name}"' in page.text
    assert page.text.count('type="checkbox"') == 2
