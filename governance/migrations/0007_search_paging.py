"""Global search in pages: `crm_search_page(q, types, lim, skip)` returns the ranked candidates from
`skip` on, so that `governance.search.search()` can ask for the next candidates when the member may
see too few of the first ones (the best matches of a tenant can all be someone else's records).

Same guarantees as `crm_search` (0004): SECURITY DEFINER, a fixed search_path, the tenant taken from
`app.tenant_id` only (nothing outside a tenant scope), executable by the application role only.
"""

from typing import Any

from django.conf import settings
from django.db import migrations

TENANT = "nullif(current_setting('app.tenant_id', true), '')::bigint"

CREATE_SQL = f"""
CREATE FUNCTION crm_search_page(q text, types text[], lim integer, skip integer)
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
        -- The order of crm_search, total (object_id last), so that pages neither overlap nor skip.
        ORDER BY 5 DESC, length(e.text), e.object_id
        LIMIT least(greatest(coalesce(lim, 50), 1), 2000)
        OFFSET greatest(coalesce(skip, 0), 0);
END
$fn$;

REVOKE ALL ON FUNCTION crm_search_page(text, text[], integer, integer) FROM PUBLIC;
"""  # noqa: S608 - constant SQL, no user input

DROP_SQL = "DROP FUNCTION IF EXISTS crm_search_page(text, text[], integer, integer);"


def grant_execute(apps: Any, schema_editor: Any) -> None:
    role = settings.CRM_APP_DB_ROLE
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None or role == connection.settings_dict["USER"]:
            return
        role_q = connection.ops.quote_name(role)
        cursor.execute(f"GRANT EXECUTE ON FUNCTION crm_search_page(text, text[], integer, integer) TO {role_q}")


class Migration(migrations.Migration):
    dependencies = [("governance", "0006_field_rules")]

    operations = [
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
        migrations.RunPython(grant_execute, migrations.RunPython.noop),
    ]
