"""An FTS5 index of listings' search words, on SQLite only (the embedded default).

PostgreSQL searches its tsvector column instead (migration 0002).
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from search.sqlite_fts import create_index

        create_index(schema_editor)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from search.sqlite_fts import drop_index

        drop_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("providers", "0004_search_covering_index")]

    operations = [migrations.RunPython(create_index, drop_index)]
