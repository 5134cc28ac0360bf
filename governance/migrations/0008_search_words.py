"""Search at scale: whole words first, trigrams for typos, never ranking a whole tenant.

Measured on the benchmark's large tenant (5,000,000 search entries), `crm_search_page` took 3 s for
every query, common or rare: `text %> q` matched hundreds of thousands of entries (a common word, or
the common words of a company's name) and every one of them was scored and sorted before the LIMIT.

Now:
1. `words`, a generated tsvector of the (already lower-cased, unaccented) text, with a GIN index.
   Every word of the query must start a word of the entry (`société gén` finds "Société Générale"):
   few entries when the query is precise, and at most POOL of them are read when it is not.
2. Only when no entry holds the words (a typo, a piece of an e-mail address or of a number), the
   trigram similarity as before, also stopped after POOL matching entries.
The pool is then ranked as before (word similarity, then the shortest entry, then the id), and pages
are taken from it: a common word shows POOL well-ranked entries rather than the best of a million, which
nobody pages through; a precise query is ranked in full. POOL covers the search's MAX_ROUNDS
(governance.search: 200 + 400 + 800 + 1,600 candidates).
"""

import importlib

from django.db import migrations

TENANT = "nullif(current_setting('app.tenant_id', true), '')::bigint"
POOL = 3200

CREATE_SQL = f"""
ALTER TABLE search_entry
    ADD COLUMN words tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
        CREATE INDEX search_entry_words ON search_entry USING gin (tenant_id, words);
    ELSE
        CREATE INDEX search_entry_words ON search_entry USING gin (words);
    END IF;
END
$$;

-- The query's words as a prefix tsquery ("societe gen" -> 'societe':* & 'gen':*); NULL when it has none.
-- Only letters and digits reach to_tsquery, so no input can make it fail.
CREATE FUNCTION crm_search_words(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = public, pg_temp
AS $fn$
    SELECT to_tsquery('simple'::regconfig, string_agg(word || ':*', ' & '))
    FROM regexp_split_to_table(q, '[^[:alnum:]]+') AS word
    WHERE word <> ''
$fn$;
REVOKE ALL ON FUNCTION crm_search_words(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION crm_search_page(q text, types text[], lim integer, skip integer)
RETURNS TABLE (object_type text, object_id bigint, title text, subtitle text, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_tenant bigint := {TENANT};
    v_q text := btrim(crm_search_normalize(left(coalesce(q, ''), 200)));
    v_words tsquery;
    v_found boolean := false;
BEGIN
    IF v_tenant IS NULL OR length(v_q) < 2 THEN
        RETURN;
    END IF;
    v_words := crm_search_words(v_q);
    IF v_words IS NOT NULL THEN
        RETURN QUERY
            SELECT p.object_type, p.object_id, p.title, p.subtitle, word_similarity(v_q, p.text)
            FROM (
                SELECT e.object_type, e.object_id, e.title, e.subtitle, e.text
                FROM search_entry e
                WHERE e.tenant_id = v_tenant
                  AND e.words @@ v_words
                  AND (types IS NULL OR e.object_type = ANY (types))
                LIMIT {POOL}
            ) p
            -- The order of crm_search, total (object_id last), so that pages neither overlap nor skip.
            ORDER BY 5 DESC, length(p.text), p.object_id
            LIMIT least(greatest(coalesce(lim, 50), 1), 2000)
            OFFSET greatest(coalesce(skip, 0), 0);
        v_found := FOUND;
        IF v_found OR skip > 0 AND EXISTS (
            SELECT 1 FROM search_entry e
            WHERE e.tenant_id = v_tenant AND e.words @@ v_words
              AND (types IS NULL OR e.object_type = ANY (types))
        ) THEN
            RETURN;  -- the words matched: no typo fallback, on this page or a later one
        END IF;
    END IF;
    RETURN QUERY
        SELECT p.object_type, p.object_id, p.title, p.subtitle, word_similarity(v_q, p.text)
        FROM (
            SELECT e.object_type, e.object_id, e.title, e.subtitle, e.text
            FROM search_entry e
            WHERE e.tenant_id = v_tenant
              AND e.text %> v_q
              AND (types IS NULL OR e.object_type = ANY (types))
            LIMIT {POOL}
        ) p
        ORDER BY 5 DESC, length(p.text), p.object_id
        LIMIT least(greatest(coalesce(lim, 50), 1), 2000)
        OFFSET greatest(coalesce(skip, 0), 0);
END
$fn$;
"""  # noqa: S608 - constant SQL, no user input

# Back to 0007's function (CREATE OR REPLACE keeps the application role's grant), then drop the words.
_PAGING = importlib.import_module("governance.migrations.0007_search_paging")
DROP_SQL = (
    _PAGING.CREATE_SQL.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    + """
DROP FUNCTION IF EXISTS crm_search_words(text);
DROP INDEX IF EXISTS search_entry_words;
ALTER TABLE search_entry DROP COLUMN IF EXISTS words;
"""
)


class Migration(migrations.Migration):
    dependencies = [("governance", "0007_search_paging")]

    operations = [migrations.RunSQL(CREATE_SQL, DROP_SQL)]
