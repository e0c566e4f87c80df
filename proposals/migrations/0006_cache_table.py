"""The database cache's table (`django_cache`, settings.CACHE_TABLE), used when no Redis is
configured: made here so that `migrate` is all a new installation needs, whatever the cache
settings were when it ran."""

from django.core.management import call_command
from django.db import migrations

CACHE_TABLE = "django_cache"


def create_table(apps, schema_editor):
    call_command(
        "createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0005_session_generated")]

    operations = [migrations.RunPython(create_table, drop_table, elidable=False)]
