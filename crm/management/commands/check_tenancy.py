from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from crm import rls


class Command(BaseCommand):
    help = (
        "Verify that the application connects as a role that row-level security binds, and that every "
        "tenant-owned table has RLS enabled and forced with the tenant policy. Exits non-zero on any gap."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections["default"]
        problems: list[str] = []
        role = rls.inspect_role(connection)
        if role.is_superuser:
            problems.append(f"connection role {role.name!r} is a superuser")
        if role.bypasses_rls:
            problems.append(f"connection role {role.name!r} has BYPASSRLS")
        reports = rls.inspect_tables(connection)
        for report in reports:
            for problem in report.problems:
                problems.append(f"{report.table}: {problem}")
        for table in rls.untenanted_link_tables():
            problems.append(
                f"{table}: automatic many-to-many table, no tenant (needs a tenant-owned through)"
            )
        if problems:
            for problem in problems:
                self.stderr.write(self.style.ERROR(f"✗ {problem}"))
            raise CommandError(f"{len(problems)} tenancy gap(s) found.")
        self.stdout.write(f"role {role.name}: not superuser, no BYPASSRLS")
        for report in reports:
            if report.definer_only:
                self.stdout.write(f"✓ {report.table}: closed to the application role (SECURITY DEFINER only)")
            else:
                self.stdout.write(f"✓ {report.table}: RLS enabled, forced, policy on tenant_id")
        self.stdout.write(self.style.SUCCESS(f"Tenancy OK: {len(reports)} tenant tables locked."))
