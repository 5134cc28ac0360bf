"""Field rules per tenant (required, optional, computed, synchronised): the pages, the API, the import
and the tenant admin all obey them, and one tenant's rules never reach another tenant."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from accounts.forms import AccountForm
from accounts.imports import services as imports
from accounts.imports.models import ImportJob
from accounts.models import Account, Contact
from crm.models import ApiKey
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from governance import field_rules
from governance.models import FieldRule
from tests.accounts.factories import AccountFactory, valid_siret

pytestmark = pytest.mark.django_db

ENGLISH = {"accept-language": "en"}


def set_rule(tenant, model_label: str, field_name: str, rule: str, integration: str = "") -> None:
    with tenant_scope(tenant):
        FieldRule.objects.create(
            tenant=tenant, model_label=model_label, field_name=field_name, rule=rule, integration=integration
        )


def key_for(tenant, membership, integration: str = "") -> str:
    with tenant_scope(tenant):
        return api_key_create(
            tenant=tenant,
            name=integration or "script",
            role=Role.TENANT_ADMIN,
            actor=membership.user,
            integration=integration,
        )[1]


def api(method: str, path: str, key: str, body: dict, language: str = "en"):
    client = Client(headers={"authorization": f"Bearer {key}", "accept-language": language})
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.fixture
def admin(tenant, member):
    return member(tenant, Role.TENANT_ADMIN)


def account_of(tenant, membership, **extra) -> Account:
    with tenant_scope(tenant):
        return AccountFactory(owner=membership.user, **extra)


def contact_form_data(account, membership, **extra) -> dict[str, object]:
    return {
        "first_name": "Anne",
        "last_name": "Durand",
        "account": account.pk,
        "owner": membership.user_id,
        "language": "fr",
        "relationship_status": Contact.RelationshipStatus.COLD_LEAD,
        **extra,
    }


# Pages ---------------------------------------------------------------------------------------------


def test_the_work_email_is_required_by_default_and_a_tenant_may_make_it_optional(
    tenant, other_tenant, client_of
) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    other_client, other_rep = client_of(other_tenant, Role.FIELD_SALES_REP)
    account = account_of(tenant, rep)
    other_account = account_of(other_tenant, other_rep)
    set_rule(other_tenant, "accounts.contact", "email", FieldRule.Rule.OPTIONAL)

    page = client.get("/t/durand/accounts/contacts/new/", headers=ENGLISH)
    refused = client.post(
        "/t/durand/accounts/contacts/new/", contact_form_data(account, rep), headers=ENGLISH
    )
    accepted = other_client.post(
        "/t/martin/accounts/contacts/new/", contact_form_data(other_account, other_rep)
    )

    assert page.context["form"].fields["email"].required is True
    assert 'type="email" name="email"' in page.text
    assert "required" in page.text.split('name="email"')[1][:200]
    assert refused.status_code == 200
    with translation.override("en"):
        assert refused.context["form"].errors["email"] == ["This field is required."]
    assert accepted.status_code == 302
    with tenant_scope(tenant):
        assert not Contact.objects.exists()
    with tenant_scope(other_tenant):
        assert Contact.objects.get().email == ""


def test_a_synchronised_field_is_shown_read_only_with_its_source_and_a_posted_value_is_never_written(
    tenant, other_tenant, client_of
) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    other_client, other_director = client_of(other_tenant, Role.SALES_DIRECTOR)
    account = account_of(tenant, director, customer_revenue=Decimal("1000.00"))
    other_account = account_of(other_tenant, other_director, customer_revenue=Decimal("1000.00"))
    set_rule(tenant, "accounts.account", "customer_revenue", FieldRule.Rule.SYNCHRONISED, "erp")
    post = {
        "legal_name": account.legal_name,
        "trade_name": "Durand",
        "account_type": Account.Type.PROSPECT,
        "currency": "EUR",
        "customer_revenue": "999999",
        "version": 1,
    }

    page = client.get(f"/t/durand/accounts/{account.pk}/edit/", headers=ENGLISH)
    saved = client.post(
        f"/t/durand/accounts/{account.pk}/edit/", {**post, "owner": director.user_id}, headers=ENGLISH
    )
    other_saved = other_client.post(
        f"/t/martin/accounts/{other_account.pk}/edit/",
        {**post, "legal_name": other_account.legal_name, "owner": other_director.user_id},
    )

    assert (
        '<input type="number" name="customer_revenue" value="1000.00" step="0.01" inputmode="decimal" '
        'disabled aria-describedby="id_customer_revenue_helptext" id="id_customer_revenue">'
    ) in page.text
    assert '<div class="help" id="id_customer_revenue_helptext">Synchronised from erp.</div>' in page.text
    assert saved.status_code == 302, saved.context["form"].errors
    assert other_saved.status_code == 302
    with tenant_scope(tenant):
        account.refresh_from_db()
    with tenant_scope(other_tenant):
        other_account.refresh_from_db()
    assert (account.trade_name, account.customer_revenue) == ("Durand", Decimal("1000.00"))
    assert other_account.customer_revenue == Decimal("999999.00")  # no rule in that tenant


def test_a_synchronised_field_keeps_its_default_when_an_account_is_created_on_the_page(
    tenant, client_of
) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    set_rule(tenant, "accounts.account", "account_type", FieldRule.Rule.SYNCHRONISED, "erp")

    response = client.post(
        "/t/durand/accounts/new/",
        {
            "legal_name": "Durand SA",
            "account_type": Account.Type.CUSTOMER,
            "owner": rep.user_id,
            "currency": "EUR",
        },
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        assert Account.objects.get().account_type == Account.Type.PROSPECT


class InlineRevenueForm(AccountForm):
    """A form built on AccountForm that rebuilds a field in its own __init__ (as inline editing may)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_revenue"] = forms.DecimalField(required=True)


def test_a_form_built_on_the_account_form_obeys_the_rules_too(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    account = account_of(tenant, director, customer_revenue=Decimal("1000.00"))
    set_rule(tenant, "accounts.account", "customer_revenue", FieldRule.Rule.SYNCHRONISED, "erp")
    set_rule(tenant, "accounts.account", "trade_name", FieldRule.Rule.REQUIRED)

    with tenant_scope(tenant, membership=director), translation.override("en"):
        form = InlineRevenueForm(
            {"customer_revenue": "5", "legal_name": "X", "version": 1},
            instance=account,
            membership=director,
        )
        form.is_valid()
        errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}

    assert form.fields["customer_revenue"].disabled is True
    assert form.fields["customer_revenue"].help_text == "Synchronised from erp."
    assert form.cleaned_data["customer_revenue"] == Decimal("1000.00")  # the record's, not the posted one
    assert form.fields["trade_name"].required is True
    assert errors["trade_name"] == ["This field is required."]


# API -----------------------------------------------------------------------------------------------


def test_creating_a_contact_without_a_required_email_is_a_400_naming_the_field(tenant, admin) -> None:
    key = key_for(tenant, admin)
    account = account_of(tenant, admin)

    response = api(
        "post",
        "/api/v1/contacts/",
        key,
        {"first_name": "Anne", "last_name": "Durand", "account": account.pk},
        language="fr",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"email": ["Ce champ est obligatoire."]}
    with tenant_scope(tenant):
        assert not Contact.objects.exists()


def test_only_the_keys_of_the_integration_may_write_a_synchronised_field(
    tenant, other_tenant, admin, member
) -> None:
    account = account_of(tenant, admin, customer_revenue=Decimal("1000.00"))
    set_rule(tenant, "accounts.account", "customer_revenue", FieldRule.Rule.SYNCHRONISED, "erp")
    erp, marketing = key_for(tenant, admin, "erp"), key_for(tenant, admin, "marketing")
    other_admin = member(other_tenant, Role.TENANT_ADMIN)
    other_account = account_of(other_tenant, other_admin)
    other_marketing = key_for(other_tenant, other_admin, "marketing")

    path = f"/api/v1/accounts/{account.pk}/"
    refused = api("patch", path, marketing, {"customer_revenue": "5.00", "version": 1})
    unchanged = api(
        "patch", path, marketing, {"customer_revenue": "1000.00", "trade_name": "D", "version": 1}
    )
    written = api("patch", path, erp, {"customer_revenue": "2500.00", "version": 2})
    elsewhere = api(
        "patch",
        f"/api/v1/accounts/{other_account.pk}/",
        other_marketing,
        {"customer_revenue": "7", "version": other_account.version},
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "customer_revenue": ["This field is synchronised from erp: only that integration may change it."]
    }
    assert unchanged.status_code == 200  # sending back the current value is no change
    assert written.status_code == 200
    assert written.json()["customer_revenue"] == "2500.00"
    assert elsewhere.status_code == 200
    with tenant_scope(tenant):
        assert Account.objects.get(pk=account.pk).history.count() == 3  # created, trade name, revenue


def test_a_synchronised_contact_email_is_refused_on_creation_except_from_its_integration(
    tenant, admin
) -> None:
    account = account_of(tenant, admin)
    set_rule(tenant, "accounts.contact", "email", FieldRule.Rule.SYNCHRONISED, "marketing")
    body = {"first_name": "Anne", "last_name": "Durand", "account": account.pk, "email": "anne@durand.fr"}

    refused = api("post", "/api/v1/contacts/", key_for(tenant, admin, "erp"), body)
    created = api("post", "/api/v1/contacts/", key_for(tenant, admin, "marketing"), body)

    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["email"]
    assert created.status_code == 201, created.json()
    with tenant_scope(tenant):
        assert list(Contact.objects.values_list("email", flat=True)) == ["anne@durand.fr"]


def test_writing_a_computed_field_is_a_400_naming_the_field(tenant, admin) -> None:
    key = key_for(tenant, admin, "erp")

    response = api(
        "post", "/api/v1/accounts/", key, {"legal_name": "Durand SA", "relationship_status": "customer"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "relationship_status": ["This field is computed: it cannot be changed."]
    }
    with tenant_scope(tenant):
        assert not Account.objects.exists()


# Import --------------------------------------------------------------------------------------------


def create_job(tenant, membership, content: bytes) -> ImportJob:
    with tenant_scope(tenant), translation.override("en"):
        return imports.import_create(
            tenant=tenant, actor=membership.user, filename="accounts.csv", content=content, kind="accounts"
        )


FILE = b"Raison sociale;Nom commercial;CA client\r\nAlpha SA;Alpha;100\r\nBeta SA;;200\r\n"


def test_an_import_needs_a_column_for_every_required_field_in_that_tenant_only(
    tenant, other_tenant, admin, member
) -> None:
    set_rule(tenant, "accounts.account", "trade_name", FieldRule.Rule.REQUIRED)
    job = create_job(tenant, admin, FILE)
    other_job = create_job(other_tenant, member(other_tenant, Role.TENANT_ADMIN), FILE)

    with tenant_scope(tenant), translation.override("en"), pytest.raises(ValidationError) as refused:
        imports.import_set_mapping(job=job, mapping={"0": "legal_name"}, mode=ImportJob.Mode.CREATE)
    with tenant_scope(other_tenant):
        imports.import_set_mapping(job=other_job, mapping={"0": "legal_name"}, mode=ImportJob.Mode.CREATE)

    assert refused.value.messages == ["Map a column to every required field: Trade name."]


def test_an_empty_required_value_rejects_the_row_with_its_reason_in_the_rejects_file(tenant, admin) -> None:
    set_rule(tenant, "accounts.account", "trade_name", FieldRule.Rule.REQUIRED)
    job = create_job(tenant, admin, FILE)
    with tenant_scope(tenant), translation.override("en"):
        imports.import_set_mapping(
            job=job, mapping={"0": "legal_name", "1": "trade_name"}, mode=ImportJob.Mode.CREATE
        )
        report = imports.import_dry_run(job=job)

    with translation.override("en"):
        job = imports.import_run(job=job)
    client = Client()
    client.force_login(admin.user)
    rejects = client.get(f"/t/durand/imports/{job.pk}/rejects.csv", headers=ENGLISH)

    assert (report.valid, report.error_count) == (1, 1)
    assert report.errors[0]["reason"] == "Trade name: This field is required."
    assert (job.created_count, job.rejected_count) == (1, 1)
    rows = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Beta SA", "", "200", "3", "Trade name: This field is required."]
    with tenant_scope(tenant):
        assert list(Account.objects.values_list("legal_name", flat=True)) == ["Alpha SA"]


def test_a_synchronised_field_cannot_be_mapped(tenant, admin) -> None:
    set_rule(tenant, "accounts.account", "customer_revenue", FieldRule.Rule.SYNCHRONISED, "erp")
    job = create_job(tenant, admin, FILE)

    with tenant_scope(tenant), translation.override("en"), pytest.raises(ValidationError) as refused:
        imports.import_set_mapping(
            job=job, mapping={"0": "legal_name", "2": "customer_revenue"}, mode=ImportJob.Mode.CREATE
        )

    assert refused.value.messages == [
        "These fields are computed or synchronised from another system and cannot be imported: "
        "Customer revenue."
    ]
    with tenant_scope(tenant):
        job.refresh_from_db()
    assert job.mapping != {"0": "legal_name", "2": "customer_revenue"}


def test_a_synchronised_siret_still_finds_the_accounts_an_import_updates(tenant, admin) -> None:
    set_rule(tenant, "accounts.account", "siret", FieldRule.Rule.SYNCHRONISED, "erp")
    siret = valid_siret(1)
    known = account_of(tenant, admin, legal_name="Alpha SA", siret=siret)
    content = (
        f"Raison sociale;SIRET;Nom commercial\r\nAlpha SA;{siret};Alpha\r\nBeta SA;{valid_siret(2)};Beta\r\n"
    )
    job = create_job(tenant, admin, content.encode())
    everything = {"0": "legal_name", "1": "siret", "2": "trade_name"}

    with tenant_scope(tenant), translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            imports.import_set_mapping(job=job, mapping=everything, mode=ImportJob.Mode.CREATE)
        imports.import_set_mapping(
            job=job, mapping={"1": "siret", "2": "trade_name"}, mode=ImportJob.Mode.UPDATE
        )
        imports.import_dry_run(job=job)
    job = imports.import_run(job=job)

    assert refused.value.messages[0].startswith("These fields are computed or synchronised")
    assert (job.updated_count, job.skipped_count, job.rejected_count) == (1, 1, 0)
    with tenant_scope(tenant):
        known.refresh_from_db()
    assert (known.trade_name, known.siret) == ("Alpha", siret)


# Admin ---------------------------------------------------------------------------------------------


def admin_post(client: Client, data: dict[str, str], language: str = "en"):
    return client.post(
        "/t/durand/admin/governance/fieldrule/add/", data, headers={"accept-language": language}
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"field": "accounts.account.legal_name", "rule": "optional"},
            "rule",
            "“Account · legal name” cannot be optional. Allowed: required.",
        ),
        (
            {"field": "accounts.account.relationship_status", "rule": "required"},
            "rule",
            "“Account · relationship status” cannot be required. Allowed: computed (read-only).",
        ),
        (
            {"field": "accounts.contact.email", "rule": "synchronised"},
            "integration",
            "Choose the integration this field is synchronised from.",
        ),
    ],
)
def test_the_admin_refuses_a_rule_the_field_does_not_allow(tenant, client_of, data, field, message) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)

    response = admin_post(client, {**data, "integration": ""})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    with tenant_scope(tenant):
        assert not FieldRule.objects.exists()


def test_the_admin_explains_a_refusal_in_french(tenant, client_of) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)

    response = admin_post(client, {"field": "accounts.contact.first_name", "rule": "optional"}, language="fr")

    assert response.context["adminform"].form.errors["rule"] == [
        "«\u00a0Contact · prénom\u00a0» ne peut pas être facultatif. Autorisé\u00a0: obligatoire."
    ]


def test_a_tenant_admin_configures_a_rule_with_its_history_and_its_integration(
    tenant, other_tenant, client_of
) -> None:
    client, admin = client_of(tenant, Role.TENANT_ADMIN)
    key_for(tenant, admin, "erp")
    page = client.get("/t/durand/admin/governance/fieldrule/add/", headers=ENGLISH)

    created = admin_post(
        client, {"field": "accounts.contact.email", "rule": "synchronised", "integration": "erp"}
    )
    duplicate = admin_post(client, {"field": "accounts.contact.email", "rule": "optional", "integration": ""})

    assert (
        '<option value="accounts.contact.email">Contact · work email (by default: required)</option>'
        in page.text
    )
    assert '<option value="erp">erp</option>' in page.text
    assert created.status_code == 302
    assert duplicate.status_code == 200
    assert duplicate.context["adminform"].form.errors["field"] == [
        "This field already has a rule: change that one."
    ]
    with tenant_scope(tenant):
        rule = FieldRule.objects.get()
        assert (rule.model_label, rule.field_name, rule.rule, rule.integration) == (
            "accounts.contact",
            "email",
            "synchronised",
            "erp",
        )
        assert rule.history.get().history_user == admin.user
    with tenant_scope(other_tenant):
        assert not FieldRule.objects.exists()


def test_a_tenant_admin_names_the_integration_of_a_new_api_key(tenant, client_of) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)

    response = client.post(
        "/t/durand/admin/crm/apikey/add/",
        {"name": "Connecteur ERP", "role": Role.SALES_DIRECTOR, "integration": "erp"},
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        assert list(ApiKey.objects.values_list("name", "integration")) == [("Connecteur ERP", "erp")]


def test_the_rules_of_a_record_type_are_read_in_one_query(tenant, django_assert_num_queries) -> None:
    set_rule(tenant, "accounts.contact", "phone", FieldRule.Rule.REQUIRED)

    with tenant_scope(tenant), django_assert_num_queries(1):
        rules = field_rules.rules(Contact)

    assert (rules["email"].rule, rules["phone"].rule, rules["mobile"].rule) == (
        "required",
        "required",
        "optional",
    )
