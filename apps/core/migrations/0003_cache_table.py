# The table of the database cache (API throttle counters when REDIS_URL is not set). Made whatever the
# cache setting is now, so that unsetting REDIS_URL later needs no `createcachetable`.

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "claimtrack_cache"  # settings.CACHES' LOCATION for the database cache


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):

    dependencies = [("core", "0002_search")]

    operations = [migrations.RunPython(create, drop)]
