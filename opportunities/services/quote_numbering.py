"""Quote numbers: per tenant and year, sequential without gaps, even under concurrent creation.

The tenant's row for the year is created if missing (INSERT ... ON CONFLICT DO NOTHING, so two first
quotes of the year do not collide), then locked with SELECT ... FOR UPDATE in the transaction that
inserts the quote. A second creation waits for the first to commit or roll back: a rolled-back quote
gives its number back, and no two quotes share one."""

from __future__ import annotations

from django.db import transaction

from crm.models import Tenant
from opportunities.models import QuoteSequence

PREFIX = "DEV"


def quote_number_format(*, year: int, sequence: int) -> str:
    return f"{PREFIX}-{year}-{sequence:05d}"


def quote_number_next(*, tenant: Tenant, year: int) -> tuple[int, str]:
    """Take the next number; must run inside the transaction that saves the quote."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("quote_number_next must run in the transaction that saves the quote")
    QuoteSequence.objects.bulk_create(
        [QuoteSequence(tenant=tenant, year=year, last_value=0)], ignore_conflicts=True
    )
    row = QuoteSequence.objects.select_for_update().get(year=year)
    row.last_value += 1
    row.save(update_fields=["last_value"])
    return row.last_value, quote_number_format(year=year, sequence=row.last_value)
