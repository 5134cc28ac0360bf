from __future__ import annotations

from typing import Any

from accounts.territories import territories_realign
from crm.management.base import TenantCommand


class Command(TenantCommand):
    help = "Re-place every account of a tenant in its territory by the rules (accounts set by hand stay)."

    def handle(self, *args: Any, tenant_obj: Any, **options: Any) -> None:
        moved = territories_realign()
        self.stdout.write(self.style.SUCCESS(f"{moved} account(s) moved in {tenant_obj.slug}."))
