"""Who may list, view and change a lead, per role and per relation to it, through the pages.

Leads have no manual shares yet, so they are not in the sharing model's matrix (matrix.csv covers the
kinds of records with share tables); this table is the leads' own. Relations: `own` (the viewer owns
it), `below` (someone they manage owns it), `other` (a colleague outside their chain owns it),
`queue` (nobody owns it yet), `foreign` (another company's). Outcomes: allow (200), deny (403),
hidden (404, or absent from the list).
"""

from __future__ import annotations

import pytest
from django.test import Client

from crm.roles import Role
from crm.tenancy import tenant_scope
from leads.models import Lead
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

RELATIONS = ("own", "below", "other", "queue", "foreign")
A, D, H = "allow", "deny", "hidden"

# role -> (own, below, other, queue, foreign), each (list, view, edit)
_TABLE: dict[str, tuple[tuple[str, str, str], ...]] = {
    Role.TENANT_ADMIN: ((A, A, A), (A, A, A), (A, A, A), (A, A, A), (H, H, H)),
    Role.SALES_DIRECTOR: ((A, A, A), (A, A, A), (A, A, A), (A, A, A), (H, H, H)),
    Role.SALES_MANAGER: ((A, A, A), (A, A, A), (H, H, H), (A, A, A), (H, H, H)),
    Role.FIELD_SALES_REP: ((A, A, A), (A, A, D), (H, H, H), (H, H, H), (H, H, H)),
    Role.INSIDE_SALES_REP: ((A, A, A), (A, A, D), (H, H, H), (H, H, H), (H, H, H)),
    Role.MARKETING_MANAGER: ((A, A, A), (A, A, A), (A, A, A), (A, A, A), (H, H, H)),
    Role.MARKETING_USER: ((A, A, A), (A, A, D), (A, A, D), (A, A, A), (H, H, H)),
    Role.SUPPORT_SUPERVISOR: ((D, D, D),) * 5,
    Role.SUPPORT_AGENT: ((D, D, D),) * 5,
    Role.FINANCE: ((D, D, D),) * 5,
}
EXPECTED = {role: dict(zip(RELATIONS, row, strict=True)) for role, row in _TABLE.items()}
OUTCOME = {200: A, 403: D, 404: H}


def test_the_table_covers_every_role() -> None:
    assert set(EXPECTED) == set(Role.values)
    assert all(set(row) == set(RELATIONS) for row in EXPECTED.values())


@pytest.mark.parametrize("role", Role.values)
def test_lead_pages_by_role_and_relation(role: str, tenant, other_tenant, member) -> None:
    viewer = member(tenant, role)
    owners = {"own": viewer, "below": member(tenant, manager=viewer), "other": member(tenant), "queue": None}
    leads: dict[str, Lead] = {}
    with tenant_scope(tenant):
        for relation, owner in owners.items():
            leads[relation] = LeadFactory(
                owner=owner.user if owner else None, last_name=f"Matrice-{relation}"
            )
    with tenant_scope(other_tenant):
        leads["foreign"] = LeadFactory(owner=member(other_tenant).user, last_name="Matrice-foreign")
    client = Client(headers={"accept-language": "en"})
    client.force_login(viewer.user)
    listing = client.get("/t/durand/leads/")
    found: dict[str, tuple[str, str, str]] = {}
    for relation, lead in leads.items():
        if listing.status_code == 200:
            listed = A if lead.last_name in listing.text else H
        else:
            listed = OUTCOME[listing.status_code]
        view = OUTCOME[client.get(f"/t/durand/leads/{lead.pk}/").status_code]
        edit = OUTCOME[client.get(f"/t/durand/leads/{lead.pk}/edit/").status_code]
        found[relation] = (listed, view, edit)
    assert found == EXPECTED[role]
