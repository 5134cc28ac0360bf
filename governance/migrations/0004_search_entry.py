"""Global search: a search table the application role cannot read, reached only through SECURITY DEFINER
functions that filter on the tenant themselves (ARCHITECTURE.md, "Search under RLS", option 1).

Why not row-level security here: PostgreSQL applies a policy before any non-leakproof operator, so the
trigram operators could not use their index on an RLS table. Instead the table has no policy, the
application role has no privilege on it (crm.rls.grant_application_role revokes them, from the
CRM_DEFINER_ONLY_TABLES setting), and the functions below, owned by the owner role, read and write only
the rows of `app.tenant_id`: outside a tenant scope they return nothing and refuse to write.

pg_trgm and unaccent are trusted extensions: the owner role, which owns the database, may create them.
btree_gin (for a GIN index that leads with tenant_id) is used when the server has it; the embedded
PostgreSQL of ./dev does not, and then the trigram index stands alone.
"""

from typing import Any

from django.conf import settings
from django.db import migrations

TENANT = "nullif(current_setting('app.tenant_id', true), '')::bigint"

CREATE_SQL = f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- unaccent (or its stand-in) comes from crm 0004_search_extensions.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gin') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS btree_gin;
        EXCEPTION WHEN insufficient_privilege OR feature_not_supported THEN
            RAISE NOTICE 'btree_gin not available to this role: trigram index without tenant_id';
        END;
    END IF;
END
$$;

CREATE TABLE search_entry (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES crm_tenant (id) ON DELETE CASCADE,
    object_type text NOT NULL,
    object_id bigint NOT NULL,
    title text NOT NULL,
    subtitle text NOT NULL DEFAULT '',
    text text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT search_entry_object_unique UNIQUE (tenant_id, object_type, object_id)
);
COMMENT ON TABLE search_entry IS
    'Global search. No RLS by design: read and written only through the crm_search* SECURITY DEFINER'
    ' functions, which filter on app.tenant_id. The application role must have no privilege on it.';
REVOKE ALL ON search_entry FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
        CREATE INDEX search_entry_text_trgm ON search_entry USING gin (tenant_id, text gin_trgm_ops);
    ELSE
        CREATE INDEX search_entry_text_trgm ON search_entry USING gin (text gin_trgm_ops);
    END IF;
END
$$;

-- Queries: lower case, no accents. A query made only of digits and separators (a phone number, a
-- SIREN typed "552 120 222") loses its separators, to meet the digits stored in the documents.
CREATE FUNCTION crm_search_normalize(value text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = public, pg_temp
AS $fn$
    SELECT CASE
        WHEN value ~ '^[[:space:]0-9.+/()-]+$' THEN regexp_replace(value, '[^0-9]', '', 'g')
        ELSE lower(unaccent(value))
    END
$fn$;

CREATE FUNCTION crm_search(q text, types text[] DEFAULT NULL, lim integer DEFAULT 50)
RETURNS TABLE (object_type text, object_id bigint, title text, subtitle text, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_tenant bigint := {TENANT};
    v_q text := btrim(crm_search_normalize(left(coalesce(q, ''), 200)));
BEGIN
    IF v_tenant IS NULL OR length(v_q) < 2 THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT e.object_type, e.object_id, e.title, e.subtitle, word_similarity(v_q, e.text) AS score
        FROM search_entry e
        WHERE e.tenant_id = v_tenant
          AND e.text %> v_q
          AND (types IS NULL OR e.object_type = ANY (types))
        -- By score (column 5: the name "score" would mean the OUT parameter here). Ties (every
        -- document holding the whole query scores 1) go to the shortest document, the closest match,
        -- at no cost: similarity() here would add a third trigram pass per row.
        ORDER BY 5 DESC, length(e.text), e.object_id
        LIMIT least(greatest(coalesce(lim, 50), 1), 500);
END
$fn$;

-- Documents are stored lower-cased and without accents.
CREATE FUNCTION crm_search_upsert_many(
    object_types text[], object_ids bigint[], titles text[], subtitles text[], texts text[]
) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_tenant bigint := {TENANT};
    v_count integer;
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'search entries are written inside a tenant scope only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO search_entry AS e (tenant_id, object_type, object_id, title, subtitle, text, updated_at)
    SELECT v_tenant, u.object_type, u.object_id, u.title, coalesce(u.subtitle, ''),
           lower(unaccent(coalesce(u.text, ''))), now()
    FROM unnest(object_types, object_ids, titles, subtitles, texts)
        AS u (object_type, object_id, title, subtitle, text)
    ON CONFLICT (tenant_id, object_type, object_id) DO UPDATE
        SET title = excluded.title, subtitle = excluded.subtitle, text = excluded.text,
            updated_at = excluded.updated_at;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$fn$;

CREATE FUNCTION crm_search_upsert(
    object_type text, object_id bigint, title text, subtitle text, text text
) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
    SELECT crm_search_upsert_many(ARRAY[object_type], ARRAY[object_id], ARRAY[title], ARRAY[subtitle],
                                  ARRAY[text]);
$fn$;

CREATE FUNCTION crm_search_delete(object_type text, object_ids bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_tenant bigint := {TENANT};
    v_count integer;
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'search entries are written inside a tenant scope only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- object_ids NULL: every entry of this type in the tenant (a rebuild starts with it).
    DELETE FROM search_entry e
    WHERE e.tenant_id = v_tenant AND e.object_type = crm_search_delete.object_type
      AND (object_ids IS NULL OR e.object_id = ANY (object_ids));
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$fn$;

REVOKE ALL ON FUNCTION crm_search_normalize(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_search(text, text[], integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_search_upsert_many(text[], bigint[], text[], text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_search_upsert(text, bigint, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_search_delete(text, bigint[]) FROM PUBLIC;
"""  # noqa: S608 - constant SQL, no user input

DROP_SQL = """
DROP FUNCTION IF EXISTS crm_search_delete(text, bigint[]);
DROP FUNCTION IF EXISTS crm_search_upsert(text, bigint, text, text, text);
DROP FUNCTION IF EXISTS crm_search_upsert_many(text[], bigint[], text[], text[], text[]);
DROP FUNCTION IF EXISTS crm_search(text, text[], integer);
DROP FUNCTION IF EXISTS crm_search_normalize(text);
DROP TABLE IF EXISTS search_entry;
"""

SEARCH_FUNCTIONS = (
    "crm_search(text, text[], integer)",
    "crm_search_upsert_many(text[], bigint[], text[], text[], text[])",
    "crm_search_upsert(text, bigint, text, text, text)",
    "crm_search_delete(text, bigint[])",
)


def grant_execute_only(apps: Any, schema_editor: Any) -> None:
    """The application role may call the functions and nothing else on the table. crm's post_migrate
    grants DML on every table afterwards; CRM_DEFINER_ONLY_TABLES makes it revoke them again."""
    role = settings.CRM_APP_DB_ROLE
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None or role == connection.settings_dict["USER"]:
            return
        role_q = connection.ops.quote_name(role)
        cursor.execute(f"REVOKE ALL ON search_entry FROM {role_q}")
        for function in SEARCH_FUNCTIONS:
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {role_q}")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_search_extensions"),
        ("governance", "0003_field_policies"),
    ]

    operations = [
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
        migrations.RunPython(grant_execute_only, migrations.RunPython.noop),
    ]
