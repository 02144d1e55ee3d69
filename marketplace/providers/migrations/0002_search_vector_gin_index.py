"""A GIN index on the full-text search vector, on PostgreSQL only.

SQLite has no tsvector; the database backend matches its text column there.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS providers_provider_search_vector_gin "
            "ON providers_provider USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS providers_provider_search_vector_gin")


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
