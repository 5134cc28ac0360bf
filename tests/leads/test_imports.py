"""Lead imports: the accounts' import job with the lead kind the leads app registers. Rows go through
lead_create's rules in batches (e-mail, phone, SIRET, source, assignment rules, SLA), duplicates of
the file or of an open lead are rejected with their reason, and the pages offer the kind to those
who may add leads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.imports import services
from accounts.imports.models import ImportJob
from accounts.imports.tasks import import_run_task
from crm.roles import Role
from crm.tenancy import tenant_scope
from leads.models import Lead, LeadSource
from tests.factories import TeamFactory, TeamMemberFactory
from tests.leads.factories import AssignmentRuleFactory, LeadFactory, LeadSourceFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
SAMPLE = Path(settings.BASE_DIR) / "docs" / "samples" / "leads-salon.csv"
SUGGESTED = {
    "column_0": "first_name", "column_1": "last_name", "column_2": "email", "column_3": "phone",
    "column_4": "company_name", "column_5": "siret", "column_6": "postal_code", "column_7": "city",
    "column_8": "job_title", "column_9": "source", "column_10": "utm_source", "column_11": "utm_medium",
    "column_12": "utm_campaign",
}  # fmt: skip


@pytest.fixture
def admin(tenant, member):
    return member(tenant, Role.TENANT_ADMIN)


@pytest.fixture
def event(tenant) -> LeadSource:
    with tenant_scope(tenant):
        return LeadSourceFactory(code="event", name="Événement", sla_hours=4)


def upload(client: Client, content: bytes, filename: str = "salon.csv", headers=ENGLISH):
    return client.post(
        "/t/durand/imports/new/", {"kind": "lead", "file": SimpleUploadedFile(filename, content)}, **headers
    )


def the_job(tenant) -> ImportJob:
    with tenant_scope(tenant):
        return ImportJob.objects.get()


def check(client: Client, job: ImportJob, mapping: dict[str, str], headers=ENGLISH):
    return client.post(f"/t/durand/imports/{job.pk}/mapping/", {**mapping, "mode": "create"}, **headers)


def start_and_run(client: Client, job: ImportJob, capture, monkeypatch, headers=ENGLISH) -> ImportJob:
    """Start through the page; the queued task runs as a worker would, then its batches."""
    queued: list[dict[str, int]] = []
    monkeypatch.setattr(import_run_task, "delay", lambda **kwargs: queued.append(kwargs))
    with capture(execute=True):
        response = client.post(f"/t/durand/imports/{job.pk}/start/", **headers)
    assert response.status_code == 302
    assert queued == [{"tenant_id": job.tenant_id, "job_id": job.pk}]
    with capture(execute=True):
        assert import_run_task(**queued[0]) is True
    with tenant_scope(job.tenant):
        job.refresh_from_db()
    return job


def leads_of(tenant) -> dict[str, Lead]:
    with tenant_scope(tenant):
        return {lead.email: lead for lead in Lead.objects.select_related("source")}


def test_the_salon_sample_checks_then_imports_assigns_and_rejects_with_reasons(
    tenant, admin, member, event, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    """Given the trade-show sample, a team in turn for Lyon, and an open lead already for Sophie."""
    rep_a, rep_b = member(tenant, Role.FIELD_SALES_REP), member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        team = TeamFactory(name="Rhône")
        for rep in (rep_a, rep_b):
            TeamMemberFactory(team=team, membership=rep)
        AssignmentRuleFactory(position=10, country="FR", postal_code_prefix="69", target_team=team)
        LeadFactory(first_name="Sophie", last_name="Durand", email="sophie.durand@durand-energie.fr")
    client = Client()
    client.force_login(admin.user)

    response = upload(client, SAMPLE.read_bytes(), "leads-salon.csv")

    job = the_job(tenant)
    assert (response.status_code, job.kind, job.key_field, job.mode) == (302, "lead", "email", "create")
    page = client.get(f"/t/durand/imports/{job.pk}/mapping/", **ENGLISH)
    assert {name: page.context["form"][name].value() for name in SUGGESTED} == SUGGESTED
    assert dict(page.context["form"].fields["mode"].choices) == {
        "create": "Create new leads only (an e-mail already on an open lead is rejected)"
    }

    # When the file is checked: nothing is written, not even the default source.
    response = check(client, job, SUGGESTED)

    report = response.context["report"]
    assert (report.total, report.to_create, report.error_count) == (9, 3, 6)
    assert "Leads to create" in response.content.decode()
    assert set(leads_of(tenant)) == {"sophie.durand@durand-energie.fr"}
    with tenant_scope(tenant):
        assert list(LeadSource.objects.values_list("code", flat=True)) == ["event"]

    # When it runs through the task.
    job = start_and_run(client, job, django_capture_on_commit_callbacks, monkeypatch)

    assert (job.status, job.created_count, job.rejected_count) == ("done", 3, 6)
    reasons = {reject["row"]: reject["reason"] for reject in job.rejects}
    assert reasons == {
        4: "Email: This email address is not valid: ines.roux@exemple.",
        5: reasons[5],
        6: "Last name: This field is required.",
        7: "This e-mail is already on an earlier row of the file.",
        8: "Unknown source “Radio”: use one of “Événement”.",
        9: "Email: Duplicate: an open lead already has this e-mail.",
    }
    assert reasons[5].startswith("SIRET: ")
    leads = leads_of(tenant)
    claire, hugo, julien = (
        leads["claire.martin@atelier-martin.fr"],
        leads["hugo.lefevre@lefevre-btp.fr"],
        leads["julien.petit@petit-isolation.fr"],
    )
    # Then each is new, normalised, sourced, assigned by the rules and due by its source's SLA.
    assert (claire.status, claire.phone, claire.siret, claire.company_name) == (
        "new", "+33612345678", "52004447000018", "Atelier Martin"
    )  # fmt: skip
    assert (claire.utm_source, claire.utm_medium, claire.utm_campaign) == (
        "salon",
        "stand",
        "salon-bati-2026",
    )
    assert (claire.source.code, hugo.source.code, hugo.source.name) == (
        "event",
        "purchased_list",
        "Purchased list",
    )
    assert {claire.owner_id, julien.owner_id} == {rep_a.user_id, rep_b.user_id}  # in turn, once each
    assert hugo.owner_id is None  # Paris: no rule, the queue
    assert (claire.first_contact_due_at, hugo.first_contact_due_at) == (
        claire.created_at + timedelta(hours=4),
        hugo.created_at + timedelta(hours=24),
    )
    with tenant_scope(tenant):
        assert claire.history.get().history_change_reason == "Imported"


def test_the_rejected_rows_download_with_their_reasons_in_french(
    tenant, admin, event, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    client = Client()
    client.force_login(admin.user)
    content = (
        "Nom;Prénom;E-mail;Téléphone;Origine\n"
        "Martin;Claire;claire@martin.fr;06 12 34 56 78;Événement\n"
        "Roux;Inès;ines@roux.fr;12;\n"
        "Martin;Claire bis;CLAIRE@martin.fr;;\n"
    ).encode()
    upload(client, content, headers=FRENCH)
    job = the_job(tenant)
    check(client, job, {"column_0": "last_name", "column_1": "first_name", "column_2": "email",
                        "column_3": "phone", "column_4": "source"}, headers=FRENCH)  # fmt: skip
    job = start_and_run(client, job, django_capture_on_commit_callbacks, monkeypatch, headers=FRENCH)

    response = client.get(f"/t/durand/imports/{job.pk}/rejects.csv", **FRENCH)

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Nom", "Prénom", "E-mail", "Téléphone", "Origine", "Ligne", "Motif"]
    assert rows[1][:5] == ["Roux", "Inès", "ines@roux.fr", "12", ""]
    assert rows[1][5] == "3"
    assert rows[1][6].startswith("Téléphone")
    assert rows[2][5:] == ["4", "Cet e-mail figure déjà sur une ligne précédente du fichier."]
    assert set(leads_of(tenant)) == {"claire@martin.fr"}


def test_the_query_count_of_a_batch_does_not_grow_with_its_rows(tenant, admin, member, event) -> None:
    reps = [member(tenant, Role.FIELD_SALES_REP) for _n in range(2)]
    with tenant_scope(tenant):
        team = TeamFactory(name="Rhône")
        for rep in reps:
            TeamMemberFactory(team=team, membership=rep)
        AssignmentRuleFactory(position=10, country="FR", postal_code_prefix="69", target_team=team)

    def queries_for(count: int, seed: int) -> int:
        lines = ["Nom;E-mail;Téléphone;Code postal;Origine"]
        lines += [
            f"Nom{n};l{n}@exemple.fr;01 42 {n // 100 % 100:02d} {n % 100:02d} 11;{69000 + n % 2 * 6000};"
            + ("Événement" if n % 2 else "")
            for n in range(seed, seed + count)
        ]
        with tenant_scope(tenant), translation.override("en"):
            job = services.import_create(
                tenant=tenant,
                actor=admin.user,
                filename="l.csv",
                content="\n".join(lines).encode(),
                kind="lead",
            )
            services.import_dry_run(job=job)
        with CaptureQueriesContext(connection) as captured:
            job = services.import_run(job=job)
        assert (job.created_count, job.rejected_count) == (count, 0)
        return len(captured)

    queries_for(2, seed=0)  # the default source is created once, by the first import
    assert queries_for(10, seed=1_000) == queries_for(300, seed=2_000)


def test_the_pages_offer_the_lead_kind_to_those_who_may_add_leads(tenant, member) -> None:
    marketing, finance = member(tenant, Role.MARKETING_MANAGER), member(tenant, Role.FINANCE)
    client = Client()
    client.force_login(marketing.user)

    listing = client.get("/t/durand/imports/", **ENGLISH)
    form_page = client.get("/t/durand/imports/new/", **ENGLISH)
    refused = client.post(
        "/t/durand/imports/new/",
        {"kind": "accounts", "file": SimpleUploadedFile("a.csv", b"Raison sociale\nKappa\n")},
    )

    leads_page = client.get("/t/durand/leads/", **ENGLISH).content.decode()
    assert 'href="/t/durand/imports/new/?kind=lead"' in leads_page
    assert [kind.key for kind in listing.context["kinds"]] == ["lead"]
    assert "?kind=lead" in listing.content.decode()
    assert list(form_page.context["form"].fields["kind"].widget.choices) == [("lead", "Leads")]
    assert form_page.context["form"]["kind"].value() == "lead"
    assert refused.status_code == 403
    response = upload(client, b"Nom;E-mail\nMartin;m@exemple.fr\n")
    assert response.status_code == 302
    assert the_job(tenant).kind == "lead"

    client.force_login(finance.user)
    assert client.get("/t/durand/imports/").status_code == 403
    denied = upload(client, b"Nom;E-mail\nRoux;r@exemple.fr\n")
    assert denied.status_code == 403
    with tenant_scope(tenant):
        assert ImportJob.objects.count() == 1


def test_a_lead_job_of_someone_who_may_no_longer_add_leads_is_refused(tenant, member) -> None:
    marketing = member(tenant, Role.MARKETING_MANAGER)
    client = Client()
    client.force_login(marketing.user)
    upload(client, b"Nom;E-mail\nMartin;m@exemple.fr\n")
    job = the_job(tenant)
    with tenant_scope(tenant):
        marketing.role = Role.SUPPORT_AGENT  # may import nothing now
        marketing.save(update_fields=["role"])

    response = check(client, job, {"column_0": "last_name", "column_1": "email"})

    assert response.status_code == 403
    assert the_job(tenant).status == "uploaded"


def test_a_file_without_a_last_name_column_is_refused_at_the_mapping(tenant, admin) -> None:
    client = Client()
    client.force_login(admin.user)
    upload(client, "Prénom;E-mail\nClaire;c@exemple.fr\n".encode())
    job = the_job(tenant)

    response = check(client, job, {"column_0": "first_name", "column_1": "email"})

    assert "Map a column to the last name: every new lead needs one." in response.content.decode()
    assert the_job(tenant).status == "uploaded"
    assert leads_of(tenant) == {}
