"""The permission matrix for accounts: role, relation to the record and action, through the pages
(list, detail, edit, export, merge) and the sensitive field. Another tenant's record is a 404 for all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Account
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import SharingRule, Territory, TerritoryMember
from tests.factories import TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

RELATIONS = ("own", "below", "territory", "shared", "other", "foreign")
SALES_WITH_SCOPE = {"own", "below", "territory", "shared"}
EVERYTHING = set(RELATIONS) - {"foreign"}

# role: (relations it sees, relations it may edit, relations it may merge into its own account,
#        sees the estimated potential). Merging needs the right to change the surviving account and to
#        delete the other one.
MATRIX: dict[str, tuple[set[str], set[str], set[str], bool]] = {
    Role.FIELD_SALES_REP: (SALES_WITH_SCOPE, {"own"}, set(), True),
    Role.SALES_MANAGER: (SALES_WITH_SCOPE, {"own", "below"}, {"own", "below"}, True),
    Role.SALES_DIRECTOR: (EVERYTHING, EVERYTHING, EVERYTHING, True),
    Role.FINANCE: (EVERYTHING, set(), set(), False),
    Role.SUPPORT_AGENT: (EVERYTHING, set(), set(), False),
}


@pytest.fixture
def world(tenant, other_tenant, member):
    """For one viewer: an account for each relation."""

    def build(role: str) -> tuple[object, dict[str, Account]]:
        viewer = member(tenant, role)
        below = member(tenant, Role.FIELD_SALES_REP, manager=viewer)
        stranger, sharer = member(tenant, Role.FIELD_SALES_REP), member(tenant, Role.FIELD_SALES_REP)
        foreigner = member(other_tenant, Role.SALES_DIRECTOR)
        with tenant_scope(tenant):
            zone = Territory.objects.create(name="Zone")
            TerritoryMember.objects.create(territory=zone, membership=viewer)
            source, target = TeamFactory(name="Source"), TeamFactory(name="Cible")
            TeamMemberFactory(team=source, membership=sharer)
            TeamMemberFactory(team=target, membership=viewer)
            SharingRule.objects.create(model_label="accounts.account", source_team=source, target_team=target)
            potential = {"estimated_potential": Decimal("424242")}
            accounts = {
                "own": Account.objects.create(legal_name="Compte own", owner=viewer.user, **potential),
                "below": Account.objects.create(legal_name="Compte below", owner=below.user, **potential),
                "territory": Account.objects.create(
                    legal_name="Compte territory", owner=stranger.user, territory=zone, **potential
                ),
                "shared": Account.objects.create(legal_name="Compte shared", owner=sharer.user, **potential),
                "other": Account.objects.create(legal_name="Compte other", owner=stranger.user, **potential),
            }
        with tenant_scope(other_tenant):
            accounts["foreign"] = Account.objects.create(legal_name="Compte foreign", owner=foreigner.user)
        return viewer, accounts

    return build


@pytest.mark.parametrize("role", list(MATRIX))
def test_the_account_permission_matrix(world, role: str) -> None:
    viewer, accounts = world(role)
    sees, edits, merges, sees_potential = MATRIX[role]
    client = Client(headers={"accept-language": "en"})
    client.force_login(viewer.user)

    listing = client.get("/t/durand/accounts/").text
    export = client.get("/t/durand/accounts/export/csv/")
    exported = b"".join(export.streaming_content).decode("utf-8-sig")
    outcome = {}
    for relation, account in accounts.items():
        detail = client.get(f"/t/durand/accounts/{account.pk}/")
        edit = client.get(f"/t/durand/accounts/{account.pk}/edit/")
        merge = client.get(f"/t/durand/accounts/{accounts['own'].pk}/merge/?with={account.pk}")
        outcome[relation] = {
            "list": account.legal_name in listing,
            "export": account.legal_name in exported,
            "detail": detail.status_code,
            "edit": edit.status_code,
            "merge": merge.status_code,
            "potential": "424,242" in detail.text,
        }

    for relation in RELATIONS:
        visible = relation in sees
        expected = {
            "list": visible,
            "export": visible,
            "detail": 200 if visible else 404,
            "edit": (200 if relation in edits else 403) if visible else 404,
            # Merging needs the right to change the survivor and delete the other record.
            "merge": (200 if relation in merges else 403) if visible else 404,
            "potential": visible and sees_potential,
        }
        assert outcome[relation] == expected, (role, relation)
