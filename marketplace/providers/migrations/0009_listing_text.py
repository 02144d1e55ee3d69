"""The full-text search vector moves from the listing's row to a narrow table of its own (decision 0050).

On PostgreSQL the vectors are stored out of line and uncompressed (a row of
the table is then a few dozen bytes), and the GIN index moves with them.
SQLite has no tsvector: there the table stays empty.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


def move_vectors_to_their_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE providers_listingtext SET (toast_tuple_target = 128)")
    schema_editor.execute("ALTER TABLE providers_listingtext ALTER COLUMN search_vector SET STORAGE EXTERNAL")
    schema_editor.execute(
        "INSERT INTO providers_listingtext (provider_id, search_vector) "
        "SELECT id, search_vector FROM providers_provider WHERE search_vector IS NOT NULL"
    )
    schema_editor.execute(
        "CREATE INDEX providers_listingtext_search_vector_gin ON providers_listingtext USING gin (search_vector)"
    )


def move_vectors_back(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE providers_provider SET search_vector = text.search_vector "
        "FROM providers_listingtext AS text WHERE text.provider_id = providers_provider.id"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS providers_provider_search_vector_gin ON providers_provider USING gin (search_vector)"
    )


class Migration(migrations.Migration):
    dependencies = [("providers", "0008_cqc_ratings_index")]

    operations = [
        migrations.CreateModel(
            name="ListingText",
            fields=[
                (
                    "provider",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="listing_text",
                        serialize=False,
                        to="providers.provider",
                    ),
                ),
                ("search_vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.RunPython(move_vectors_to_their_table, move_vectors_back),
        # The old GIN index (0002) goes with the column.
        migrations.RemoveField(model_name="provider", name="search_vector"),
    ]
