"""Lead services: creation (normalised, placed, assigned), optimistic locking, first contact,
qualification and disqualification."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import TerritoryRule
from accounts.services import StaleVersion
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import Territory
from leads.models import Lead
from leads.services import (
    lead_create,
    lead_disqualify,
    lead_log_first_contact,
    lead_qualification_save,
    lead_qualify,
    lead_update,
)

pytestmark = pytest.mark.django_db


def test_create_normalises_and_places_the_lead_in_its_territory(tenant, member) -> None:
    author = member(tenant, Role.MARKETING_USER)
    with tenant_scope(tenant):
        territory = Territory.objects.create(name="Rhône")
        TerritoryRule.objects.create(territory=territory, country="FR", postal_code_prefix="69")
        lead = lead_create(
            tenant=tenant,
            actor=author.user,
            data={
                "first_name": "marc", "last_name": "DUBOIS", "email": " Marc.Dubois@Exemple.FR ",
                "phone": "06 12 34 56 78", "postal_code": "69007", "siret": "732 829 320 00074",
                "score": "70",
            },
        )  # fmt: skip
        history = lead.history.get()  # type: ignore[attr-defined]
    assert (lead.phone, lead.siret, lead.score, lead.territory_id) == (
        "+33612345678",
        "73282932000074",
        70,
        territory.pk,
    )
    assert lead.email == "marc.dubois@exemple.fr"
    assert (lead.status, lead.version, lead.owner_id) == (Lead.Status.NEW, 1, None)
    assert history.history_user_id == author.user_id


def test_create_refuses_bad_input_with_every_field_error_and_writes_nothing(tenant, member) -> None:
    author = member(tenant)
    with tenant_scope(tenant):
        with pytest.raises(ValidationError) as caught:
            lead_create(
                tenant=tenant,
                actor=author.user,
                data={"last_name": "", "email": "pas-un-email", "siret": "123", "score": 150},
            )
        assert Lead.objects.count() == 0
    assert set(caught.value.message_dict) == {"last_name", "email", "siret", "score"}


def test_update_refuses_a_stale_version_and_changes_nothing(tenant, member) -> None:
    author = member(tenant)
    with tenant_scope(tenant):
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois"})
        lead_update(lead=lead, actor=author.user, data={"city": "Lyon"}, expected_version=1)
        with pytest.raises(StaleVersion):
            lead_update(lead=lead, actor=author.user, data={"city": "Paris"}, expected_version=1)
        lead.refresh_from_db()
    assert (lead.city, lead.version) == ("Lyon", 2)


def test_a_new_owner_by_hand_is_an_assignment(tenant, member) -> None:
    author, owner = member(tenant, Role.SALES_MANAGER), member(tenant)
    with tenant_scope(tenant):
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois"})
        lead = lead_update(lead=lead, actor=author.user, data={"owner": owner.user})
    assert lead.owner_id == owner.user_id
    assert lead.assigned_at is not None


def test_logging_the_first_contact_stops_the_clock_once(tenant, member) -> None:
    author = member(tenant)
    with tenant_scope(tenant):
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois"})
        first = lead_log_first_contact(lead=lead, actor=author.user)
        again = lead_log_first_contact(lead=lead, actor=author.user)
    assert first.first_contacted_at is not None
    assert first.status == Lead.Status.QUALIFYING
    assert again.first_contacted_at == first.first_contacted_at
    assert again.version == first.version == 2


def test_qualification_and_qualify(tenant, member) -> None:
    author = member(tenant)
    with tenant_scope(tenant):
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois"})
        lead = lead_qualification_save(
            lead=lead,
            actor=author.user,
            data={"budget": "20 k€", "authority": "DAF", "need": "Remplacer l'ERP", "timeline": "soon"},
        )
        assert lead.bant_is_complete
        with pytest.raises(ValidationError):
            lead_qualification_save(lead=lead, actor=author.user, data={"timeline": "demain"})
        lead = lead_qualify(lead=lead, actor=author.user)
    assert (lead.status, lead.timeline) == (Lead.Status.QUALIFIED, "soon")


def test_disqualify_needs_a_reason_from_the_list(tenant, member) -> None:
    author = member(tenant)
    with tenant_scope(tenant):
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois"})
        with pytest.raises(ValidationError) as no_reason:
            lead_disqualify(lead=lead, actor=author.user, reason="")
        with pytest.raises(ValidationError) as other_without_note:
            lead_disqualify(lead=lead, actor=author.user, reason="other", note=" ")
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW
        lead = lead_disqualify(lead=lead, actor=author.user, reason="no_budget", note="Pas avant 2028")
    assert "reason" in no_reason.value.message_dict
    assert "note" in other_without_note.value.message_dict
    assert (lead.status, lead.unqualified_reason, lead.unqualified_note) == (
        "unqualified",
        "no_budget",
        "Pas avant 2028",
    )
