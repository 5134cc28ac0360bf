"""The cross-tenant attack suite (issue 4, section 4).

Every route of the root and tenant URLconfs (tenant admin and API included) and every operation of the
OpenAPI schema is requested by tenant B's tenant admin (and, for the API, by B's tenant-admin API key)
with tenant A's ids, with every method it accepts. A route naming one of A's records must answer 404
(405 for a method it refuses); no answer may show A's names, emails, SIRETs, phones or ids; nothing of
A may change; no row of B may end up pointing at A. The routes come from Django's resolver and the
schema, the values from tests/security/builders.py: a route it cannot fill fails the suite.
"""

from __future__ import annotations

import pytest

from crm.admin_site import tenant_admin
from crm.tenancy import tenant_scope
from tests.security.attack import (
    Attacker,
    Attempt,
    changes,
    fill,
    fingerprint,
    foreign_references,
    plan,
    snapshot,
)
from tests.security.builders import (
    A_PHONE,
    MARKER,
    MissingBuilder,
    World,
    admin_models_without_object,
    build_world,
)
from tests.security.discovery import Route, discover_api_operations, discover_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def attack_all(world: World, attempts: list[Attempt], statuses: list[int] | None = None) -> list[str]:
    """Send every attempt; after each route, compare A's rows with the snapshot taken before."""
    attacker = Attacker(world)
    before, before_digest = snapshot(world), fingerprint(world)
    problems: list[str] = []
    by_route: dict[Route, list[Attempt]] = {}
    for attempt in attempts:
        by_route.setdefault(attempt.route, []).append(attempt)
    for route, route_attempts in by_route.items():
        for attempt in route_attempts:
            response = attacker.send(attempt)
            if statuses is not None:
                statuses.append(response.status_code)
            problems.extend(attacker.judge(attempt, response))
        digest = fingerprint(world)
        if digest != before_digest:
            problems.append(f"{route}: changed A's data: {changes(before, snapshot(world))}")
            before, before_digest = snapshot(world), digest
    problems.extend(foreign_references(world, before))
    return problems


def assert_every_route_is_attacked(world: World, *, tenant_urlconf: str | None = None) -> list[Attempt]:
    attempts, missing = plan(discover_routes(tenant_urlconf=tenant_urlconf), world)
    assert not missing, "\n".join(missing)
    return attempts


def test_every_route_refuses_tenant_a_objects(world: World) -> None:
    attempts = assert_every_route_is_attacked(world)
    assert len(attempts) > 300  # the resolver was walked: pages, tenant admin, API
    statuses: list[int] = []
    problems = attack_all(world, attempts, statuses)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    # B's own lists, forms and admin pages answered: the attacker was logged in all along.
    assert statuses.count(200) > 50


def test_the_attacker_is_really_logged_in_to_b(world: World) -> None:
    """The control: the same identities reach B's own records, so the 404s above are refusals of A's."""
    attacker = Attacker(world)
    route = Route(urlconf="tenant", name="control", template="", parameters={}, callback=lambda: None)
    pages = {
        f"/t/bravo/accounts/{world.b_account.pk}/": False,
        f"/t/bravo/accounts/contacts/{world.b_contact.pk}/": False,
        "/t/bravo/admin/governance/team/": False,
        f"/api/v1/accounts/{world.b_account.pk}/": True,
        f"/api/v1/contacts/{world.b_contact.pk}/": True,
    }
    for path, as_api_key in pages.items():
        response = attacker.send(Attempt(route, "GET", path, False, as_api_key=as_api_key))
        assert response.status_code == 200, path
    response = attacker.send(Attempt(route, "GET", "/t/bravo/search/", False, query="q=Bravo Client"))
    assert "Bravo Client" in response.text


def test_every_api_operation_of_the_schema_is_attacked(world: World) -> None:
    """Each operation of /api/v1/schema/ is one of the discovered routes, so the key attack reached it."""
    attempts, _missing = plan(discover_routes(), world)
    attacked = {(attempt.route.template, attempt.method) for attempt in attempts if attempt.as_api_key}
    attacked_shapes = {(_shape(template), method) for template, method in attacked}
    unattacked = [
        str(operation)
        for operation in discover_api_operations()
        if (_shape(operation.template), operation.method) not in attacked_shapes
    ]
    assert not unattacked, f"schema operations with no attacked route: {unattacked}"
    assert len(attacked) >= 10


def _shape(template: str) -> str:
    import re

    return re.sub(r"<\w+>", "<>", template)


def test_every_admin_model_has_an_object_of_a(world: World) -> None:
    assert admin_models_without_object() == []


def test_a_route_the_registry_cannot_fill_fails_the_suite_naming_it(world: World) -> None:
    """A test URLconf adds two routes nobody wrote a builder for: the plan names both."""
    routes = discover_routes(tenant_urlconf="tests.security.unattacked_urls")
    _attempts, missing = plan([route for route in routes if route.urlconf == "tenant"], world)
    assert missing == [
        "no builder for gadget_id in route gadget_detail (gadgets/<gadget_id>/): "
        "add one in tests/security/builders.py",
        "no builder for the pattern 'legacy/.*' in route legacy/.*: "
        "add one to UNNAMED_REGEX in tests/security/builders.py",
    ]
    with pytest.raises(MissingBuilder, match="gadget_id in route gadget_detail"):
        fill(next(route for route in routes if route.name == "gadget_detail"), world)


def test_the_attack_of_every_route_fails_when_one_is_unattacked(world: World) -> None:
    """The main test asserts on the same list: prove it is not empty for such a URLconf."""
    with pytest.raises(AssertionError, match="no builder for gadget_id in route gadget_detail"):
        assert_every_route_is_attacked(world, tenant_urlconf="tests.security.unattacked_urls")


# Explicit attacks: query strings and bodies that carry A's values into B's own pages. ---------------


class Explicit:
    """Requests to B's own pages carrying A's values; A's snapshot is compared once, at the end."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.attacker = Attacker(world)
        self.before = snapshot(world)
        self.problems: list[str] = []

    def __call__(
        self,
        method: str,
        path: str,
        query: str = "",
        data: dict[str, object] | None = None,
        *,
        api: bool = False,
    ) -> None:
        route = Route(urlconf="tenant", name=path, template=path, parameters={}, callback=lambda: None)
        full_path = path if api else f"/t/{self.world.tenant_b.slug}/{path}"
        attempt = Attempt(route, method, full_path, False, as_api_key=api, query=query)
        response = self.attacker.send(attempt, data=data)
        self.problems += self.attacker.judge(attempt, response, sent=str(data or ""))

    def assert_clean(self) -> None:
        self.problems += [
            f"changed A's data: {change}" for change in changes(self.before, snapshot(self.world))
        ]
        self.problems += foreign_references(self.world, self.before)
        assert not self.problems, "\n".join(self.problems)


def search_terms(world: World) -> list[str]:
    account, contact = world["account"], world["contact"]
    return [
        account.legal_name,
        MARKER,
        "zz alpha",
        account.siret,
        account.siren,
        contact.email,
        A_PHONE,
        "01 99 88 77 66",
        contact.last_name,
        str(account.pk),
    ]


def test_search_lists_and_exports_never_find_a(world: World) -> None:
    attack = Explicit(world)
    for term in search_terms(world):
        query = f"q={term}"
        for path in (
            "search/",
            "accounts/",
            "accounts/contacts/",
            "accounts/export/csv/",
            "accounts/export/xlsx/",
            "accounts/contacts/export/csv/",
            "accounts/contacts/export/xlsx/",
            "duplicates/",
            "imports/",
        ):
            attack("GET", path, query)
    # Filters by A's related records (segment, territory, owner, account) find nothing of A either.
    for query in (
        f"segment={world['segment'].pk}",
        f"territory={world['territory'].pk}",
        f"owner={world.a_admin.user_id}",
        f"account={world['account'].pk}",
    ):
        for path in (
            "accounts/",
            "accounts/contacts/",
            "accounts/export/csv/",
            "accounts/contacts/export/csv/",
        ):
            attack("GET", path, query)
    # The tenant admin's lists, searched and filtered with A's values, and its autocomplete.
    for model in tenant_admin._registry:
        path = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        attack("GET", path, f"q={MARKER}")
        attack("GET", path, f"q={world['contact'].email}")
        attack(
            "GET", path, f"team__id__exact={world['team'].pk}&territory__id__exact={world['territory'].pk}"
        )
    attack(
        "GET",
        "admin/autocomplete/",
        "app_label=accounts&model_name=territoryrule&field_name=territory&term=ZZ",
    )
    attack.assert_clean()


def test_merge_pages_refuse_a_record_as_the_other_side(world: World) -> None:
    b_account, b_contact = world.b_account, world.b_contact
    a_account, a_contact = world["account"], world["contact"]
    versions = {"survivor_version": 1, "merged_version": 1}
    attack = Explicit(world)
    attack("GET", f"accounts/{b_account.pk}/merge/", f"with={a_account.pk}")
    attack("POST", f"accounts/{b_account.pk}/merge/", data={"with": a_account.pk, **versions})
    attack("GET", f"accounts/contacts/{b_contact.pk}/merge/", f"with={a_contact.pk}")
    attack("POST", f"accounts/contacts/{b_contact.pk}/merge/", data={"with": a_contact.pk, **versions})
    attack.assert_clean()


def test_b_pages_do_not_take_a_ids_in_forms(world: World) -> None:
    """Shares with A's user or team, a contact attached to A's account, inline edits pointing at A's
    owner or segment, A's saved view opened by id, history and tabs of B's account."""
    b_account, b_contact = world.b_account, world.b_contact
    attack = Explicit(world)
    attack("POST", f"accounts/{b_account.pk}/shares/", data={"user": world.a_rep.user_id, "level": "read"})
    attack("POST", f"accounts/{b_account.pk}/shares/", data={"team": world["team"].pk, "level": "read"})
    attack("GET", "accounts/contacts/new/", f"account={world['account'].pk}")
    contact = {"first_name": "Pirate", "last_name": "Bravo", "language": "fr", "owner": world.b_admin.user_id}
    attack("POST", "accounts/contacts/new/", data={**contact, "account": world["account"].pk})
    attack(
        "POST", f"accounts/contacts/{b_contact.pk}/edit/", data={**contact, "account": world["account"].pk}
    )
    attack(
        "POST", f"accounts/{b_account.pk}/edit/owner/", data={"owner": world.a_admin.user_id, "version": 1}
    )
    attack(
        "POST", f"accounts/{b_account.pk}/edit/segment/", data={"segment": world["segment"].pk, "version": 1}
    )
    attack(
        "POST",
        f"accounts/contacts/{b_contact.pk}/edit/owner/",
        data={"owner": world.a_rep.user_id, "version": 1},
    )
    for path in ("accounts/", "accounts/contacts/", "accounts/export/csv/"):
        attack("GET", path, f"view={world['saved_view'].pk}")
    attack(
        "POST",
        f"saved-views/{world['saved_view'].pk}/",
        data={"name": "Pirate", "list_key": "accounts.account"},
    )
    attack("GET", f"accounts/{b_account.pk}/", "tab=history")
    attack("GET", f"accounts/{b_account.pk}/", f"tab=contacts&with={world['account'].pk}")
    attack("GET", f"accounts/{b_account.pk}/addresses/{world['address'].pk}/")
    attack("POST", f"accounts/{b_account.pk}/addresses/{world['address'].pk}/remove/")
    with tenant_scope(world.tenant_a):
        a_history_id = world["account"].history.order_by("history_id").first().history_id
    attack("POST", f"accounts/{b_account.pk}/history/{a_history_id}/restore/", data={"version": 1})
    attack.assert_clean()


def test_share_removal_with_a_team_share_of_a(world: World) -> None:
    """The registry tries A's user share; here the team share, through A's account and through B's."""
    route = Route(
        urlconf="tenant",
        name="accounts:account_share_remove",
        template="",
        parameters={},
        callback=lambda: None,
    )
    attacker = Attacker(world)
    before = snapshot(world)
    problems = []
    for account in (world["account"], world.b_account):
        for kind, share in (("team", world["team_share"]), ("user", world["user_share"])):
            path = f"/t/{world.tenant_b.slug}/accounts/{account.pk}/shares/{kind}/{share.pk}/remove/"
            for method in ("GET", "POST"):
                attempt = Attempt(route, method, path, True)
                problems += attacker.judge(attempt, attacker.send(attempt))
    problems += changes(before, snapshot(world))
    assert not problems, "\n".join(problems)


def test_api_does_not_take_a_ids_in_bodies_or_filters(world: World) -> None:
    attack = Explicit(world)
    a_account = world["account"]
    for method, path, data in (
        (
            "POST",
            "/api/v1/contacts/",
            {"first_name": "Pirate", "last_name": "Bravo", "account": a_account.pk},
        ),
        ("PATCH", f"/api/v1/contacts/{world.b_contact.pk}/", {"account": a_account.pk}),
        ("PATCH", f"/api/v1/accounts/{world.b_account.pk}/", {"owner": world.a_admin.user_id}),
        ("PATCH", f"/api/v1/accounts/{world.b_account.pk}/", {"parent": a_account.pk}),
        ("PATCH", f"/api/v1/accounts/{world.b_account.pk}/", {"segment": world["segment"].pk}),
        (
            "POST",
            f"/api/v1/accounts/{world.b_account.pk}/shares/",
            {"grantee_type": "user", "grantee_id": world.a_rep.user_id, "level": "read"},
        ),
        (
            "POST",
            f"/api/v1/accounts/{world.b_account.pk}/shares/",
            {"grantee_type": "team", "grantee_id": world["team"].pk, "level": "read"},
        ),
    ):
        attack(method, path, data=data, api=True)
    for query in (
        f"q={MARKER}",
        f"siret={a_account.siret}",
        f"siren={a_account.siren}",
        f"account={a_account.pk}",
        f"email={world['contact'].email}",
        f"owner={world.a_admin.user_id}",
        f"segment={world['segment'].pk}",
        f"territory={world['territory'].pk}",
    ):
        for path in ("/api/v1/accounts/", "/api/v1/contacts/"):
            attack("GET", path, query, api=True)
    attack.assert_clean()


# The judge itself: each check must be able to fail. ---------------------------------------------


def test_the_judge_reports_a_leak_a_found_object_and_a_server_error(world: World) -> None:
    from django.http import HttpResponse

    attacker = Attacker(world)
    route = Route(
        urlconf="tenant", name="accounts:account_detail", template="", parameters={}, callback=lambda: None
    )
    attempt = Attempt(route, "GET", f"/t/bravo/accounts/{world['account'].pk}/", True)
    page = f"<h1>{world['account'].legal_name}</h1><p>{world['contact'].email}</p>"

    assert attacker.judge(attempt, HttpResponse(page)) == [
        f"{attempt}: answered 200, expected 404",
        f"{attempt}: the answer (200) shows A's values "
        f"['ZZ-ALPHA-CONFIDENTIEL', 'alpha-confidentiel.example']",
    ]
    assert attacker.judge(attempt, HttpResponse(status=500)) == [f"{attempt}: server error 500"]
    assert attacker.judge(attempt, HttpResponse(status=404)) == []
    # An id of A in a body counts as a leak, unless the attacker sent it itself.
    listing = Attempt(route, "GET", "/t/bravo/accounts/", False)
    assert attacker.judge(listing, HttpResponse(f'<a href="/accounts/{world["account"].pk}/">')) == [
        f"{listing}: the answer (200) shows A's values ['{world['account'].pk}']"
    ]


def test_the_snapshot_sees_a_change_and_a_row_of_b_pointing_at_a(world: World) -> None:
    from accounts.models import Account

    before = snapshot(world)
    with tenant_scope(world.tenant_a):
        Account.objects.filter(pk=world["account"].pk).update(trade_name="Changed")
    with tenant_scope(world.tenant_b):
        Account.objects.filter(pk=world.b_account.pk).update(owner_id=world.a_admin.user_id)

    assert changes(before, snapshot(world)) == [
        f"accounts.Account: added [], removed [], changed ['{world['account'].pk}']"
    ]
    assert f"accounts.Account.owner of B points at A's crm.User [{world.b_account.pk}]" in foreign_references(
        world, before
    )


def test_the_fingerprint_sees_a_change_of_a_and_not_of_b(world: World) -> None:
    from accounts.models import Account

    before = fingerprint(world)
    with tenant_scope(world.tenant_b):
        Account.objects.filter(pk=world.b_account.pk).update(trade_name="Changed")
    assert fingerprint(world) == before
    with tenant_scope(world.tenant_a):
        Account.objects.filter(pk=world["account"].pk).update(trade_name="Changed")
    after = fingerprint(world)
    assert [label for (label, digest), (_same, old) in zip(after, before, strict=True) if digest != old] == [
        "accounts.Account"
    ]


@pytest.mark.parametrize(
    "label", ["crm.membership", "crm.apikey", "governance.securityevent", "governance.sensitivefieldread"]
)
def test_admin_delete_of_a_model_b_may_not_delete_answers_404_for_a_record_of_a(
    world: World, label: str
) -> None:
    """Django checks the delete permission before it looks the object up: for models nobody may delete,
    another tenant's id answered 403. The tenant admin now answers 404, as for any foreign record."""
    app_label, model_name = label.split(".")
    attacker = Attacker(world)
    route = Route(urlconf="tenant", name=label, template="", parameters={}, callback=lambda: None)
    path = f"/t/bravo/admin/{app_label}/{model_name}/{world[label].pk}/delete/"
    for method in ("GET", "POST"):
        assert attacker.send(Attempt(route, method, path, True)).status_code == 404
