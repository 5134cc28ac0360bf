"""The nightly duplicates scan and its queue (spec 4.2.1): pairs found by set-based SQL with their
reasons and scores, upserted (a second scan changes nothing, a dismissed pair stays dismissed), never
across tenants; a queue page that shows only the pairs the member can see; "not a duplicate"; a merge
that marks its pair merged; the task in its tenant scope; a query count that does not grow with rows.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.dedup import services as dedup_services
from accounts.dedup import tasks
from accounts.dedup.models import DuplicateCandidate
from accounts.dedup.scan import ScanCounts, duplicate_scan
from accounts.merge import account_merge
from accounts.models import Account, Address
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory, valid_siret
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


LEMAN = "Société Générale des Eaux du Léman"
SIREN = "732829320"
OPEN = DuplicateCandidate.Status.OPEN


def head_office(account: Account, postal_code: str) -> Account:
    Address.objects.create(
        account=account, kind=Address.Kind.HEAD_OFFICE, line1="1 quai", postal_code=postal_code, city="X"
    )
    return account


def pairs(kind: str = "account") -> dict[tuple[int, int], tuple[int, list[str], str]]:
    rows = DuplicateCandidate.objects.filter(kind=kind).values_list(
        f"first_{kind}", f"second_{kind}", "score", "reasons", "status"
    )
    return {(first, second): (score, reasons, status) for first, second, score, reasons, status in rows}


@pytest.fixture
def owner(tenant):
    with tenant_scope(tenant):
        return UserFactory()


@pytest.fixture
def twins(tenant, owner) -> dict[str, Account]:
    """Four pairs of accounts, one per kind of evidence, and a look-alike in another town."""
    with tenant_scope(tenant):
        siret = valid_siret(7)
        made = {
            "vat_1": AccountFactory(owner=owner, siren=SIREN, vat_number="FR44732829320"),
            "vat_2": AccountFactory(owner=owner, siren=SIREN, vat_number="FR44732829320"),
            "web_1": AccountFactory(owner=owner, website="https://www.eaux-leman.fr"),
            "web_2": AccountFactory(owner=owner, website="http://Eaux-Leman.fr/contact"),
            "name_1": head_office(AccountFactory(owner=owner, legal_name=LEMAN), "74200"),
            "name_2": head_office(AccountFactory(owner=owner, legal_name=LEMAN.upper()), "74200"),
            "elsewhere": head_office(AccountFactory(owner=owner, legal_name=LEMAN), "13002"),
            "siret": AccountFactory(owner=owner, siret=siret),  # its SIREN is blank: taken from the SIRET
            "siren": AccountFactory(owner=owner, siren=siret[:9]),
        }
    return made


def test_the_scan_finds_account_pairs_with_their_reasons_and_scores(tenant, twins) -> None:
    with tenant_scope(tenant):
        counts = duplicate_scan()
        found = pairs()

    pk = {name: account.pk for name, account in twins.items()}
    assert found == {
        (pk["vat_1"], pk["vat_2"]): (95, ["siren", "vat"], OPEN),  # 90, plus 5 for the second reason
        (pk["web_1"], pk["web_2"]): (70, ["website"], OPEN),
        (pk["name_1"], pk["name_2"]): (80, ["name_postcode"], OPEN),  # 60 + 20 x similarity 1.0
        (pk["siret"], pk["siren"]): (90, ["siren"], OPEN),
    }
    assert counts["account"] == ScanCounts(found=4, created=4, updated=0, resolved=0)


def test_the_scan_finds_contact_pairs_by_email_phone_and_name_at_the_same_account(tenant, owner) -> None:
    with tenant_scope(tenant):
        company = AccountFactory(owner=owner)
        by_email = (ContactFactory(email="Anne.B@leman.fr"), ContactFactory(email="anne.b@leman.fr"))
        by_phone = (ContactFactory(phone="+33612345678"), ContactFactory(mobile="+33612345678"))
        by_name = (
            ContactFactory(account=company, first_name="Éloïse", last_name="Martin"),
            ContactFactory(account=company, first_name="eloise", last_name="MARTIN"),
        )
        ContactFactory(first_name="Éloïse", last_name="Martin")  # the same name at another company
        counts = duplicate_scan()
        found = pairs("contact")

    assert found == {
        (by_email[0].pk, by_email[1].pk): (90, ["email"], OPEN),
        (by_phone[0].pk, by_phone[1].pk): (80, ["phone"], OPEN),
        (by_name[0].pk, by_name[1].pk): (80, ["name_account"], OPEN),
    }
    assert counts["contact"] == ScanCounts(found=3, created=3, updated=0, resolved=0)


def test_a_second_scan_updates_and_does_not_duplicate(tenant, twins) -> None:
    with tenant_scope(tenant):
        duplicate_scan()
        before = list(DuplicateCandidate.objects.order_by("pk").values_list("pk", "score", "updated_at"))
        again = duplicate_scan()
        unchanged = list(DuplicateCandidate.objects.order_by("pk").values_list("pk", "score", "updated_at"))
        Account.objects.filter(pk=twins["web_2"].pk).update(vat_number="FR00999999999")
        Account.objects.filter(pk=twins["web_1"].pk).update(vat_number="FR00999999999")
        changed = duplicate_scan()
        web_pair = pairs()[(twins["web_1"].pk, twins["web_2"].pk)]

    assert again["account"] == ScanCounts(found=4, created=0, updated=0, resolved=0)
    assert unchanged == before
    assert changed["account"] == ScanCounts(found=4, created=0, updated=1, resolved=0)
    assert web_pair == (95, ["vat", "website"], OPEN)
    assert len(before) == 4


def test_a_dismissed_pair_stays_dismissed_and_a_pair_that_no_longer_matches_is_resolved(
    tenant, twins, member
) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        duplicate_scan()
        vat_pair = DuplicateCandidate.objects.get(first_account=twins["vat_1"])
        dedup_services.candidate_dismiss(candidate=vat_pair, actor=director.user)
        Account.objects.filter(pk=twins["web_2"].pk).update(website="https://autre.fr")
        counts = duplicate_scan()
        found = pairs()
        dismissed = DuplicateCandidate.objects.get(pk=vat_pair.pk)
        Account.objects.filter(pk=twins["web_2"].pk).update(website="https://eaux-leman.fr")
        reopened = duplicate_scan()
        web_status = pairs()[(twins["web_1"].pk, twins["web_2"].pk)][2]

    assert found[(twins["vat_1"].pk, twins["vat_2"].pk)][2] == DuplicateCandidate.Status.DISMISSED
    assert (dismissed.resolved_by_id, dismissed.resolved_at is not None) == (director.user_id, True)
    assert found[(twins["web_1"].pk, twins["web_2"].pk)][2] == DuplicateCandidate.Status.RESOLVED
    assert counts["account"] == ScanCounts(found=3, created=0, updated=0, resolved=1)
    assert reopened["account"] == ScanCounts(found=4, created=0, updated=1, resolved=0)
    assert web_status == OPEN


def test_another_tenants_twins_are_never_paired(tenant, other_tenant, twins) -> None:
    with tenant_scope(other_tenant):
        other_owner = UserFactory()
        twin = AccountFactory(owner=other_owner, siren=SIREN, vat_number="FR44732829320")
        lonely = duplicate_scan()
        in_other = DuplicateCandidate.objects.count()
    with tenant_scope(tenant):
        duplicate_scan()
        paired_with_twin = DuplicateCandidate.objects.filter(second_account_id=twin.pk).count()
        in_tenant = DuplicateCandidate.objects.count()

    assert lonely["account"] == ScanCounts()
    assert (in_other, paired_with_twin, in_tenant) == (0, 0, 4)


def test_the_queue_shows_only_pairs_whose_two_accounts_the_member_can_see(
    tenant, other_tenant, client_of
) -> None:
    rep_client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    director_client, _director = client_of(tenant, Role.SALES_DIRECTOR)
    stranger_client, _stranger = client_of(other_tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        colleague = UserFactory()
        mine = (
            AccountFactory(owner=rep.user, legal_name="Mine A", siren=SIREN),
            AccountFactory(owner=rep.user, legal_name="Mine B", siren=SIREN),
        )
        AccountFactory(owner=rep.user, legal_name="Half mine", vat_number="FR11111111111")
        AccountFactory(owner=colleague, legal_name="Half theirs", vat_number="FR11111111111")
        AccountFactory(owner=colleague, legal_name="Theirs A", website="https://theirs.fr")
        AccountFactory(owner=colleague, legal_name="Theirs B", website="https://www.theirs.fr")
        duplicate_scan()

    rep_page = rep_client.get("/t/durand/duplicates/", headers={"accept-language": "en"})
    director_page = director_client.get("/t/durand/duplicates/", headers={"accept-language": "en"})
    stranger_page = stranger_client.get("/t/durand/duplicates/")

    assert rep_page.status_code == 200
    assert [(c.first_account.pk, c.second_account.pk) for c in rep_page.context["candidates"]] == [
        (mine[0].pk, mine[1].pk)
    ]
    assert rep_page.context["total"] == 1
    assert "same SIREN" in rep_page.text
    assert "Half theirs" not in rep_page.text
    assert "Theirs A" not in rep_page.text
    assert f"/t/durand/accounts/{mine[0].pk}/merge/?with={mine[1].pk}" not in rep_page.text  # no delete right
    assert [c.score for c in director_page.context["candidates"]] == [90, 90, 70]  # highest first
    assert director_page.context["total"] == 3
    assert f"/t/durand/accounts/{mine[0].pk}/merge/?with={mine[1].pk}" in director_page.text
    assert stranger_page.status_code == 404


@pytest.mark.parametrize("role", [None, Role.FINANCE, Role.MARKETING_USER])
def test_the_queue_is_closed_without_the_right_to_change_accounts(tenant, client_of, twins, role) -> None:
    from django.test import Client

    client = Client() if role is None else client_of(tenant, role)[0]
    with tenant_scope(tenant):
        duplicate_scan()
        candidate = DuplicateCandidate.objects.first()

    page = client.get("/t/durand/duplicates/")
    dismissed = client.post(f"/t/durand/duplicates/{candidate.pk}/dismiss/")

    expected = 302 if role is None else 403  # anonymous: to the login page
    assert (page.status_code, dismissed.status_code) == (expected, expected)
    with tenant_scope(tenant):
        assert DuplicateCandidate.objects.filter(status=OPEN).count() == 4


def test_not_a_duplicate_dismisses_a_visible_pair_only(tenant, client_of, twins) -> None:
    director_client, director = client_of(tenant, Role.SALES_DIRECTOR)
    rep_client, _rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        duplicate_scan()
        candidate = DuplicateCandidate.objects.get(first_account=twins["web_1"])

    hidden = rep_client.post(f"/t/durand/duplicates/{candidate.pk}/dismiss/")  # the rep sees neither
    with tenant_scope(tenant):
        untouched = DuplicateCandidate.objects.get(pk=candidate.pk).status
    done = director_client.post(
        f"/t/durand/duplicates/{candidate.pk}/dismiss/", headers={"accept-language": "en"}
    )
    twice = director_client.post(
        f"/t/durand/duplicates/{candidate.pk}/dismiss/", follow=True, headers={"accept-language": "en"}
    )
    with tenant_scope(tenant):
        candidate.refresh_from_db()

    assert hidden.status_code == 404
    assert untouched == OPEN
    assert (done.status_code, done["Location"]) == (302, "/t/durand/duplicates/")
    assert candidate.status == DuplicateCandidate.Status.DISMISSED
    assert candidate.resolved_by_id == director.user_id
    assert candidate.resolved_at is not None
    assert [str(message) for message in twice.context["messages"]] == [
        "The pair was marked as not a duplicate.",  # the first post's, shown on this page
        "This pair has already been dealt with.",
    ]
    assert candidate.pk not in [c.pk for c in twice.context["candidates"]]


def test_merging_through_the_wizard_marks_the_pair_merged(tenant, client_of, twins) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        duplicate_scan()
        pair = DuplicateCandidate.objects.get(first_account=twins["vat_1"])
        # An open pair of the merged account with a third account goes away with it.
        third = AccountFactory(owner=twins["vat_2"].owner)
        other = DuplicateCandidate.objects.create(
            kind="account", first_account=twins["vat_2"], second_account=third, score=70, reasons=["website"]
        )

    done = client.post(
        f"/t/durand/accounts/{twins['vat_1'].pk}/merge/",
        {"with": twins["vat_2"].pk, "survivor_version": 1, "merged_version": 1},
    )
    with tenant_scope(tenant):
        pair.refresh_from_db()
        other.refresh_from_db()

    assert done.status_code == 302
    assert (pair.status, pair.first_account_id, pair.second_account_id) == (
        DuplicateCandidate.Status.MERGED,
        twins["vat_1"].pk,
        None,  # the merged account is gone; the decision stays
    )
    assert pair.resolved_by_id == director.user_id
    assert (other.status, other.first_account_id) == (DuplicateCandidate.Status.RESOLVED, None)


def test_the_merge_mover_reports_what_it_changed(tenant, twins, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        duplicate_scan()
        report = account_merge(
            survivor=twins["web_2"], merged=twins["web_1"], choices={}, actor=director.user
        )
        status = DuplicateCandidate.objects.get(first_account__isnull=True).status

    assert report.moved["duplicate candidates"] == 1
    assert status == DuplicateCandidate.Status.MERGED


def test_the_task_runs_in_its_tenant_scope_and_twice_is_once(tenant, other_tenant, twins) -> None:
    with tenant_scope(other_tenant):
        owner = UserFactory()
        AccountFactory(owner=owner, siren=SIREN)
        AccountFactory(owner=owner, siren=SIREN)

    first = tasks.duplicate_scan_task(tenant_id=tenant.pk)  # outside any scope, as on a worker
    again = tasks.duplicate_scan_task(tenant_id=tenant.pk)
    with tenant_scope(tenant):
        in_tenant = DuplicateCandidate.objects.count()
    with tenant_scope(other_tenant):
        in_other = DuplicateCandidate.objects.count()

    assert first["account"] == {"found": 4, "created": 4, "updated": 0, "resolved": 0}
    assert again["account"] == {"found": 4, "created": 0, "updated": 0, "resolved": 0}
    assert (in_tenant, in_other) == (4, 0)


def test_a_suspended_tenant_is_not_scanned(tenant, twins) -> None:
    tenant.is_active = False
    tenant.save(update_fields=["is_active"])

    assert tasks.duplicate_scan_task(tenant_id=tenant.pk) is None
    with tenant_scope(tenant):
        assert DuplicateCandidate.objects.count() == 0


def test_the_nightly_fan_out_queues_one_scan_per_active_tenant_with_ids_only(
    tenant, other_tenant, monkeypatch
) -> None:
    other_tenant.is_active = False
    other_tenant.save(update_fields=["is_active"])
    queued: list[dict[str, object]] = []
    monkeypatch.setattr(tasks.duplicate_scan_task, "delay", lambda **kwargs: queued.append(kwargs))

    count = tasks.duplicate_scan_all()

    assert queued == [{"tenant_id": tenant.pk}]
    assert count == 1


def test_the_management_command_scans_one_tenant(tenant, twins, capsys) -> None:
    call_command("duplicate_scan", tenant="durand")

    assert "durand account: 4 pair(s) found, 4 new, 0 updated, 0 resolved." in capsys.readouterr().out


def scan_statements(size: int, owner) -> tuple[int, list[str]]:
    """Bring the tenant to `size` look-alike accounts (each with a look-alike contact), then scan."""
    while Account.objects.count() < size:
        account = head_office(AccountFactory(owner=owner, siren=SIREN), "74200")
        ContactFactory(account=account, email="same@leman.fr")
    with CaptureQueriesContext(connection) as queries:
        counts = duplicate_scan()
    statements = [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]
    return counts["account"].found + counts["contact"].found, statements


def test_the_scan_query_count_does_not_grow_with_the_records(tenant, owner) -> None:
    with tenant_scope(tenant):
        few_pairs, few = scan_statements(5, owner)
        many_pairs, many = scan_statements(50, owner)

    assert (few_pairs, many_pairs) == (2 * 10, 2 * 1225)  # n(n-1)/2 pairs of accounts, and of contacts
    assert len(few) == len(many) == 4  # the lock, the rules, then one statement per kind


def test_reasons_are_translated_on_the_page(tenant, client_of, twins) -> None:
    client, _director = client_of(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        duplicate_scan()

    page = client.get("/t/durand/duplicates/", headers={"accept-language": "fr"})

    assert page.status_code == 200
    assert "même SIREN" in page.text
    assert "nom proche dans le même code postal" in page.text


@pytest.mark.parametrize(
    ("default", "expected"),
    [("private", 404), ("read", 403), ("read_write", 302)],
    ids=["other record invisible", "other record read-only", "both records editable"],
)
def test_not_a_duplicate_needs_the_right_to_change_both_records(
    tenant, client_of, owner, default: str, expected: int
) -> None:
    from governance.models import SharingDefault

    rep_client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        SharingDefault.objects.create(model_label="accounts.account", access=default)
        AccountFactory(owner=rep.user, website="https://www.eaux-leman.fr")
        AccountFactory(owner=owner, website="http://eaux-leman.fr/")  # someone else's
        duplicate_scan()
        candidate = DuplicateCandidate.objects.get()

    response = rep_client.post(f"/t/durand/duplicates/{candidate.pk}/dismiss/")

    assert response.status_code == expected
    with tenant_scope(tenant):
        status = DuplicateCandidate.objects.get(pk=candidate.pk).status
    assert status == (DuplicateCandidate.Status.DISMISSED if expected == 302 else OPEN)


def test_crowded_groups_still_find_names_that_start_alike(tenant, owner, monkeypatch) -> None:
    # Groups above EXHAUSTIVE_GROUP compare only names that start alike (a company with 50,000 contacts
    # would otherwise mean 1.25 billion comparisons); 3 here so that small data is "crowded".
    monkeypatch.setattr("accounts.dedup.scan.EXHAUSTIVE_GROUP", 3)
    with tenant_scope(tenant):
        big = AccountFactory(owner=owner)
        people = {
            name: ContactFactory(account=big, owner=owner, first_name=name[0], last_name=name[1], email="")
            for name in [
                ("Jean", "Dupont"),
                ("Jean", "Dupond"),  # same first name start: found
                ("Marie-Hélène", "Lefebvre"),
                ("Marie-Helene", "Lefèbvre"),  # accents: found
                ("Paul", "Girard"),
            ]
        }
        accounts = [
            head_office(AccountFactory(owner=owner, legal_name=name), "69002")
            for name in ("Transports Rhône Alpes", "Transports Rhone-Alpes", "Boulangerie Martin", "Atelier")
        ]
        duplicate_scan()
        contact_pairs, account_pairs = set(pairs("contact")), set(pairs("account"))

    pk = {name: contact.pk for name, contact in people.items()}
    assert contact_pairs == {
        (pk[("Jean", "Dupont")], pk[("Jean", "Dupond")]),
        (pk[("Marie-Hélène", "Lefebvre")], pk[("Marie-Helene", "Lefèbvre")]),
    }
    assert account_pairs == {(accounts[0].pk, accounts[1].pk)}
