"""pg_trgm and unaccent: trusted extensions, so the owner of the database may create them."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_apikey_unique_in_tenant")]

    operations = [TrigramExtension(), UnaccentExtension()]
