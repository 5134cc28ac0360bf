"""Merging duplicates: chosen values, every related row moved, history kept, rights checked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from accounts import services
from accounts.merge import account_merge
from accounts.models import Account, Address, Affiliation, Consent, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance import search
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

HEAD_OFFICE = {
    "line1": "1 quai de Ripaille",
    "postal_code": "74200",
    "city": "Thonon-les-Bains",
    "country": "FR",
}


@pytest.fixture
def pair(tenant, member):
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        survivor = services.account_create(
            tenant=tenant,
            actor=director.user,
            data={"legal_name": "SOCIETE GENERALE DES EAUX DU LEMAN", "customer_revenue": Decimal("100")},
            head_office=HEAD_OFFICE,
        ).record
        merged = services.account_create(
            tenant=tenant,
            actor=director.user,
            data={"legal_name": "Société Générale des Eaux du Léman", "siret": "73282932000074"},
            head_office={**HEAD_OFFICE, "line1": "3 quai de Ripaille"},
            duplicate_reason="test",
        ).record
        anne = services.contact_create(
            tenant=tenant,
            actor=director.user,
            data={"first_name": "Anne", "last_name": "B", "email": "anne.b@leman.fr", "account": merged},
        ).record
        services.consent_record(
            contact=anne, purpose="marketing_email", status="granted", source="Salon", actor=director.user
        )
        Affiliation.objects.create(contact=anne, account=survivor, role="Conseil")
        daughter = services.account_create(
            tenant=tenant, actor=director.user, data={"legal_name": "Filiale", "parent": merged}
        ).record
    return {"director": director, "survivor": survivor, "merged": merged, "anne": anne, "daughter": daughter}


def test_a_merge_keeps_the_chosen_values_and_moves_every_related_row(tenant, pair) -> None:
    with tenant_scope(tenant), translation.override("en"):
        report = account_merge(
            survivor=pair["survivor"],
            merged=pair["merged"],
            choices={"legal_name": "merged", "siret": "merged", "customer_revenue": "survivor"},
            actor=pair["director"].user,
        )
        survivor = Account.objects.get(pk=pair["survivor"].pk)
        contact = Contact.objects.get(pk=pair["anne"].pk)
        addresses = sorted(Address.objects.filter(account=survivor).values_list("kind", "line1"))
        daughter = Account.objects.get(pk=pair["daughter"].pk)
        consents = Consent.objects.filter(contact=contact).count()
        gone = not Account.objects.filter(pk=pair["merged"].pk).exists()
        merged_history = list(
            Account.history.filter(id=pair["merged"].pk)
            .order_by("history_date")
            .values_list("history_type", flat=True)
        )
        survivor_reason = survivor.history.first().history_change_reason
        found = [
            hit.object_id
            for hit in search.search(pair["director"], "societe generale leman", types=["accounts.account"])
        ]

    assert (survivor.legal_name, survivor.siret, survivor.customer_revenue) == (
        "Société Générale des Eaux du Léman",
        "73282932000074",
        Decimal("100.00"),
    )
    assert contact.account_id == survivor.pk
    assert consents == 1
    assert addresses == [("head_office", "1 quai de Ripaille"), ("site", "3 quai de Ripaille")]
    assert daughter.parent_id == survivor.pk
    assert gone
    assert merged_history[-1] == "-"  # the merged account's history stays, up to its deletion
    assert "Merged with" in survivor_reason
    assert report.moved["contacts"] == 1
    assert found[:1] == [survivor.pk]


def test_the_merge_page_needs_the_rights_and_works(tenant, pair, client_of) -> None:
    rep_client, _rep = client_of(tenant, Role.FIELD_SALES_REP)
    client, _director = client_of(tenant, Role.SALES_DIRECTOR)
    url = f"/t/durand/accounts/{pair['survivor'].pk}/merge/?with={pair['merged'].pk}"

    hidden_from_rep = rep_client.get(url)
    page = client.get(url, headers={"accept-language": "en"})
    done = client.post(
        f"/t/durand/accounts/{pair['survivor'].pk}/merge/",
        {"with": pair["merged"].pk, "field_legal_name": "merged", "survivor_version": 1, "merged_version": 1},
    )

    assert hidden_from_rep.status_code == 404  # the rep sees neither account
    assert page.status_code == 200
    assert "Société Générale des Eaux du Léman" in page.text
    assert done.status_code == 302
    with tenant_scope(tenant):
        assert Account.objects.get(pk=pair["survivor"].pk).legal_name == "Société Générale des Eaux du Léman"


def test_the_account_page_offers_to_merge_its_likely_duplicates(tenant, pair, client_of) -> None:
    client, _director = client_of(tenant, Role.SALES_DIRECTOR)

    page = client.get(f"/t/durand/accounts/{pair['survivor'].pk}/", headers={"accept-language": "en"})

    assert "Possible duplicates" in page.text
    assert f"/merge/?with={pair['merged'].pk}" in page.text


def test_a_merge_confirmed_after_either_account_changed_shows_the_form_again(tenant, pair, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    url = f"/t/durand/accounts/{pair['survivor'].pk}/merge/"
    preview = client.get(f"{url}?with={pair['merged'].pk}", headers={"accept-language": "en"})
    # Someone edits the merged account between the preview and the confirmation
    with tenant_scope(tenant):
        services.account_update(account=pair["merged"], actor=director.user, data={"trade_name": "SGEL"})

    stale = client.post(
        url,
        {"with": pair["merged"].pk, "field_legal_name": "merged", "survivor_version": 1, "merged_version": 1},
        headers={"accept-language": "en"},
    )

    assert 'name="merged_version" value="1"' in preview.text
    assert stale.status_code == 200
    assert "changed since you opened this page" in stale.text
    assert 'name="merged_version" value="2"' in stale.text  # the form now carries the current versions
    with tenant_scope(tenant):
        assert Account.objects.filter(pk=pair["merged"].pk).exists()
        assert Account.objects.get(pk=pair["survivor"].pk).legal_name == "SOCIETE GENERALE DES EAUX DU LEMAN"


def test_a_merge_confirmed_without_the_versions_is_not_done(tenant, pair, client_of) -> None:
    client, _director = client_of(tenant, Role.SALES_DIRECTOR)

    response = client.post(
        f"/t/durand/accounts/{pair['survivor'].pk}/merge/",
        {"with": pair["merged"].pk, "survivor_version": "x"},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200
    assert "changed since you opened this page" in response.text
    with tenant_scope(tenant):
        assert Account.objects.filter(pk=pair["merged"].pk).exists()


def test_a_record_merged_away_meanwhile_is_a_404(tenant, pair, client_of, monkeypatch) -> None:
    from accounts import merge_views

    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    preview = merge_views.merge_preview

    def merged_by_someone_else_meanwhile(survivor, merged):
        rows = preview(survivor, merged)
        account_merge(survivor=pair["daughter"], merged=merged, choices={}, actor=director.user)
        return rows

    monkeypatch.setattr(merge_views, "merge_preview", merged_by_someone_else_meanwhile)

    response = client.post(
        f"/t/durand/accounts/{pair['survivor'].pk}/merge/",
        {"with": pair["merged"].pk, "survivor_version": 1, "merged_version": 1},
    )

    assert response.status_code == 404
    with tenant_scope(tenant):
        assert not Account.objects.filter(pk=pair["merged"].pk).exists()
        assert Account.objects.get(pk=pair["survivor"].pk).version == 1


def test_rows_moved_by_a_merge_have_history_rows_with_the_actor_the_reason_and_new_versions(
    tenant, pair
) -> None:
    merged_id = pair["merged"].pk
    with tenant_scope(tenant):
        bob = ContactFactory(account=pair["daughter"], owner=pair["director"].user)
        Affiliation.objects.create(contact=bob, account=pair["survivor"], role="Conseil")
        double = Affiliation.objects.create(contact=bob, account=pair["merged"], role="Achats")
    with tenant_scope(tenant), translation.override("en"):
        director = pair["director"].user
        account_merge(survivor=pair["survivor"], merged=pair["merged"], choices={}, actor=director)
        double_gone = Affiliation.history.filter(id=double.pk).order_by("-history_id").first()
        bob_affiliations = list(Affiliation.objects.filter(contact=bob).values_list("account_id", "role"))
        contact = Contact.objects.get(pk=pair["anne"].pk)
        daughter = Account.objects.get(pk=pair["daughter"].pk)
        latest = {
            "contact": contact.history.order_by("-history_id").first(),
            "daughter": daughter.history.order_by("-history_id").first(),
            "address": Address.history.filter(line1="3 quai de Ripaille").order_by("-history_id").first(),
        }

    assert (contact.version, daughter.version) == (2, 2)
    reason = f"Moved from account #{merged_id}, merged into #{pair['survivor'].pk}"
    for row in latest.values():
        assert (row.history_type, row.history_user_id, row.history_change_reason) == (
            "~",
            pair["director"].user_id,
            reason,
        )
    assert latest["contact"].account_id == pair["survivor"].pk
    assert latest["daughter"].parent_id == pair["survivor"].pk
    assert latest["address"].kind == "site"
    # bob was affiliated with both accounts: the merged account's affiliation goes, in the history too
    assert bob_affiliations == [(pair["survivor"].pk, "Conseil")]
    assert (double_gone.history_type, double_gone.history_user_id, double_gone.history_change_reason) == (
        "-",
        pair["director"].user_id,
        reason,
    )


def test_the_merge_query_count_does_not_grow_with_the_rows_moved(tenant, pair, member) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def merge_count(count: int) -> int:
        with tenant_scope(tenant):
            survivor = services.account_create(
                tenant=tenant, actor=pair["director"].user, data={"legal_name": f"Survivant {count}"}
            ).record
            merged = services.account_create(
                tenant=tenant, actor=pair["director"].user, data={"legal_name": f"Absorbé {count}"}
            ).record
            for n in range(count):
                ContactFactory(account=merged, owner=pair["director"].user, last_name=f"Extra {n}")
                AccountFactory(parent=merged, owner=pair["director"].user, legal_name=f"Fille {count} {n}")
            with CaptureQueriesContext(connection) as queries:
                account_merge(survivor=survivor, merged=merged, choices={}, actor=pair["director"].user)
        return len(queries.captured_queries)

    assert merge_count(2) == merge_count(20)


def test_the_wizard_shows_amounts_and_dates_in_the_users_format(tenant, pair, client_of) -> None:
    client, _director = client_of(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        Account.objects.filter(pk=pair["merged"].pk).update(customer_revenue=Decimal("1234567.5"))
    page = client.get(
        f"/t/durand/accounts/{pair['survivor'].pk}/merge/?with={pair['merged'].pk}",
        headers={"accept-language": "fr"},
    ).text
    assert "1\xa0234\xa0567,50" in page
