from __future__ import annotations

from typing import Any

from accounts.dedup.scan import duplicate_scan
from crm.management.base import TenantCommand


class Command(TenantCommand):
    help = "Scan a tenant's accounts and contacts for likely duplicates and fill the duplicates queue."

    def handle(self, *args: Any, tenant_obj: Any, **options: Any) -> None:
        for kind, counts in duplicate_scan().items():
            self.stdout.write(
                self.style.SUCCESS(
                    f"{tenant_obj.slug} {kind}: {counts.found} pair(s) found, {counts.created} new,"
                    f" {counts.updated} updated, {counts.resolved} resolved."
                )
            )
