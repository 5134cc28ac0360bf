"""Opportunity and catalogue factories. The tenant comes from the parent (account, pipeline, product)
or the active scope, so a test cannot build cross-tenant data by accident."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from crm.tenancy import current_tenant
from opportunities.models import Opportunity, Pipeline, Price, PriceList, Product, Stage
from tests.accounts.factories import AccountFactory


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline

    tenant = factory.LazyFunction(current_tenant)
    name = factory.Sequence(lambda n: f"Pipeline {n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    pipeline = factory.SubFactory(PipelineFactory)
    tenant = factory.SelfAttribute("pipeline.tenant")
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)
    probability = 20


class OpportunityFactory(factory.django.DjangoModelFactory):
    """An opportunity in the first stage of the tenant's default pipeline (created when missing)."""

    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    owner = factory.SelfAttribute("account.owner")
    name = factory.Sequence(lambda n: f"Affaire {n:04d}")
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    pipeline = factory.LazyAttribute(lambda o: _default_pipeline(o.tenant))
    stage = factory.LazyAttribute(lambda o: o.pipeline.stages.order_by("position").first())
    probability = factory.LazyAttribute(lambda o: o.stage.probability)


def _default_pipeline(tenant: object) -> Pipeline:
    from opportunities.services import pipeline_defaults_ensure

    return pipeline_defaults_ensure(tenant=tenant)  # type: ignore[arg-type]


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    tenant = factory.LazyFunction(current_tenant)
    code = factory.Sequence(lambda n: f"PRD-{n:04d}")
    name = factory.Sequence(lambda n: f"Produit {n}")


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList

    tenant = factory.LazyFunction(current_tenant)
    name = factory.Sequence(lambda n: f"Tarif {n}")
    currency = "EUR"


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    price_list = factory.SubFactory(PriceListFactory)
    tenant = factory.SelfAttribute("price_list.tenant")
    product = factory.SubFactory(ProductFactory)
    unit_price = 100


class CompanyProfileFactory(factory.django.DjangoModelFactory):
    """The seller on the tenant's quotes, with every mention a French quote carries."""

    class Meta:
        model = "opportunities.CompanyProfile"
        django_get_or_create = ("tenant",)

    tenant = factory.LazyFunction(current_tenant)
    legal_name = "Durand Industries"
    legal_form = "SAS"
    share_capital = 150000
    address_line1 = "12 rue de la Paix"
    postal_code = "75002"
    city = "Paris"
    siret = "73282932000074"
    vat_number = "FR44732829320"
    rcs_city = "Paris"
    default_payment_terms = "30 jours fin de mois"
    default_validity_days = 30


def make_quote(*, opportunity: Opportunity | None = None, author: object = None, **kwargs: object) -> object:
    """A draft quote of `opportunity` (a new one by default) by `author` (its owner by default),
    through the service, so it gets a real number."""
    from opportunities.services.quotes import quote_create

    opportunity = opportunity or OpportunityFactory()
    return quote_create(opportunity=opportunity, actor=author or opportunity.owner, **kwargs)  # type: ignore[arg-type]
