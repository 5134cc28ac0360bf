"""Quotes through their services: totals to the cent, numbering, lines, discount approval, status
transitions, versions and the accepted quote's effect on its opportunity."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.tenancy import tenant_scope
from opportunities.models import Quote, QuoteSequence
from opportunities.services import quotes as services
from opportunities.services.pipeline import MissingRequiredFields
from tests.opportunities.factories import (
    OpportunityFactory,
    PriceFactory,
    PriceListFactory,
    ProductFactory,
    make_quote,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(tenant: Tenant, member: Callable[..., Membership]) -> Membership:
    return member(tenant, Role.FIELD_SALES_REP)


def _opportunity(owner: Any) -> Any:
    return OpportunityFactory(owner=owner, account__owner=owner)


def test_totals_are_exact_to_the_cent_with_mixed_vat_rates_and_both_discount_kinds(
    tenant: Tenant, rep: Membership
) -> None:
    with tenant_scope(tenant):
        # Given a quote with four lines at 20, 10, 5.5 and 2.1 % VAT, a 10 % and a 5.00 € line discount
        quote = make_quote(opportunity=_opportunity(rep.user), author=rep.user)
        add = services.quote_line_add
        add(
            quote=quote,
            actor=rep.user,
            description="Licence",
            quantity=Decimal("12"),
            unit_price=Decimal("49.90"),
            vat_rate="20.00",
            discount_kind="percent",
            discount_value=Decimal("10"),
        )
        add(
            quote=quote,
            actor=rep.user,
            description="Livres",
            quantity=Decimal("3"),
            unit_price=Decimal("19.99"),
            vat_rate="5.50",
            discount_kind="amount",
            discount_value=Decimal("5"),
        )
        add(
            quote=quote,
            actor=rep.user,
            description="Prestation",
            quantity=Decimal("2.5"),
            unit_price=Decimal("850"),
            vat_rate="10.00",
        )
        add(quote=quote, actor=rep.user, description="Presse", quantity=Decimal("1"),
            unit_price=Decimal("33.33"), vat_rate="2.10")  # fmt: skip

        # When a 5 % global discount is set
        quote = services.quote_update(
            quote=quote, actor=rep.user, global_discount_kind="percent", global_discount_value=Decimal("5")
        )

        # Then lines 538.92 + 54.97 + 2 125.00 + 33.33 = 2 752.22, minus 137.61, shared between the
        # rates (26.95, 106.25, 2.75 and the remainder 1.66); VAT 102.39 + 201.88 + 2.87 + 0.67
        totals = services.quote_compute(quote)
        assert [line.total_excl_tax for line in quote.lines.all()] == [
            Decimal("538.92"), Decimal("54.97"), Decimal("2125.00"), Decimal("33.33")
        ]  # fmt: skip
        assert totals.lines_total == Decimal("2752.22")
        assert totals.global_discount == Decimal("137.61")
        assert [(row.rate, row.base, row.tax) for row in totals.vat] == [
            ("20.00", Decimal("511.97"), Decimal("102.39")),
            ("10.00", Decimal("2018.75"), Decimal("201.88")),
            ("5.50", Decimal("52.22"), Decimal("2.87")),
            ("2.10", Decimal("31.67"), Decimal("0.67")),
        ]
        stored = Quote.objects.get(pk=quote.pk)
        assert (stored.total_excl_tax, stored.total_tax, stored.total_incl_tax) == (
            Decimal("2614.61"), Decimal("307.81"), Decimal("2922.42")
        )  # fmt: skip
        assert stored.max_discount_percent == Decimal("10.00")
        assert stored.approval == Quote.Approval.NOT_NEEDED


def test_numbers_follow_each_other_per_tenant_and_year(
    tenant: Tenant, other_tenant: Tenant, rep: Membership
) -> None:
    year = timezone.localdate().year
    with tenant_scope(tenant):
        first = make_quote(opportunity=_opportunity(rep.user))
        second = make_quote(opportunity=_opportunity(rep.user))
    with tenant_scope(other_tenant):
        theirs = make_quote()

    assert (first.number, second.number) == (f"DEV-{year}-00001", f"DEV-{year}-00002")
    assert theirs.number == f"DEV-{year}-00001"


def test_a_rolled_back_creation_gives_its_number_back(tenant: Tenant, rep: Membership) -> None:
    year = timezone.localdate().year
    with tenant_scope(tenant):
        opportunity = _opportunity(rep.user)

        def fail_after_insert() -> None:
            with transaction.atomic():
                make_quote(opportunity=opportunity)
                raise RuntimeError("the request failed after the quote was inserted")

        with pytest.raises(RuntimeError):
            fail_after_insert()

        quote = make_quote(opportunity=opportunity)

        assert quote.number == f"DEV-{year}-00001"
        assert QuoteSequence.objects.get(year=year).last_value == 1


def test_a_catalogue_line_takes_the_price_list_price_and_the_products_description_and_vat(
    tenant: Tenant, rep: Membership
) -> None:
    with tenant_scope(tenant):
        product = ProductFactory(name="Formation 1 jour", unit="day", default_vat_rate="10.00")
        price = PriceFactory(product=product, unit_price=Decimal("1200.00"))
        quote = make_quote(opportunity=_opportunity(rep.user), price_list=price.price_list)

        line = services.quote_line_add(quote=quote, actor=rep.user, product=product, quantity=Decimal("2"))

        assert (line.description, line.unit, line.vat_rate, line.unit_price, line.total_excl_tax) == (
            "Formation 1 jour", "day", "10.00", Decimal("1200.00"), Decimal("2400.00")
        )  # fmt: skip
        assert Quote.objects.get(pk=quote.pk).total_incl_tax == Decimal("2640.00")
        assert line.history.first().history_user == rep.user


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"quantity": Decimal("-1")}, "quantity", "The quantity must be greater than zero."),
        ({"quantity": Decimal("0")}, "quantity", "The quantity must be greater than zero."),
        ({"unit_price": Decimal("-0.01")}, "unit_price", "The unit price cannot be negative."),
        ({"discount_value": Decimal("101")}, "discount_value", "A discount cannot exceed 100 %."),
    ],
)
def test_bad_lines_are_refused_with_their_message_and_nothing_is_stored(
    tenant: Tenant, rep: Membership, values: dict[str, Decimal], field: str, message: str
) -> None:
    with tenant_scope(tenant), transaction.atomic():
        quote = make_quote(opportunity=_opportunity(rep.user), language="en")
        arguments: dict[str, Any] = {
            "description": "Audit",
            "quantity": Decimal("1"),
            "unit_price": Decimal("10"),
        }
        arguments.update(values)

        with pytest.raises(ValidationError) as refused, transaction.atomic(), override("en"):
            services.quote_line_add(quote=quote, actor=rep.user, **arguments)

        assert refused.value.message_dict == {field: [message]}
        assert quote.lines.count() == 0
        assert Quote.objects.get(pk=quote.pk).total_excl_tax == Decimal("0")


def test_a_price_list_in_another_currency_is_refused_with_a_message(tenant: Tenant, rep: Membership) -> None:
    with tenant_scope(tenant):
        dollars = PriceListFactory(name="US list", currency="USD")
        opportunity = _opportunity(rep.user)

        with pytest.raises(ValidationError) as refused:
            make_quote(opportunity=opportunity, price_list=dollars)

        assert refused.value.message_dict == {
            "price_list": [
                "La grille tarifaire « US list » est en USD et le devis en EUR : "
                "choisissez une grille tarifaire en EUR."
            ]
        }
        assert Quote.objects.count() == 0


def _discounted_quote(author: Any, percent: str) -> Any:
    quote = make_quote(opportunity=_opportunity(author), author=author)
    services.quote_line_add(quote=quote, actor=author, description="Licence", quantity=Decimal("1"),
                            unit_price=Decimal("1000"), discount_value=Decimal(percent))  # fmt: skip
    return Quote.objects.get(pk=quote.pk)


def test_a_discount_over_the_authors_limit_cannot_be_sent_until_a_manager_approves(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    other_rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        # Given a rep (limit 10 %) granting 15 %
        quote = _discounted_quote(rep.user, "15")
        assert (quote.approval, quote.max_discount_percent) == (Quote.Approval.PENDING, Decimal("15.00"))

        # When the rep sends it: refused, nothing changed
        with pytest.raises(ValidationError) as refused:
            services.quote_send(quote=quote, actor=rep.user)
        assert refused.value.messages == [
            "Une remise de 15,00 % dépasse votre limite : un manager doit l'approuver avant l'envoi du devis."
        ]
        unchanged = Quote.objects.get(pk=quote.pk)
        assert (unchanged.status, unchanged.version_lock, unchanged.sent_at) == (
            Quote.Status.DRAFT, quote.version_lock, None
        )  # fmt: skip

        # Another rep, and the author, cannot approve
        for outsider in (other_rep.user, rep.user):
            with pytest.raises(ValidationError):
                services.quote_approve(quote=quote, actor=outsider)
        assert Quote.objects.get(pk=quote.pk).approval == Quote.Approval.PENDING

        # The rep's manager (limit 25 %) approves, recorded; then it can be sent
        approved = services.quote_approve(quote=quote, actor=manager.user, note="Client stratégique")
        assert (approved.approval, approved.approved_by, approved.approval_note) == (
            Quote.Approval.APPROVED, manager.user, "Client stratégique"
        )  # fmt: skip
        assert approved.approved_at is not None
        sent = services.quote_send(quote=quote, actor=rep.user)
        assert sent.status == Quote.Status.SENT


def test_a_discount_above_the_managers_own_limit_needs_the_director(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    director = member(tenant, Role.SALES_DIRECTOR)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    with tenant_scope(tenant):
        quote = _discounted_quote(rep.user, "30")

        assert services.quote_can_approve(quote=quote, user=manager.user) is False
        with pytest.raises(ValidationError):
            services.quote_approve(quote=quote, actor=manager.user)
        rejected = services.quote_reject(quote=quote, actor=director.user, note="Trop bas")

        assert (rejected.approval, rejected.approved_by) == (Quote.Approval.REJECTED, director.user)
        with pytest.raises(ValidationError):
            services.quote_send(quote=quote, actor=rep.user)


def test_changing_an_approved_quote_asks_for_a_new_approval(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        quote = _discounted_quote(rep.user, "15")
        services.quote_approve(quote=quote, actor=director.user)
        line = quote.lines.get()

        services.quote_line_update(line=line, actor=rep.user, discount_value=Decimal("20"))

        assert Quote.objects.get(pk=quote.pk).approval == Quote.Approval.PENDING


def _sent_quote(author: Any, **kwargs: Any) -> Any:
    quote = _discounted_quote(author, "0")
    if kwargs:
        quote = services.quote_update(quote=quote, actor=author, **kwargs)
    return services.quote_send(quote=quote, actor=author)


def test_an_accepted_quote_sets_the_opportunity_amount_and_moves_it_to_won(
    tenant: Tenant, rep: Membership
) -> None:
    with tenant_scope(tenant):
        quote = _sent_quote(rep.user)

        accepted = services.quote_accept(quote=quote, actor=rep.user)

        opportunity = accepted.opportunity
        opportunity.refresh_from_db()
        assert accepted.status == Quote.Status.ACCEPTED
        assert opportunity.amount == Decimal("1000.00")
        assert (opportunity.stage.outcome, opportunity.probability) == ("won", 100)
        assert opportunity.stage_changes.order_by("-changed_at").first().changed_by == rep.user


def test_accepting_without_moving_only_updates_the_amount(tenant: Tenant, rep: Membership) -> None:
    with tenant_scope(tenant):
        quote = _sent_quote(rep.user)
        stage_before = quote.opportunity.stage_id

        services.quote_accept(quote=quote, actor=rep.user, move_to_won=False)

        opportunity = quote.opportunity
        opportunity.refresh_from_db()
        assert (opportunity.amount, opportunity.stage_id) == (Decimal("1000.00"), stage_before)


def test_accepting_when_the_won_stage_needs_a_missing_field_is_refused_and_nothing_changes(
    tenant: Tenant, rep: Membership
) -> None:
    with tenant_scope(tenant):
        quote = _sent_quote(rep.user)
        won = quote.opportunity.pipeline.stages.get(outcome="won")
        won.required_fields = ["amount", "expected_signature_date"]
        won.save()

        with pytest.raises(MissingRequiredFields) as refused:
            services.quote_accept(quote=quote, actor=rep.user)

        assert refused.value.fields == ["expected_signature_date"]
        assert Quote.objects.get(pk=quote.pk).status == Quote.Status.SENT
        quote.opportunity.refresh_from_db()
        assert quote.opportunity.amount is None


def test_a_new_version_copies_the_lines_under_the_same_number_and_supersedes_the_old_one(
    tenant: Tenant, rep: Membership
) -> None:
    with tenant_scope(tenant):
        first = _sent_quote(rep.user)

        second = services.quote_new_version(quote=first, actor=rep.user)

        first.refresh_from_db()
        assert (second.number, second.version, second.status) == (first.number, 2, Quote.Status.DRAFT)
        assert first.status == Quote.Status.SUPERSEDED
        assert list(second.lines.values_list("description", "total_excl_tax")) == [
            ("Licence", Decimal("1000.00"))
        ]
        assert second.total_excl_tax == Decimal("1000.00")
        assert str(second) == f"{first.number} v2"
        for action in (services.quote_accept, services.quote_send, services.quote_new_version):
            with pytest.raises(ValidationError):
                action(quote=first, actor=rep.user)


def test_the_expiry_sweep_expires_sent_quotes_past_their_validity_once(
    tenant: Tenant, rep: Membership
) -> None:
    with tenant_scope(tenant):
        quote = _sent_quote(rep.user)
        draft = _discounted_quote(rep.user, "0")
        later = quote.valid_until + datetime.timedelta(days=1)

        assert services.quote_expire_overdue(today=later) == 1
        assert services.quote_expire_overdue(today=later) == 0

        assert Quote.objects.get(pk=quote.pk).status == Quote.Status.EXPIRED
        assert Quote.objects.get(pk=draft.pk).status == Quote.Status.DRAFT
        assert (
            Quote.objects.get(pk=quote.pk).history.first().history_change_reason
            == "Date de validité dépassée"
        )


def test_the_expiry_task_runs_the_sweep_in_the_tenants_scope(tenant: Tenant, rep: Membership) -> None:
    from opportunities.quotes.tasks import quote_expire

    with tenant_scope(tenant):
        quote = _sent_quote(rep.user)
        Quote.objects.filter(pk=quote.pk).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )

    assert quote_expire(tenant_id=tenant.pk) == 1
    assert quote_expire(tenant_id=tenant.pk) == 0
    with tenant_scope(tenant):
        assert Quote.objects.get(pk=quote.pk).status == Quote.Status.EXPIRED


def test_a_quote_is_found_by_its_number_in_the_global_search(tenant: Tenant, rep: Membership) -> None:
    from governance import search

    with tenant_scope(tenant):
        quote = _discounted_quote(rep.user, "0")

        results = search.search(rep, quote.number, types=["opportunities.quote"])

    assert [(result.object_id, result.title) for result in results] == [(quote.pk, quote.number)]


def test_a_quote_takes_the_price_list_that_applies_to_its_account_today(tenant: Tenant, member) -> None:
    from accounts.models import Segment
    from tests.opportunities.factories import PriceListFactory

    rep = member(tenant)
    with tenant_scope(tenant):
        key_accounts = Segment.objects.create(tenant=tenant, name="Grands comptes")
        general = PriceListFactory(name="Tarif général 2026")
        PriceListFactory(name="Tarif expiré", valid_until=timezone.localdate() - datetime.timedelta(days=1))
        PriceListFactory(name="Tarif CHF", currency="CHF")
        own = PriceListFactory(name="Tarif grands comptes", segment=key_accounts)
        plain = OpportunityFactory(account__owner=rep.user, owner=rep.user)
        key = OpportunityFactory(account__owner=rep.user, account__segment=key_accounts, owner=rep.user)

        for_plain = services.quote_create(opportunity=plain, actor=rep.user)
        for_key = services.quote_create(opportunity=key, actor=rep.user)

        assert (for_plain.price_list, for_key.price_list) == (general, own)
