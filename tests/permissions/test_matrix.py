"""The permission matrix: matrix.csv and sensitive_fields.csv (see README.md beside them) run through the
pages and the API, one role at a time (each role's world is built once), and checked to cover every
role, every kind of record the sharing model knows and every registered sensitive field."""

from __future__ import annotations

import csv
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from crm.roles import Role
from governance.field_policies import sensitive_fields
from governance.sharing import shareable_labels
from tests.permissions.drivers import (
    CHANNELS,
    DRIVERS,
    OUTCOMES,
    SENSITIVE_CHANNELS,
    SENSITIVE_OUTCOMES,
    world_build,
)

HERE = Path(__file__).parent
MATRIX = HERE / "matrix.csv"
SENSITIVE = HERE / "sensitive_fields.csv"
MATRIX_COLUMNS = ["object", "role", "channel", "relation", "action", "expected"]
SENSITIVE_COLUMNS = ["object", "field", "role", "channel", "expected"]


@cache
def read_table(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(columns), f"{path.name}: the columns must be {', '.join(columns)}"
        return [{name: (value or "").strip() for name, value in row.items()} for row in reader]


def matrix_rows() -> list[dict[str, str]]:
    return read_table(MATRIX, tuple(MATRIX_COLUMNS))


def sensitive_rows() -> list[dict[str, str]]:
    return read_table(SENSITIVE, tuple(SENSITIVE_COLUMNS))


def expected_cells() -> set[tuple[str, str, str, str, str]]:
    """Every (object, role, channel, relation, action) the drivers can run, for every role."""
    return {
        (name, role, channel, relation, action)
        for name, driver in DRIVERS.items()
        for role in Role.values
        for channel in CHANNELS
        for action in driver.actions(channel)
        for relation in driver.relations(action)
    }


def expected_sensitive_cells() -> set[tuple[str, str, str, str]]:
    return {
        (name, sensitive.field_name, role, channel)
        for name, driver in DRIVERS.items()
        for sensitive in sensitive_fields(driver.model_label)
        for role in Role.values
        for channel in SENSITIVE_CHANNELS
    }


def _describe(cells: set[tuple[str, ...]], limit: int = 20) -> str:
    lines = [", ".join(cell) for cell in sorted(cells)]
    more = f"\n  ... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n  " + "\n  ".join(lines[:limit]) + more


# Completeness -----------------------------------------------------------------------------------------


def test_every_kind_of_shareable_record_has_a_driver() -> None:
    """A kind of record registered with the sharing model (governance.sharing) without a driver here, or
    a driver for a kind the sharing model does not know, fails."""
    driven = {driver.model_label for driver in DRIVERS.values() if driver.shareable}
    registered = set(shareable_labels())
    assert registered - driven == set(), (
        f"No permission matrix driver (tests/permissions/drivers.py) for: {sorted(registered - driven)}"
    )
    assert driven - registered == set(), (
        f"Drivers for kinds the sharing model does not know: {driven - registered}"
    )


def test_the_matrix_has_one_row_for_every_role_object_channel_relation_and_action() -> None:
    rows = matrix_rows()
    cells = [(r["object"], r["role"], r["channel"], r["relation"], r["action"]) for r in rows]
    duplicates = {cell for cell, count in Counter(cells).items() if count > 1}
    missing = expected_cells() - set(cells)
    unknown = set(cells) - expected_cells()
    bad_outcomes = {
        (*cell, row["expected"])
        for cell, row in zip(cells, rows, strict=True)
        if row["expected"] not in OUTCOMES
    }
    assert not missing, (
        f"matrix.csv has no row for (object, role, channel, relation, action):{_describe(missing)}"
    )
    assert not unknown, (
        f"matrix.csv has rows for unknown objects, roles, channels, relations or actions:{_describe(unknown)}"
    )
    assert not duplicates, f"matrix.csv has several rows for:{_describe(duplicates)}"
    assert not bad_outcomes, (
        f"matrix.csv: expected must be one of {', '.join(OUTCOMES)}:{_describe(bad_outcomes)}"
    )


def test_the_sensitive_fields_table_covers_every_registered_field_for_every_role() -> None:
    rows = sensitive_rows()
    cells = [(r["object"], r["field"], r["role"], r["channel"]) for r in rows]
    duplicates = {cell for cell, count in Counter(cells).items() if count > 1}
    missing = expected_sensitive_cells() - set(cells)
    unknown = set(cells) - expected_sensitive_cells()
    bad_outcomes = {
        (*cell, row["expected"])
        for cell, row in zip(cells, rows, strict=True)
        if row["expected"] not in SENSITIVE_OUTCOMES
    }
    assert not missing, (
        f"sensitive_fields.csv has no row for (object, field, role, channel):{_describe(missing)}"
    )
    assert not unknown, (
        f"sensitive_fields.csv has rows for unknown objects, fields, roles or channels:{_describe(unknown)}"
    )
    assert not duplicates, f"sensitive_fields.csv has several rows for:{_describe(duplicates)}"
    assert not bad_outcomes, (
        f"sensitive_fields.csv: expected must be one of {', '.join(SENSITIVE_OUTCOMES)}:"
        + _describe(bad_outcomes)
    )


# The matrix, run ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_the_permission_matrix(tenant, other_tenant, role: str) -> None:
    """Given one viewer of the role with a record of each relation of each kind, and an API key of the
    role created by them, when every action of the table is tried through the pages and the API, then
    each outcome is the table's, and each sensitive field shows exactly where the table says."""
    world = world_build(role=role, tenant=tenant, other_tenant=other_tenant)
    pages, api = world.page_client(), world.api_client()
    observed: dict[tuple[str, ...], str] = {}
    for name, driver in DRIVERS.items():
        # Sensitive fields first: the API run below changes and creates records.
        for (field, channel), outcome in driver.read_sensitive(world, pages, api).items():
            observed["sensitive", name, field, channel] = outcome
        for (relation, action), outcome in driver.run_pages(world, pages).items():
            observed[name, "page", relation, action] = outcome
        for (relation, action), outcome in driver.run_api(world, api).items():
            observed[name, "api", relation, action] = outcome

    expected = {
        (row["object"], row["channel"], row["relation"], row["action"]): row["expected"]
        for row in matrix_rows()
        if row["role"] == role
    } | {
        ("sensitive", row["object"], row["field"], row["channel"]): row["expected"]
        for row in sensitive_rows()
        if row["role"] == role
    }
    differences = {
        (*cell, f"table says {expected.get(cell, '(no row)')}", f"got {observed.get(cell, '(not run)')}")
        for cell in expected.keys() | observed.keys()
        if expected.get(cell) != observed.get(cell)
    }
    assert not differences, f"{role}: the permission matrix differs:{_describe(differences, limit=60)}"
