"""The nightly duplicates scan of one tenant: set-based SQL, a fixed number of statements whatever the
number of records.

Pairs are found by self-joins (the lower id first) and scored by their strongest reason, plus 5 for
each further reason, at most 100:

Which reasons count, and the name similarity, are the tenant's duplicate rules (accounts.dedup.rules).

- accounts: the same SIREN (90; taken from the SIRET when the SIREN is blank), the same VAT number (90),
  the same website domain (70), a similar legal name (trigram similarity >= 0.6, accents and case
  ignored) with the same head-office postal code (60 + 20 x similarity). No "same SIRET": the SIRET is
  unique in a tenant (accounts_account_siret_unique), so two existing accounts never share one.
- contacts: the same e-mail, case ignored (90), a number in common between phone and mobile (80), a
  similar name at the same account (60 + 20 x similarity).

Similar names are compared pair by pair within their group (a postal code, an account), which grows as
the square of the group: a company with 50,000 contacts would mean 1.25 billion comparisons. Decision:
groups larger than EXHAUSTIVE_GROUP compare only names that start alike (the first three letters of the
legal name; of the first or of the last name for contacts), a blocking that keeps the typical
near-duplicates (a typo further in the name, an accent, a missing word at the end) and costs a few
minutes at the benchmark's largest account instead of hours; smaller groups still compare every pair.

Each kind is one INSERT ... ON CONFLICT DO UPDATE, with the stale pairs resolved in the same statement:
a new pair opens; a known pair gets its score and reasons (a dismissed or merged pair keeps its status;
one resolved earlier opens again); an open pair that no longer matches, or whose record is gone, is
resolved. Nothing changes for a pair whose score and reasons did not change, so a second run is a
no-op. The scan runs as the application role inside the tenant scope: row-level security applies on top
of the explicit tenant filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from accounts.dedup.rules import Rules, duplicate_rules
from crm.tenancy import current_tenant

EXTRA_REASON_BONUS = 5
# Above this many accounts at one postal code, or contacts at one account, similar names are looked for
# among names that start alike only (see the module docstring).
EXHAUSTIVE_GROUP = 1000

ACCOUNT_PAIRS_SQL = """
WITH acc AS MATERIALIZED (
    SELECT a.id,
           coalesce(nullif(a.siren, ''), nullif(left(a.siret, 9), '')) AS siren,
           nullif(upper(replace(a.vat_number, ' ', '')), '') AS vat,
           -- the website's host, lower-case, without "www.": as accounts.duplicates.website_domain
           nullif(regexp_replace(
               substring(lower(a.website) from '^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)'),
               '^www[.]', ''), '') AS domain,
           unaccent(lower(a.legal_name)) AS name,
           left(unaccent(lower(a.legal_name)), 3) AS name_start,
           nullif(h.postal_code, '') AS postal_code
    FROM accounts_account a
    LEFT JOIN accounts_address h
           ON h.account_id = a.id AND h.kind = 'head_office' AND h.tenant_id = a.tenant_id
    WHERE a.tenant_id = %(tenant)s
),
-- Postal codes with more accounts than %(exhaustive)s compare only names that start alike (see the
-- module docstring); the others compare every pair.
crowded AS MATERIALIZED (
    SELECT postal_code FROM acc WHERE postal_code IS NOT NULL
    GROUP BY postal_code HAVING count(*) > %(exhaustive)s
),
reasons (first_id, second_id, reason, score) AS (
    SELECT x.id, y.id, 'siren', 90 FROM acc x JOIN acc y ON x.siren = y.siren AND x.id < y.id
    WHERE 'siren' = ANY(%(enabled)s)
  UNION ALL
    SELECT x.id, y.id, 'vat', 90 FROM acc x JOIN acc y ON x.vat = y.vat AND x.id < y.id
    WHERE 'vat' = ANY(%(enabled)s)
  UNION ALL
    SELECT x.id, y.id, 'website', 70 FROM acc x JOIN acc y ON x.domain = y.domain AND x.id < y.id
    WHERE 'website' = ANY(%(enabled)s)
  UNION ALL
    SELECT x.id, y.id, 'name_postcode', 60 + round(20 * similarity(x.name, y.name))::int
    FROM acc x JOIN acc y ON x.postal_code = y.postal_code AND x.id < y.id
    WHERE 'name_postcode' = ANY(%(enabled)s) AND similarity(x.name, y.name) >= %(similarity)s
      AND x.postal_code NOT IN (SELECT postal_code FROM crowded)
  UNION ALL
    SELECT x.id, y.id, 'name_postcode', 60 + round(20 * similarity(x.name, y.name))::int
    FROM acc x JOIN acc y ON x.postal_code = y.postal_code AND x.name_start = y.name_start AND x.id < y.id
    WHERE 'name_postcode' = ANY(%(enabled)s) AND similarity(x.name, y.name) >= %(similarity)s
      AND x.postal_code IN (SELECT postal_code FROM crowded)
)
"""

CONTACT_PAIRS_SQL = """
WITH con AS MATERIALIZED (
    SELECT c.id, c.account_id,
           nullif(lower(c.email), '') AS email,
           nullif(c.phone, '') AS phone,
           nullif(c.mobile, '') AS mobile,
           unaccent(lower(c.first_name || ' ' || c.last_name)) AS name,
           left(unaccent(lower(c.first_name)), 3) AS first_start,
           left(unaccent(lower(c.last_name)), 3) AS last_start
    FROM accounts_contact c
    WHERE c.tenant_id = %(tenant)s
),
-- Accounts with more contacts than %(exhaustive)s compare only names whose first or last name starts
-- alike (see the module docstring); the others compare every pair.
crowded AS MATERIALIZED (
    SELECT account_id FROM con GROUP BY account_id HAVING count(*) > %(exhaustive)s
),
numbers AS MATERIALIZED (
    SELECT DISTINCT con.id, number FROM con, unnest(ARRAY[con.phone, con.mobile]) AS number
    WHERE number IS NOT NULL
),
reasons (first_id, second_id, reason, score) AS (
    SELECT x.id, y.id, 'email', 90 FROM con x JOIN con y ON x.email = y.email AND x.id < y.id
    WHERE 'email' = ANY(%(enabled)s)
  UNION ALL
    SELECT DISTINCT x.id, y.id, 'phone', 80
    FROM numbers x JOIN numbers y ON x.number = y.number AND x.id < y.id
    WHERE 'phone' = ANY(%(enabled)s)
  UNION ALL
    SELECT x.id, y.id, 'name_account', 60 + round(20 * similarity(x.name, y.name))::int
    FROM con x JOIN con y ON x.account_id = y.account_id AND x.id < y.id
    WHERE 'name_account' = ANY(%(enabled)s) AND similarity(x.name, y.name) >= %(similarity)s
      AND x.account_id NOT IN (SELECT account_id FROM crowded)
  UNION ALL
    SELECT p.first_id, p.second_id, 'name_account', 60 + round(20 * similarity(p.x_name, p.y_name))::int
    FROM (
        SELECT x.id AS first_id, y.id AS second_id, x.name AS x_name, y.name AS y_name
        FROM con x JOIN con y ON x.account_id = y.account_id AND x.last_start = y.last_start AND x.id < y.id
        WHERE x.account_id IN (SELECT account_id FROM crowded)
      UNION
        SELECT x.id, y.id, x.name, y.name
        FROM con x JOIN con y ON x.account_id = y.account_id AND x.first_start = y.first_start AND x.id < y.id
        WHERE x.account_id IN (SELECT account_id FROM crowded)
    ) p
    WHERE 'name_account' = ANY(%(enabled)s) AND similarity(p.x_name, p.y_name) >= %(similarity)s
)
"""

# {pairs} is one of the two texts above; {first}/{second} the candidate's columns for that kind and
# {kind} its constant: written into the text, not bound, so that PostgreSQL can match the ON CONFLICT
# target with the partial unique index (accounts_dupcandidate_<kind>_pair).
UPSERT_SQL = """
{pairs},
found AS MATERIALIZED (
    SELECT first_id, second_id,
           least(100, max(score) + %(bonus)s * (count(*) - 1))::smallint AS score,
           array_agg(reason ORDER BY score DESC, reason)::varchar(16)[] AS reasons
    FROM reasons GROUP BY first_id, second_id
),
upserted AS (
    INSERT INTO accounts_duplicatecandidate AS c
        (tenant_id, kind, {first}, {second}, score, reasons, status, found_at, updated_at)
    SELECT %(tenant)s, '{kind}', f.first_id, f.second_id, f.score, f.reasons, 'open', now(), now()
    FROM found f
    ON CONFLICT (tenant_id, {first}, {second}) WHERE kind = '{kind}'
    DO UPDATE SET
        score = EXCLUDED.score,
        reasons = EXCLUDED.reasons,
        updated_at = EXCLUDED.updated_at,
        status = CASE WHEN c.status = 'resolved' THEN 'open' ELSE c.status END,
        resolved_at = CASE WHEN c.status = 'resolved' THEN NULL ELSE c.resolved_at END,
        resolved_by_id = CASE WHEN c.status = 'resolved' THEN NULL ELSE c.resolved_by_id END
    WHERE c.score <> EXCLUDED.score OR c.reasons <> EXCLUDED.reasons OR c.status = 'resolved'
    RETURNING (c.xmax = 0) AS inserted
),
stale AS (
    UPDATE accounts_duplicatecandidate AS c
    SET status = 'resolved', resolved_at = now(), resolved_by_id = NULL, updated_at = now()
    WHERE c.tenant_id = %(tenant)s AND c.kind = '{kind}' AND c.status = 'open'
      AND NOT EXISTS (SELECT 1 FROM found f WHERE f.first_id = c.{first} AND f.second_id = c.{second})
    RETURNING c.id
)
SELECT (SELECT count(*) FROM found),
       (SELECT count(*) FROM upserted WHERE inserted),
       (SELECT count(*) FROM upserted WHERE NOT inserted),
       (SELECT count(*) FROM stale)
"""


@dataclass(frozen=True)
class ScanCounts:
    found: int = 0  # pairs matching now
    created: int = 0  # pairs seen for the first time
    updated: int = 0  # known pairs whose score or reasons changed, or that match again
    resolved: int = 0  # open pairs that no longer match, or whose record is gone

    def __add__(self, other: ScanCounts) -> ScanCounts:
        return ScanCounts(
            self.found + other.found,
            self.created + other.created,
            self.updated + other.updated,
            self.resolved + other.resolved,
        )


def _scan_kind(
    *, tenant_id: int, kind: str, pairs_sql: str, first: str, second: str, rules: Rules
) -> ScanCounts:
    sql = UPSERT_SQL.format(pairs=pairs_sql.strip(), kind=kind, first=first, second=second)
    parameters: dict[str, Any] = {
        "tenant": tenant_id,
        "similarity": rules.name_similarity,
        "enabled": sorted(rules.enabled),
        "bonus": EXTRA_REASON_BONUS,
        "exhaustive": EXHAUSTIVE_GROUP,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    found, created, updated, resolved = row
    return ScanCounts(found, created, updated, resolved)


@transaction.atomic
def duplicate_scan() -> dict[str, ScanCounts]:
    """Scan the current tenant's accounts and contacts; returns the counts per kind. Four statements
    (the lock, the rules, one per kind), whatever the number of records. Two scans of one tenant at
    once queue behind a transaction lock."""
    tenant_id = current_tenant().pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('accounts.duplicate_scan'), %s)", [tenant_id])
    rules = duplicate_rules()  # the tenant's own: a rule turned off closes its pairs on the next scan
    return {
        "account": _scan_kind(
            tenant_id=tenant_id,
            kind="account",
            pairs_sql=ACCOUNT_PAIRS_SQL,
            first="first_account_id",
            second="second_account_id",
            rules=rules,
        ),
        "contact": _scan_kind(
            tenant_id=tenant_id,
            kind="contact",
            pairs_sql=CONTACT_PAIRS_SQL,
            first="first_contact_id",
            second="second_contact_id",
            rules=rules,
        ),
    }
