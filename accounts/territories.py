"""Placing accounts in territories by rules, one account at a time or a whole tenant in bulk.

A move is a write like any other: the account's version goes up (an open edit form then refuses to
overwrite it) and its history shows who moved it and why.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import Account, Address, TerritoryRule
from crm.models import User

# The best territory of each account not set by hand: its most specific matching rule (longest
# postal-code prefix, then a rule with a segment), or none.
BEST_TERRITORY_SQL = """
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
"""


def _realign_sql() -> str:
    """One statement: move the accounts, bump their versions, and write one history row per account
    moved (the columns of the history table, taken from the model, so a new field cannot be missed)."""
    history = Account.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.attname) for field in history.tracked_fields)
    return f"""
WITH moved AS (
    UPDATE accounts_account a
    SET territory_id = best.territory_id, version = a.version + 1, updated_at = now()
    FROM ({BEST_TERRITORY_SQL}) best
    WHERE a.id = best.account_id AND a.territory_id IS DISTINCT FROM best.territory_id
    RETURNING a.*
)
INSERT INTO {quote(history._meta.db_table)}
    ({columns}, history_date, history_change_reason, history_type, history_user_id)
SELECT {columns}, now(), %s, '~', %s FROM moved
"""  # noqa: S608 - identifiers from the models, values as parameters


def territory_for(account: Account) -> int | None:
    head_office = Address.objects.filter(account=account, kind=Address.Kind.HEAD_OFFICE).first()
    if head_office is None:
        return None
    rules = TerritoryRule.objects.filter(country=head_office.country)
    return territory_among(
        rules, country=head_office.country, postal_code=head_office.postal_code, segment_id=account.segment_id
    )


def territory_among(
    rules: Iterable[TerritoryRule], *, country: str, postal_code: str, segment_id: int | None
) -> int | None:
    """The territory of the most specific of `rules` matching a head office (longest postal-code prefix,
    then a rule with a segment), or None. Batches read the rules once and call this for each account."""
    candidates = [
        rule
        for rule in rules
        if rule.country == country
        and postal_code.startswith(rule.postal_code_prefix)
        and (rule.segment_id is None or rule.segment_id == segment_id)
    ]
    if not candidates:
        return None
    best = max(
        candidates, key=lambda rule: (len(rule.postal_code_prefix), rule.segment_id is not None, -rule.pk)
    )
    return best.territory_id


def territory_apply(account: Account) -> None:
    """Set the account's territory by the rules, in memory, for the caller's own save (an edit)."""
    if not account.territory_set_by_hand:
        account.territory_id = territory_for(account)


@transaction.atomic
def account_place_in_territory(*, account: Account, actor: User | None) -> Account:
    """Apply the rules to one account (after its head office changed). A move saves the account with
    its version bumped and a history row: the acting user, "Territory set by the rules"."""
    if account.territory_set_by_hand:
        return account
    territory_id = territory_for(account)
    if territory_id == account.territory_id:
        return account
    current = Account.objects.select_for_update().get(pk=account.pk)
    current.territory_id = territory_id
    current.version += 1  # the row is locked: no other write can slip in between
    current._history_user = actor  # type: ignore[attr-defined]
    current._change_reason = _("Territory set by the rules")  # type: ignore[attr-defined]
    current.save(update_fields=["territory", "version", "updated_at"])
    account.territory_id, account.version = current.territory_id, current.version
    return account


@transaction.atomic
def territories_realign(*, actor: User | None = None) -> int:
    """Re-place every account of the current tenant (RLS keeps the statement inside it). Returns how many
    accounts moved.

    Decision: this stays one statement whatever the number of accounts, and still records each move as
    any other write would: the same statement bumps the versions and inserts one history row per moved
    account (`actor`, or none for a system run, and the reason "Territories realigned by the rules")."""
    with connection.cursor() as cursor:
        cursor.execute(_realign_sql(), [_("Territories realigned by the rules"), actor.pk if actor else None])
        return cursor.rowcount
