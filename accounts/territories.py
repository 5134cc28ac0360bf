"""Placing accounts in territories by rules, one account at a time or a whole tenant in bulk."""

from __future__ import annotations

from django.db import connection, transaction

from accounts.models import Account, Address, TerritoryRule

# One statement for a whole tenant: each account not set by hand takes the territory of its most
# specific matching rule (longest postal-code prefix, then a rule with a segment), or none.
REALIGN_SQL = """
UPDATE accounts_account a
SET territory_id = best.territory_id
FROM (
    SELECT a2.id AS account_id, (
        SELECT r.territory_id
        FROM accounts_territoryrule r
        JOIN accounts_address h ON h.account_id = a2.id AND h.kind = 'head_office'
        WHERE r.country = h.country
          AND h.postal_code LIKE r.postal_code_prefix || '%%'
          AND (r.segment_id IS NULL OR r.segment_id = a2.segment_id)
        ORDER BY length(r.postal_code_prefix) DESC, (r.segment_id IS NOT NULL) DESC, r.id
        LIMIT 1
    ) AS territory_id
    FROM accounts_account a2
    WHERE NOT a2.territory_set_by_hand
) best
WHERE a.id = best.account_id AND a.territory_id IS DISTINCT FROM best.territory_id
"""


def territory_for(account: Account) -> int | None:
    head_office = Address.objects.filter(account=account, kind=Address.Kind.HEAD_OFFICE).first()
    if head_office is None:
        return None
    candidates = [
        rule
        for rule in TerritoryRule.objects.filter(country=head_office.country)
        if head_office.postal_code.startswith(rule.postal_code_prefix)
        and (rule.segment_id is None or rule.segment_id == account.segment_id)
    ]
    if not candidates:
        return None
    best = max(
        candidates, key=lambda rule: (len(rule.postal_code_prefix), rule.segment_id is not None, -rule.pk)
    )
    return best.territory_id


def account_place_in_territory(*, account: Account) -> Account:
    """Apply the rules to one account (after its head office or segment changed)."""
    if account.territory_set_by_hand:
        return account
    territory_id = territory_for(account)
    if territory_id != account.territory_id:
        Account.objects.filter(pk=account.pk).update(territory_id=territory_id)
        account.territory_id = territory_id
    return account


@transaction.atomic
def territories_realign() -> int:
    """Re-place every account of the current tenant (RLS keeps the statement inside it). Returns how many
    accounts moved. One UPDATE, whatever the number of accounts."""
    with connection.cursor() as cursor:
        cursor.execute(REALIGN_SQL)
        return cursor.rowcount
