"""Manual shares of one account with a user or a team (issue 3, "Who sees what"): what a share gives
(list, detail, search, export, API; editing for read-write only), teams, revoking, who may share and up
to which level, grantees of the tenant only, history with the actor, stable query counts, merges."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.merge import account_merge
from accounts.models import Account, Contact
from accounts.shares.models import AccountTeamShare, AccountUserShare
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from governance import search
from governance.models import ShareLevel
from governance.sharing import share_grant
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.factories import TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
ACCOUNTS = "/t/durand/accounts/"
CONTACTS = "/t/durand/accounts/contacts/"


def logged_in(membership) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(membership.user)
    return client


def grant(tenant, sharer, account, level=ShareLevel.READ, **grantee):
    """Share as `sharer` would through the page (same service, same rights)."""
    with tenant_scope(tenant, membership=sharer):
        return share_grant(record=account, actor=sharer.user, membership=sharer, level=level, **grantee)


def page_url(account) -> str:
    return f"{ACCOUNTS}{account.pk}/"


def exported(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.fixture
def world(tenant, member):
    """A rep owns "Scierie Vosgienne" (with contact Paul Forestier); a colleague has no relation to it."""
    manager = member(tenant, Role.SALES_MANAGER)
    owner = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=owner.user, legal_name="Scierie Vosgienne")
        contact = ContactFactory(account=account, owner=owner.user, first_name="Paul", last_name="Forestier")
        search.index_many(
            [Account.objects.get(pk=account.pk), Contact.objects.select_related("account").get(pk=contact.pk)]
        )
    return {
        "manager": manager,
        "owner": owner,
        "colleague": colleague,
        "account": account,
        "contact": contact,
    }


def what_the_colleague_gets(world) -> dict[str, object]:
    client = logged_in(world["colleague"])
    account, contact = world["account"], world["contact"]
    found = client.get("/t/durand/search/", {"q": "scierie vosgienne"})
    return {
        "list": "Scierie Vosgienne" in client.get(ACCOUNTS).text,
        "detail": client.get(page_url(account)).status_code,
        "contacts": "Forestier" in client.get(CONTACTS).text,
        "contact": client.get(f"{CONTACTS}{contact.pk}/").status_code,
        "account tab": "Forestier" in client.get(page_url(account), {"tab": "contacts"}).text,
        "search": ("Scierie Vosgienne" in found.text, "Paul Forestier" in found.text),
        "export": "Scierie Vosgienne" in exported(client, f"{ACCOUNTS}export/csv/"),
        "contact export": "Forestier" in exported(client, f"{ACCOUNTS}contacts/export/csv/"),
        "edit": client.get(f"{page_url(account)}edit/").status_code,
        "edit contact": client.get(f"{CONTACTS}{contact.pk}/edit/").status_code,
    }


NOTHING = {
    "list": False, "detail": 404, "contacts": False, "contact": 404, "account tab": False,
    "search": (False, False), "export": False, "contact export": False, "edit": 404, "edit contact": 404,
}  # fmt: skip
READ = {
    "list": True, "detail": 200, "contacts": True, "contact": 200, "account tab": True,
    "search": (True, True), "export": True, "contact export": True, "edit": 403, "edit contact": 403,
}  # fmt: skip
READ_WRITE = {**READ, "edit": 200, "edit contact": 200}


def test_without_a_share_the_colleague_sees_nothing(tenant, world) -> None:
    assert what_the_colleague_gets(world) == NOTHING


@pytest.mark.parametrize(
    ("level", "expected"), [(ShareLevel.READ, READ), (ShareLevel.READ_WRITE, READ_WRITE)]
)
def test_a_share_gives_the_account_and_its_contacts_everywhere_at_its_level(
    tenant, world, level, expected
) -> None:
    grant(tenant, world["owner"], world["account"], level, user_id=world["colleague"].user_id)

    assert what_the_colleague_gets(world) == expected


def test_a_read_write_grantee_saves_the_account(tenant, world) -> None:
    account = world["account"]
    grant(tenant, world["owner"], account, ShareLevel.READ_WRITE, user_id=world["colleague"].user_id)

    response = logged_in(world["colleague"]).post(
        f"{page_url(account)}edit/", {"legal_name": "Scierie des Vosges", "owner": world["owner"].user_id,
                                      "currency": "EUR", "account_type": "prospect", "version": 1},
    )  # fmt: skip

    assert response.status_code == 302
    with tenant_scope(tenant):
        assert Account.objects.get(pk=account.pk).legal_name == "Scierie des Vosges"


def test_a_team_share_works_for_every_member_and_the_manager_of_the_team(tenant, world, member) -> None:
    first, second, outsider = (member(tenant, Role.FIELD_SALES_REP) for _ in range(3))
    team_manager = member(tenant, Role.INSIDE_SALES_REP)
    with tenant_scope(tenant):
        team = TeamFactory(name="Grands comptes", manager=team_manager)
        TeamMemberFactory(team=team, membership=first)
        TeamMemberFactory(team=team, membership=second)
    grant(tenant, world["owner"], world["account"], ShareLevel.READ_WRITE, team_id=team.pk)

    statuses = {
        name: (
            logged_in(who).get(page_url(world["account"])).status_code,
            logged_in(who).get(f"{page_url(world['account'])}edit/").status_code,
        )
        for name, who in {
            "first": first,
            "second": second,
            "manager": team_manager,
            "outsider": outsider,
        }.items()
    }

    assert statuses == {
        "first": (200, 200),
        "second": (200, 200),
        "manager": (200, 200),
        "outsider": (404, 404),
    }


def test_revoking_a_share_removes_the_access_at_once(tenant, world) -> None:
    share = grant(tenant, world["owner"], world["account"], user_id=world["colleague"].user_id)
    colleague = logged_in(world["colleague"])
    assert colleague.get(page_url(world["account"])).status_code == 200

    response = logged_in(world["owner"]).post(f"{page_url(world['account'])}shares/user/{share.pk}/remove/")

    assert response.status_code == 302
    assert response.headers["location"] == f"{page_url(world['account'])}?tab=sharing"
    assert colleague.get(page_url(world["account"])).status_code == 404
    assert colleague.get(f"{CONTACTS}{world['contact'].pk}/").status_code == 404
    with tenant_scope(tenant):
        assert not AccountUserShare.objects.exists()


# The Sharing tab --------------------------------------------------------------------------------------


def test_the_owner_shares_from_the_tab_and_sees_the_share_listed(tenant, world) -> None:
    owner, colleague, account = world["owner"], world["colleague"], world["account"]
    client = logged_in(owner)

    response = client.post(
        f"{page_url(account)}shares/",
        {"grantee": f"user:{colleague.user_id}", "level": "read_write", "note": "Remplacement congés"},
    )
    tab = client.get(page_url(account), {"tab": "sharing"})

    assert response.status_code == 302
    assert tab.status_code == 200
    rows = tab.context["shares"]
    assert [(row.user_id, row.level, row.granted_by_id, row.note) for row in rows] == [
        (colleague.user_id, "read_write", owner.user_id, "Remplacement congés")
    ]
    assert str(colleague.user) in tab.text
    assert "Remplacement congés" in tab.text
    assert "Read and write" in tab.text


def test_sharing_again_with_the_same_person_changes_the_level_of_the_one_share(tenant, world) -> None:
    client = logged_in(world["owner"])
    url = f"{page_url(world['account'])}shares/"
    grantee = f"user:{world['colleague'].user_id}"

    client.post(url, {"grantee": grantee, "level": "read"})
    client.post(url, {"grantee": grantee, "level": "read_write"})

    with tenant_scope(tenant):
        assert [share.level for share in AccountUserShare.objects.select_related("permission")] == [
            "read_write"
        ]


def test_the_tab_and_its_forms_work_in_french(tenant, world) -> None:
    client = logged_in(world["owner"])

    tab = client.get(page_url(world["account"]), {"tab": "sharing"}, HTTP_ACCEPT_LANGUAGE="fr")
    error = client.post(f"{page_url(world['account'])}shares/", {"grantee": "", "level": "read"},
                        HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip

    assert "Partage" in tab.text
    assert "Partager ce compte" in tab.text
    assert error.status_code == 200
    assert "Ce champ est obligatoire." in error.text


@pytest.mark.parametrize("grantee", ["foreign", "unknown", "inactive"])
def test_a_grantee_outside_the_tenant_is_refused_like_an_unknown_id(
    tenant, other_tenant, world, member, grantee
) -> None:
    foreigner = member(other_tenant, Role.FIELD_SALES_REP)
    inactive = member(tenant, Role.FIELD_SALES_REP, is_active=False)
    user_id = {"foreign": foreigner.user_id, "unknown": 987654321, "inactive": inactive.user_id}[grantee]

    response = logged_in(world["owner"]).post(
        f"{page_url(world['account'])}shares/", {"grantee": f"user:{user_id}", "level": "read"}
    )

    assert response.status_code == 200
    assert response.context["share_form"].errors == {
        "grantee": ["No active member of this company has this id."]
    }
    with tenant_scope(tenant):
        assert not AccountUserShare.objects.exists()


def test_another_tenants_team_is_refused_like_an_unknown_team(tenant, other_tenant, world) -> None:
    with tenant_scope(other_tenant):
        foreign_team = TeamFactory(name="Ailleurs")

    response = logged_in(world["owner"]).post(
        f"{page_url(world['account'])}shares/", {"grantee": f"team:{foreign_team.pk}", "level": "read"}
    )

    assert response.context["share_form"].errors == {"grantee": ["No team of this company has this id."]}
    with tenant_scope(tenant):
        assert not AccountTeamShare.objects.exists()


# Who may share -------------------------------------------------------------------------------------


@pytest.fixture
def people(tenant, other_tenant, world, member):
    with tenant_scope(tenant):
        from governance.models import Territory, TerritoryMember

        zone = Territory.objects.create(name="Vosges")
        Account.objects.filter(pk=world["account"].pk).update(territory=zone)
        in_territory = member(tenant, Role.FIELD_SALES_REP)
        TerritoryMember.objects.create(territory=zone, membership=in_territory)
    read_grantee, write_grantee = member(tenant, Role.FIELD_SALES_REP), member(tenant, Role.FIELD_SALES_REP)
    grant(tenant, world["owner"], world["account"], ShareLevel.READ, user_id=read_grantee.user_id)
    grant(tenant, world["owner"], world["account"], ShareLevel.READ_WRITE, user_id=write_grantee.user_id)
    return {
        "owner": world["owner"],
        "manager": world["manager"],
        "tenant admin": member(tenant, Role.TENANT_ADMIN),
        "sales director": member(tenant, Role.SALES_DIRECTOR),
        "territory rep": in_territory,
        "read grantee": read_grantee,
        "write grantee": write_grantee,
        "finance": member(tenant, Role.FINANCE),
        "stranger": world["colleague"],
        "other tenant": member(other_tenant, Role.TENANT_ADMIN),
    }


# Who: (the tab shown, the answer to sharing). Seeing the account without the right to share is a 403;
# not seeing it, a 404 (another tenant's account included).
MAY_SHARE = {
    "owner": (True, 302),
    "manager": (True, 302),
    "tenant admin": (True, 302),
    "sales director": (True, 302),  # may change every account: another relation
    "territory rep": (False, 403),
    "read grantee": (False, 403),
    "write grantee": (False, 403),  # a share does not let its holder share further
    "finance": (False, 403),
    "stranger": (False, 404),
    "other tenant": (False, 404),
}


@pytest.mark.parametrize("who", list(MAY_SHARE))
def test_who_may_share(tenant, world, people, member, who) -> None:
    target = member(tenant, Role.INSIDE_SALES_REP)
    client = logged_in(people[who])
    account = world["account"]

    page = client.get(page_url(account))
    tab = client.get(page_url(account), {"tab": "sharing"})
    response = client.post(
        f"{page_url(account)}shares/", {"grantee": f"user:{target.user_id}", "level": "read"}
    )

    shown, status = MAY_SHARE[who]
    assert ("?tab=sharing" in page.text, response.status_code) == (shown, status)
    if page.status_code == 200:
        assert (tab.context["tab"] == "sharing") is shown
    with tenant_scope(tenant):
        assert AccountUserShare.objects.filter(user=target.user).exists() is (status == 302)


def test_removing_needs_the_right_to_share(tenant, world, people) -> None:
    with tenant_scope(tenant):
        share = AccountUserShare.objects.get(user=people["read grantee"].user)
    url = f"{page_url(world['account'])}shares/user/{share.pk}/remove/"

    assert logged_in(people["write grantee"]).post(url).status_code == 403
    assert logged_in(people["stranger"]).post(url).status_code == 404
    with tenant_scope(tenant):
        assert AccountUserShare.objects.filter(pk=share.pk).exists()


def test_a_sharer_who_may_only_read_gives_read_access_only(tenant, member) -> None:
    """The owner's manager is in finance: above the owner, so may share, but may not change accounts."""
    boss = member(tenant, Role.FINANCE)
    owner = member(tenant, Role.FIELD_SALES_REP, manager=boss)
    target = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=owner.user, legal_name="Menuiserie Alsacienne")
    client = logged_in(boss)
    url = f"{page_url(account)}shares/"

    tab = client.get(page_url(account), {"tab": "sharing"})
    refused = client.post(url, {"grantee": f"user:{target.user_id}", "level": "read_write"})
    with tenant_scope(tenant):
        nothing_written = not AccountUserShare.objects.exists()
    accepted = client.post(url, {"grantee": f"user:{target.user_id}", "level": "read"})

    assert [value for value, _label in tab.context["share_form"].fields["level"].choices] == ["read"]
    assert refused.status_code == 200
    assert "level" in refused.context["share_form"].errors
    assert nothing_written
    assert accepted.status_code == 302
    with tenant_scope(tenant):
        assert [s.level for s in AccountUserShare.objects.select_related("permission")] == ["read"]


def test_a_sharer_who_may_only_read_cannot_remove_a_read_write_share(tenant, member) -> None:
    boss = member(tenant, Role.FINANCE)
    owner = member(tenant, Role.FIELD_SALES_REP, manager=boss)
    grantee = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=owner.user, legal_name="Menuiserie Alsacienne")
    share = grant(tenant, owner, account, ShareLevel.READ_WRITE, user_id=grantee.user_id)
    client = logged_in(boss)

    tab = client.get(page_url(account), {"tab": "sharing"})
    response = client.post(f"{page_url(account)}shares/user/{share.pk}/remove/", follow=True)

    assert f"shares/user/{share.pk}/remove/" not in tab.text  # no button offered
    assert "Only someone who may change the record may remove a read-write share." in response.text
    with tenant_scope(tenant):
        assert AccountUserShare.objects.filter(pk=share.pk).exists()


def test_with_htmx_a_refused_share_redraws_the_tab_only(tenant, world) -> None:
    response = logged_in(world["owner"]).post(
        f"{page_url(world['account'])}shares/",
        {"grantee": "user:987654321", "level": "read"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="account-tabs">')
    assert "No active member of this company has this id." in response.text
    assert "<html" not in response.text


# History, query counts, merges -----------------------------------------------------------------------


def test_the_history_of_a_share_records_who_granted_changed_and_removed_it(tenant, world) -> None:
    owner, manager, colleague = world["owner"], world["manager"], world["colleague"]
    url = f"{page_url(world['account'])}shares/"
    logged_in(owner).post(url, {"grantee": f"user:{colleague.user_id}", "level": "read"})
    logged_in(manager).post(url, {"grantee": f"user:{colleague.user_id}", "level": "read_write"})
    with tenant_scope(tenant):
        share = AccountUserShare.objects.get()
    logged_in(owner).post(f"{page_url(world['account'])}shares/user/{share.pk}/remove/")

    with tenant_scope(tenant):
        rows = list(
            AccountUserShare.history.order_by("history_date", "history_id").values_list(
                "history_type", "history_user_id", "permission__codename", "granted_by_id"
            )
        )

    assert rows == [
        ("+", owner.user_id, "view_account", owner.user_id),
        ("~", manager.user_id, "change_account", manager.user_id),
        ("-", owner.user_id, "change_account", manager.user_id),
    ]
    tab = logged_in(owner).get(page_url(world["account"]), {"tab": "sharing"})
    assert [(entry["kind"], entry["user"], entry["grantee"]) for entry in tab.context["share_history"]] == [
        ("-", owner.user, colleague.user),
        ("~", manager.user, colleague.user),
        ("+", owner.user, colleague.user),
    ]
    assert "No longer shared with" in tab.text


def count_queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params, **ENGLISH)
    assert response.status_code == 200
    return len(captured)


def test_list_query_counts_do_not_grow_with_the_shares(tenant, world, member) -> None:
    colleague, owner = world["colleague"], world["owner"]
    with tenant_scope(tenant):
        team = TeamFactory(name="Est")
        TeamMemberFactory(team=team, membership=colleague)
        more = [AccountFactory(owner=owner.user, legal_name=f"Scierie {n}") for n in range(8)]
        for account in more:
            ContactFactory(account=account, owner=owner.user)
    grant(tenant, owner, world["account"], user_id=colleague.user_id)
    client = logged_in(colleague)
    client.get(ACCOUNTS)  # warm up (sessions, content types)

    one = [count_queries(client, ACCOUNTS), count_queries(client, CONTACTS)]
    seen_with_one = client.get(ACCOUNTS).context["rows"]
    for index, account in enumerate(more):
        if index % 2:
            grant(tenant, owner, account, user_id=colleague.user_id)
        else:
            grant(tenant, owner, account, ShareLevel.READ_WRITE, team_id=team.pk)
    many = [count_queries(client, ACCOUNTS), count_queries(client, CONTACTS)]

    assert len(seen_with_one) == 1
    assert len(client.get(ACCOUNTS).context["rows"]) == 9
    assert one == many


def test_a_merge_moves_the_shares_to_the_survivor_keeping_one_per_grantee(tenant, world, member) -> None:
    owner, colleague = world["owner"], world["colleague"]
    other = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        survivor = world["account"]
        merged = AccountFactory(owner=owner.user, legal_name="Scierie Vosgienne (doublon)")
        team = TeamFactory(name="Ouest")
    grant(tenant, owner, survivor, ShareLevel.READ, user_id=colleague.user_id)
    grant(tenant, owner, merged, ShareLevel.READ_WRITE, user_id=colleague.user_id)
    grant(tenant, owner, merged, ShareLevel.READ, user_id=other.user_id)
    grant(tenant, owner, merged, ShareLevel.READ, team_id=team.pk)

    with tenant_scope(tenant, membership=owner):
        report = account_merge(survivor=survivor, merged=merged, choices={}, actor=owner.user)
        users = sorted(
            (share.content_object_id, share.user_id, share.level)
            for share in AccountUserShare.objects.select_related("permission")
        )
        teams = [(share.content_object_id, share.team_id) for share in AccountTeamShare.objects.all()]

    assert report.moved["shares"] == 3
    assert users == sorted(
        [(survivor.pk, colleague.user_id, "read_write"), (survivor.pk, other.user_id, "read")]
    )  # the higher level of the two shares of the colleague
    assert teams == [(survivor.pk, team.pk)]
    assert logged_in(other).get(page_url(survivor)).status_code == 200


# API ---------------------------------------------------------------------------------------------------


def key_for(tenant, role: str, creator) -> str:
    with tenant_scope(tenant):
        return api_key_create(tenant=tenant, name="ERP", role=role, actor=creator.user)[1]


def api(method: str, path: str, key: str, body: dict | None = None):
    client = Client(headers={"authorization": f"Bearer {key}", "accept-language": "en"})
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body or {}, content_type="application/json")


def test_the_api_creates_lists_and_deletes_shares_with_the_same_rules(tenant, world, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    colleague, account = world["colleague"], world["account"]
    url = f"/api/v1/accounts/{account.pk}/shares/"

    created = api("post", url, key, {"grantee_type": "user", "grantee_id": colleague.user_id,
                                     "level": "read_write", "note": "Relais"})  # fmt: skip
    listed = api("get", url, key)
    seen = logged_in(colleague).get(page_url(account)).status_code
    deleted = api("delete", f"{url}user/{colleague.user_id}/", key)
    again = api("delete", f"{url}user/{colleague.user_id}/", key)

    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("grantee_type", "grantee_id", "level", "cause", "note", "granted_by")} == {
        "grantee_type": "user", "grantee_id": colleague.user_id, "level": "read_write", "cause": "manual",
        "note": "Relais", "granted_by": admin.user_id,
    }  # fmt: skip
    assert [row["grantee_id"] for row in listed.json()] == [colleague.user_id]
    assert seen == 200
    assert (deleted.status_code, again.status_code) == (204, 404)
    assert logged_in(colleague).get(page_url(account)).status_code == 404
    with tenant_scope(tenant):
        history = AccountUserShare.history.order_by("history_date", "history_id")
        assert list(history.values_list("history_type", "history_user_id")) == [
            ("+", admin.user_id),
            ("-", admin.user_id),
        ]


def test_the_api_refuses_another_tenants_user_like_an_unknown_one(
    tenant, other_tenant, world, member
) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    foreigner = member(other_tenant, Role.FIELD_SALES_REP)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    url = f"/api/v1/accounts/{world['account'].pk}/shares/"

    foreign = api(
        "post", url, key, {"grantee_type": "user", "grantee_id": foreigner.user_id, "level": "read"}
    )
    unknown = api("post", url, key, {"grantee_type": "user", "grantee_id": 987654321, "level": "read"})

    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json()
    assert foreign.json()["error"]["fields"] == {"grantee": ["No active member of this company has this id."]}
    with tenant_scope(tenant):
        assert not AccountUserShare.objects.exists()


@pytest.mark.parametrize(("role", "status"), [(Role.FINANCE, 403), (Role.FIELD_SALES_REP, 404)])
def test_an_api_key_without_the_right_to_share_is_refused(tenant, world, member, role, status) -> None:
    key = key_for(tenant, role, member(tenant, Role.TENANT_ADMIN))
    url = f"/api/v1/accounts/{world['account'].pk}/shares/"

    response = api("post", url, key, {"grantee_type": "user", "grantee_id": world["colleague"].user_id,
                                      "level": "read"})  # fmt: skip

    assert response.status_code == status
    assert api("get", url, key).status_code == status
    with tenant_scope(tenant):
        assert not AccountUserShare.objects.exists()


def test_another_tenants_account_is_a_404_for_the_shares_api(tenant, other_tenant, world, member) -> None:
    key = key_for(other_tenant, Role.TENANT_ADMIN, member(other_tenant, Role.TENANT_ADMIN))

    assert api("get", f"/api/v1/accounts/{world['account'].pk}/shares/", key).status_code == 404


def test_the_shares_api_query_count_does_not_grow_with_the_shares(tenant, world, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    url = f"/api/v1/accounts/{world['account'].pk}/shares/"
    client = Client(headers={"authorization": f"Bearer {key}"})
    grant(tenant, world["owner"], world["account"], user_id=world["colleague"].user_id)
    client.get(url)

    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()) == 1
    for _ in range(4):
        grant(tenant, world["owner"], world["account"], user_id=member(tenant).user_id)
        with tenant_scope(tenant):
            grant(tenant, world["owner"], world["account"], team_id=TeamFactory().pk)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()) == 9

    assert len(one) == len(many)


def test_the_shares_api_is_in_the_schema() -> None:
    schema = Client().get("/api/v1/schema/", headers={"accept": "application/json"}).text

    assert "/api/v1/accounts/{id}/shares/" in schema
    assert "/api/v1/accounts/{id}/shares/{grantee_type}/{grantee_id}/" in schema
