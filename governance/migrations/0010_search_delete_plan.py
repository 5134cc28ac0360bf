"""crm_search_delete in two statements: "object_ids IS NULL OR object_id = ANY(object_ids)" let
PL/pgSQL's cached generic plan read every entry of the type for one id (a million at the benchmark's
size: 22 s per batch of 1,000 when the benchmark removed its imported accounts, and a scan of the
tenant's entries for every record deleted)."""

from django.db import migrations

CREATE_SQL = """
CREATE OR REPLACE FUNCTION crm_search_delete(object_type text, object_ids bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_tenant bigint := nullif(current_setting('app.tenant_id', true), '')::bigint;
    v_count integer;
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'search entries are written inside a tenant scope only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Two statements, not "object_ids IS NULL OR object_id = ANY(object_ids)": the cached generic
    -- plan of that OR read every entry of the type (a million at the benchmark's size) for one id.
    IF object_ids IS NULL THEN  -- every entry of this type in the tenant (a rebuild starts with it)
        DELETE FROM search_entry e
        WHERE e.tenant_id = v_tenant AND e.object_type = crm_search_delete.object_type;
    ELSE
        DELETE FROM search_entry e
        WHERE e.tenant_id = v_tenant AND e.object_type = crm_search_delete.object_type
          AND e.object_id = ANY (object_ids);
    END IF;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$fn$;
"""

REVERSE_SQL = """
CREATE OR REPLACE FUNCTION crm_search_delete(object_type text, object_ids bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_tenant bigint := nullif(current_setting('app.tenant_id', true), '')::bigint;
    v_count integer;
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'search entries are written inside a tenant scope only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM search_entry e
    WHERE e.tenant_id = v_tenant AND e.object_type = crm_search_delete.object_type
      AND (object_ids IS NULL OR e.object_id = ANY (object_ids));
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0009_search_words_typed")]

    operations = [migrations.RunSQL(CREATE_SQL, REVERSE_SQL)]
