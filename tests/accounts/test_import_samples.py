"""The sample files of docs/samples (a French Excel export with mistakes, as .xlsx and as the .csv Excel
writes: Windows-1252, semicolons, decimal commas, dd/mm/yyyy) give the report a newcomer should see:
six accounts created, six rows rejected, each with its reason, all downloadable."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from accounts.imports import services
from accounts.models import Account
from crm.roles import Role
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"
REJECTED = {
    "Transports Rapides du Centre": "SIRET",
    "Boulangerie du Vieux Port": "NAF",
    "Pharmacie des Tilleuls": "postal code",
    "Hôtel Beau Rivage": "date",
    "": "legal name",
    "Menuiserie Bernard et Fils (doublon)": "SIRET",
}


@pytest.mark.parametrize("filename", ["comptes-export-excel.xlsx", "comptes-export-excel.csv"])
def test_the_french_excel_sample_gives_the_expected_report(tenant, member, filename) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant), translation.override("en"):
        job = services.import_create(
            tenant=tenant,
            actor=admin.user,
            filename=filename,
            content=(SAMPLES / filename).read_bytes(),
            kind="accounts",
        )
        assert set(job.mapping.values()) >= {
            "legal_name",
            "siret",
            "naf_code",
            "postal_code",
            "customer_revenue",
        }
        report = services.import_dry_run(job=job)
        assert (report.total, report.error_count) == (12, 6)
    with translation.override("en"):
        job = services.import_run(job=job)
    with tenant_scope(tenant), translation.override("en"):
        job.refresh_from_db()
        assert (job.created_count, job.updated_count, job.rejected_count) == (6, 0, 6)
        rejects_csv = services.import_rejects_csv(job=job).decode("utf-8-sig")
        menuiserie = Account.objects.get(siret="52004447000018")
    rejects = {
        row["Raison sociale"]: row["Reason"]
        for row in csv.DictReader(io.StringIO(rejects_csv), delimiter=";")
    }
    assert set(rejects) == set(REJECTED)
    for name, word in REJECTED.items():
        assert word.lower() in rejects[name].lower(), (name, rejects[name])
    assert str(menuiserie.customer_revenue) == "125400.50"
    assert menuiserie.last_purchase_date.isoformat() == "2026-09-12"
