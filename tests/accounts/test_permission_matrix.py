"""The permission matrix: role, relation to the record and action, for accounts and contacts, through
the pages (list, detail, edit, delete, export, merge) and the API, with the sensitive fields (an account's
estimated potential, a contact's mobile). Another tenant's record is a 404 for all.

Contacts inherit their account's visibility: a contact's relation is its account's. API keys act
with a role and no person behind them: company-wide roles reach every record of their tenant, the
others none (they own nothing, manage nobody and hold no territory)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Account, Contact
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from governance.models import SharingRule, Territory, TerritoryMember
from governance.sharing import ShareLevel, share_grant
from tests.factories import TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

# "shared": by a sharing rule between teams; "manual": shared by hand with the viewer, read and write.
RELATIONS = ("own", "below", "territory", "shared", "manual", "other", "foreign")
SALES_WITH_SCOPE = {"own", "below", "territory", "shared", "manual"}
EVERYTHING = set(RELATIONS) - {"foreign"}

# role: (relations it sees, relations it may edit, relations it may merge into its own account,
#        sees the estimated potential). Merging needs the right to change the surviving account and to
#        delete the other one.
MATRIX: dict[str, tuple[set[str], set[str], set[str], bool]] = {
    Role.FIELD_SALES_REP: (SALES_WITH_SCOPE, {"own", "manual"}, set(), True),
    Role.SALES_MANAGER: (SALES_WITH_SCOPE, {"own", "below", "manual"}, {"own", "below"}, True),
    Role.SALES_DIRECTOR: (EVERYTHING, EVERYTHING, EVERYTHING, True),
    Role.FINANCE: (EVERYTHING, set(), set(), False),
    Role.SUPPORT_AGENT: (EVERYTHING, set(), set(), False),
}

# role: (relations whose contacts it sees, may edit, may delete; reads the mobile).
CONTACT_MATRIX: dict[str, tuple[set[str], set[str], set[str], bool]] = {
    Role.FIELD_SALES_REP: (SALES_WITH_SCOPE, {"own", "manual"}, set(), True),
    Role.SALES_MANAGER: (SALES_WITH_SCOPE, {"own", "below", "manual"}, {"own", "below"}, True),
    Role.SALES_DIRECTOR: (EVERYTHING, EVERYTHING, EVERYTHING, True),
    Role.FINANCE: (EVERYTHING, set(), set(), False),
    Role.SUPPORT_AGENT: (EVERYTHING, set(), set(), True),
    Role.MARKETING_USER: (EVERYTHING, set(), set(), True),
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
                "manual": Account.objects.create(
                    legal_name="Compte manual", owner=stranger.user, **potential
                ),
                "other": Account.objects.create(legal_name="Compte other", owner=stranger.user, **potential),
            }
            share_grant(
                record=accounts["manual"],
                actor=stranger.user,
                membership=stranger,
                level=ShareLevel.READ_WRITE,
                user_id=viewer.user_id,
            )
        with tenant_scope(other_tenant):
            accounts["foreign"] = Account.objects.create(legal_name="Compte foreign", owner=foreigner.user)
            accounts["foreign"].person = Contact.objects.create(
                account=accounts["foreign"],
                owner=foreigner.user,
                first_name="Personne",
                last_name="Foreign",
                mobile="+33611000009",
            )
        with tenant_scope(tenant):
            for number, (relation, account) in enumerate(accounts.items()):
                if relation != "foreign":
                    account.person = Contact.objects.create(
                        account=account,
                        owner=account.owner,
                        first_name="Personne",
                        last_name=relation.capitalize(),
                        mobile=f"+3361100000{number}",
                    )
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
        delete = client.get(f"/t/durand/accounts/{account.pk}/delete/")
        outcome[relation] = {
            "list": account.legal_name in listing,
            "export": account.legal_name in exported,
            "detail": detail.status_code,
            "edit": edit.status_code,
            "merge": merge.status_code,
            "delete": delete.status_code,
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
            # Deleting needs the delete right on the record: the same relations as merging into one's own.
            "delete": (200 if relation in merges else 403) if visible else 404,
            "potential": visible and sees_potential,
        }
        assert outcome[relation] == expected, (role, relation)


def _contact_of(account: Account) -> Contact:
    return account.person  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", list(CONTACT_MATRIX))
def test_the_contact_permission_matrix(world, role: str) -> None:
    viewer, accounts = world(role)
    sees, edits, deletes, reads_mobile = CONTACT_MATRIX[role]
    client = Client(headers={"accept-language": "en"})
    client.force_login(viewer.user)

    listing = client.get("/t/durand/accounts/contacts/").text
    export = client.get("/t/durand/accounts/contacts/export/csv/")
    exported = b"".join(export.streaming_content).decode("utf-8-sig")
    outcome = {}
    for relation, account in accounts.items():
        contact = _contact_of(account)
        detail = client.get(f"/t/durand/accounts/contacts/{contact.pk}/")
        edit = client.get(f"/t/durand/accounts/contacts/{contact.pk}/edit/")
        delete = client.get(f"/t/durand/accounts/contacts/{contact.pk}/delete/")
        outcome[relation] = {
            "list": f"Personne {contact.last_name}" in listing or f"{contact.last_name}" in listing,
            "export": contact.last_name in exported,
            "detail": detail.status_code,
            "edit": edit.status_code,
            "delete": delete.status_code,
            "mobile": "+33 6 11 00 00" in detail.text or "06 11 00 00" in detail.text,
            "mobile exported": f"06 11 00 00 0{contact.mobile[-1]}" in exported,
        }

    for relation in RELATIONS:
        visible = relation in sees
        expected = {
            "list": visible,
            "export": visible,
            "detail": 200 if visible else 404,
            "edit": (200 if relation in edits else 403) if visible else 404,
            "delete": (200 if relation in deletes else 403) if visible else 404,
            "mobile": visible and reads_mobile,
            "mobile exported": visible and reads_mobile,
        }
        assert outcome[relation] == expected, (role, relation)


# The API: role x (this tenant, another tenant) x action, and the sensitive fields in every response.
# role: (reaches this tenant's records, may create, may change, reads the potential, reads the mobile).
# A rep's key may create accounts (owned by the key's creator) but reaches no existing record.
API_MATRIX: dict[str, tuple[bool, bool, bool, bool, bool]] = {
    Role.TENANT_ADMIN: (True, True, True, True, True),
    Role.SALES_DIRECTOR: (True, True, True, True, True),
    Role.FIELD_SALES_REP: (False, True, False, True, True),
    Role.FINANCE: (True, False, False, False, False),
    Role.SUPPORT_AGENT: (True, False, False, False, True),
    Role.MARKETING_USER: (True, False, False, False, True),
}


def _api(key: str) -> Client:
    return Client(headers={"authorization": f"Bearer {key}", "accept-language": "en"})


@pytest.mark.parametrize("role", list(API_MATRIX))
def test_the_api_permission_matrix(tenant, other_tenant, member, role: str) -> None:
    reaches, creates, changes, reads_potential, reads_mobile = API_MATRIX[role]
    owner = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        key = api_key_create(tenant=tenant, name="Intégration", role=role, actor=owner.user)[1]
        account = Account.objects.create(
            legal_name="Compte ici", owner=owner.user, estimated_potential=Decimal("424242")
        )
        contact = Contact.objects.create(
            account=account, owner=owner.user, first_name="Anne", last_name="Ici", mobile="+33611223344"
        )
    foreigner = member(other_tenant, Role.SALES_DIRECTOR)
    with tenant_scope(other_tenant):
        elsewhere = Account.objects.create(legal_name="Compte ailleurs", owner=foreigner.user)
        contact_elsewhere = Contact.objects.create(
            account=elsewhere, owner=foreigner.user, first_name="Paul", last_name="Ailleurs"
        )
    client = _api(key)

    accounts = client.get("/api/v1/accounts/").json()["results"]
    contacts = client.get("/api/v1/contacts/").json()["results"]
    assert [row["legal_name"] for row in accounts] == (["Compte ici"] if reaches else [])
    assert [row["last_name"] for row in contacts] == (["Ici"] if reaches else [])
    if reaches:
        assert ("estimated_potential" in accounts[0]) is reads_potential
        assert ("mobile" in contacts[0]) is reads_mobile
    detail = client.get(f"/api/v1/accounts/{account.pk}/")
    assert detail.status_code == (200 if reaches else 404)
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == (200 if reaches else 404)
    # Another tenant's records do not exist for this key, whatever its role.
    assert client.get(f"/api/v1/accounts/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/api/v1/contacts/{contact_elsewhere.pk}/").status_code == 404

    patch = client.patch(
        f"/api/v1/accounts/{account.pk}/",
        {"trade_name": "Nouveau", "version": 1},
        content_type="application/json",
    )
    created = client.post(
        "/api/v1/accounts/", {"legal_name": "Créé par API"}, content_type="application/json"
    )
    assert patch.status_code == (200 if changes else 403)
    assert created.status_code == (201 if creates else 403)
    with tenant_scope(tenant):
        assert Account.objects.filter(legal_name="Créé par API").exists() is creates
        assert Account.objects.get(pk=account.pk).trade_name == ("Nouveau" if changes else "")
