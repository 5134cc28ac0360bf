"""Search words as typed: the last word is a beginning, the others are whole words; words of one or two
letters ("du", "de", "&") do not have to match.

Measured on the benchmark's 5,000,000 entries: a company's full name as a query ("Maison Restauration
du Val") took 225 ms with every word a prefix ('du':* and 'val':* expand to thousands of words whose
lists of entries are merged), 53 ms with the last word only, 10 ms with whole words. The words left out
still count in the ranking (word similarity of the whole query).
"""

from django.db import migrations

CREATE_SQL = """
CREATE OR REPLACE FUNCTION crm_search_words(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = public, pg_temp
AS $fn$
    WITH words AS (
        SELECT word, n, max(n) OVER () AS last, max(length(word)) OVER () AS longest
        FROM regexp_split_to_table(q, '[^[:alnum:]]+') WITH ORDINALITY AS w (word, n)
        WHERE word <> ''
    )
    SELECT to_tsquery('simple'::regconfig, string_agg(word || CASE WHEN n = last THEN ':*' ELSE '' END,
                                                     ' & ' ORDER BY n))
    FROM words
    WHERE length(word) > 2 OR longest <= 2
$fn$;
"""

REVERSE_SQL = """
CREATE OR REPLACE FUNCTION crm_search_words(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = public, pg_temp
AS $fn$
    SELECT to_tsquery('simple'::regconfig, string_agg(word || ':*', ' & '))
    FROM regexp_split_to_table(q, '[^[:alnum:]]+') AS word
    WHERE word <> ''
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0008_search_words")]

    operations = [migrations.RunSQL(CREATE_SQL, REVERSE_SQL)]
