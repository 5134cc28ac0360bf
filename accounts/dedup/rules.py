"""The tenant's duplicate rules, read once per check (one query), as reason codes and a threshold.

Reason codes are those the nightly scan stores on a pair: accounts "siren" (SIREN or SIRET), "vat",
"website", "name_postcode"; contacts "email", "phone", "name_account".
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.dedup.models import DuplicateRules

ACCOUNT_REASONS = {
    "siren": "account_same_siren",
    "vat": "account_same_vat",
    "website": "account_same_website",
    "name_postcode": "account_similar_name",
}
CONTACT_REASONS = {
    "email": "contact_same_email",
    "phone": "contact_same_phone",
    "name_account": "contact_similar_name",
}


@dataclass(frozen=True)
class Rules:
    enabled: frozenset[str]
    name_similarity: float

    def on(self, reason: str) -> bool:
        return reason in self.enabled


def duplicate_rules() -> Rules:
    """The current tenant's rules, or the defaults (everything on, 0.6) when it has set none."""
    row = DuplicateRules.objects.first() or DuplicateRules()
    enabled = {code for code, flag in (ACCOUNT_REASONS | CONTACT_REASONS).items() if getattr(row, flag)}
    return Rules(frozenset(enabled), float(row.name_similarity))
