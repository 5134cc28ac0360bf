"""pg_trgm and unaccent for search and duplicate detection.

Both are trusted extensions, so the owner of the database may create them. Some PostgreSQL builds
(the embedded one of `./dev`) ship without unaccent: then an `unaccent(text)` SQL function with the
same name and meaning for Latin accents stands in, so that queries are written once.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

UNACCENT = r"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent') THEN
        CREATE EXTENSION IF NOT EXISTS unaccent;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'unaccent') THEN
        CREATE FUNCTION public.unaccent(value text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $f$
            SELECT translate(
                replace(replace(replace(replace(replace(value, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'),
                'àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿžźżÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŔŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŽŹŻ',
                'aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzzAAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORRSSSTUUUUUUUUYYZZZ'
            )
        $f$;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_apikey_unique_in_tenant")]

    operations = [TrigramExtension(), migrations.RunSQL(UNACCENT, reverse_sql=migrations.RunSQL.noop)]
