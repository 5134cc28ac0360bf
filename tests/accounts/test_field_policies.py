"""Field policies: sensitive fields readable or changeable only by allowed roles, in pages and API alike;
a tenant may change the allow-list; every read of a sensitive field is logged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from accounts import services
from accounts.models import Account
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from governance.models import FieldPolicy, SensitiveFieldRead

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(tenant, member) -> Account:
    owner = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        data = {
            "legal_name": "Durand SA",
            "customer_revenue": Decimal("1250000"),
            "estimated_potential": Decimal("987654"),
        }
        return services.account_create(tenant=tenant, actor=owner.user, data=data).record


def test_finance_sees_revenue_but_not_potential_and_the_read_is_logged(tenant, account, client_of) -> None:
    client, finance = client_of(tenant, Role.FINANCE)

    page = client.get(f"/t/durand/accounts/{account.pk}/", headers={"accept-language": "en"})

    assert page.status_code == 200
    assert "1,250,000.00" in page.text
    assert "987,654" not in page.text
    assert "Estimated potential" not in page.text
    with tenant_scope(tenant):
        reads = set(SensitiveFieldRead.objects.values_list("user_id", "object_id", "field_name"))
    assert reads == {(finance.user_id, account.pk, "customer_revenue")}


def test_a_director_sees_both_and_both_reads_are_logged(tenant, account, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)

    page = client.get(f"/t/durand/accounts/{account.pk}/", headers={"accept-language": "en"})

    assert "987,654.00" in page.text
    with tenant_scope(tenant):
        fields = set(
            SensitiveFieldRead.objects.filter(user=director.user).values_list("field_name", flat=True)
        )
    assert fields == {"customer_revenue", "estimated_potential"}


def test_the_group_tab_and_the_history_hide_the_potential_from_finance(tenant, account, client_of) -> None:
    client, _finance = client_of(tenant, Role.FINANCE)
    with tenant_scope(tenant):
        services.account_update(account=account, actor=None, data={"estimated_potential": Decimal("111222")})

    group = client.get(f"/t/durand/accounts/{account.pk}/?tab=group", headers={"accept-language": "en"})
    history = client.get(f"/t/durand/accounts/{account.pk}/?tab=history", headers={"accept-language": "en"})

    assert "987,654" not in group.text
    assert "111,222" not in history.text
    assert "987,654" not in history.text


def test_a_tenant_can_open_the_potential_to_finance(tenant, account, client_of) -> None:
    client, _finance = client_of(tenant, Role.FINANCE)
    with tenant_scope(tenant):
        FieldPolicy.objects.create(
            model_label="accounts.account",
            field_name="estimated_potential",
            read_roles=[Role.FINANCE, Role.SALES_DIRECTOR],
            edit_roles=[Role.SALES_DIRECTOR],
        )

    page = client.get(f"/t/durand/accounts/{account.pk}/", headers={"accept-language": "en"})

    assert "987,654.00" in page.text


def test_the_api_leaves_out_fields_the_keys_role_may_not_read(tenant, account) -> None:
    with tenant_scope(tenant):
        secret = api_key_create(tenant=tenant, name="Compta", role=Role.FINANCE, actor=None)[1]

    body = (
        Client().get(f"/api/v1/accounts/{account.pk}/", headers={"authorization": f"Bearer {secret}"}).json()
    )

    assert body["customer_revenue"] == "1250000.00"
    assert "estimated_potential" not in body


def test_a_role_that_may_not_change_a_field_is_refused_by_the_service(tenant, account) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with tenant_scope(tenant), translation.override("en"), pytest.raises(ValidationError) as raised:
        services.account_update(
            account=account, actor=None, data={"estimated_potential": Decimal("1")}, role=Role.SUPPORT_AGENT
        )

    assert raised.value.message_dict == {"estimated_potential": ["Your role may not change this field."]}
    with tenant_scope(tenant):
        account.refresh_from_db()
    assert account.estimated_potential == Decimal("987654.00")


# A contact's mobile: a personal field ------------------------------------------------------------


@pytest.fixture
def reachable(tenant, member):
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = services.account_create(
            tenant=tenant, actor=rep.user, data={"legal_name": "Martin SARL"}
        ).record
        contact = services.contact_create(
            tenant=tenant,
            actor=rep.user,
            data={
                "first_name": "Léa",
                "last_name": "Martin",
                "email": "lea.martin@martin.fr",
                "account": account,
                "mobile": "06 12 34 56 78",
            },
        ).record
    return rep, contact


def test_finance_does_not_see_a_contacts_mobile_anywhere(tenant, reachable, client_of) -> None:
    _rep, contact = reachable
    client, finance = client_of(tenant, Role.FINANCE)
    english = {"accept-language": "en"}

    detail = client.get(f"/t/durand/accounts/contacts/{contact.pk}/", headers=english).text
    listing = client.get("/t/durand/accounts/contacts/", headers=english).text
    tab = client.get(f"/t/durand/accounts/{contact.account_id}/?tab=contacts", headers=english).text

    for text in (detail, listing, tab):
        assert "06 12 34 56 78" not in text
        assert "+33612345678" not in text
    with tenant_scope(tenant):
        assert not SensitiveFieldRead.objects.filter(user=finance.user, field_name="mobile").exists()


def test_a_rep_sees_the_mobile_and_the_read_is_logged(tenant, reachable) -> None:
    rep, contact = reachable
    client = Client()
    client.force_login(rep.user)

    listing = client.get("/t/durand/accounts/contacts/").text

    assert "06 12 34 56 78" in listing  # no direct line: the list shows the mobile
    with tenant_scope(tenant):
        assert (
            SensitiveFieldRead.objects.filter(
                user=rep.user, object_id=contact.pk, field_name="mobile"
            ).count()
            == 1
        )


def test_a_tenant_may_keep_the_mobile_from_reps_in_the_form_and_the_services(tenant, reachable) -> None:
    rep, contact = reachable
    with tenant_scope(tenant):
        FieldPolicy.objects.create(
            model_label="accounts.contact",
            field_name="mobile",
            read_roles=[Role.SALES_MANAGER],
            edit_roles=[Role.SALES_MANAGER],
        )
    client = Client()
    client.force_login(rep.user)

    form = client.get(f"/t/durand/accounts/contacts/{contact.pk}/edit/").text
    assert 'name="mobile"' not in form
    with tenant_scope(tenant), pytest.raises(services.ValidationError) as refused:
        services.contact_update(contact=contact, actor=rep.user, data={"mobile": "0700000000"}, role=rep.role)
    assert "mobile" in refused.value.message_dict


def test_searching_a_mobile_finds_the_contact_only_for_roles_that_read_mobiles(
    tenant, reachable, client_of
) -> None:
    rep, contact = reachable
    finance_client, _finance = client_of(tenant, Role.FINANCE)
    rep_client = Client()
    rep_client.force_login(rep.user)

    def found(client: Client, query: str) -> bool:
        response = client.get("/t/durand/search/", {"q": query})
        return any(
            result.record.pk == contact.pk for group in response.context["groups"] for result in group.results
        )

    assert found(rep_client, "06 12 34 56 78")
    assert not found(finance_client, "06 12 34 56 78")
    assert not found(finance_client, "+33612345678")
    assert found(finance_client, "Léa Martin")  # the name is no secret
