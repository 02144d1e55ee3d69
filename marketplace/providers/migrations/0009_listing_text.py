"""The full-text search vector moves from the listing's row to a narrow table of its own (decision 0050).

On PostgreSQL the vectors gain a word for each pair of adjacent words, are
stored out of line and uncompressed (a row of the table is then a few dozen
bytes), and the GIN index moves with them.
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
    # The vector as it was, and every pair of adjacent words as one more word (see WORDS_WITH_PAIRS_SQL).
    schema_editor.execute(
        """
        INSERT INTO providers_listingtext (provider_id, ballast, search_vector)
        SELECT provider.id, decode(repeat('00', 2048), 'hex'), provider.search_vector || COALESCE((
            SELECT array_to_tsvector(array_agg(DISTINCT first.lexeme || ' ' || second.lexeme))
            FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(provider.search_vector)) AS first
            JOIN (SELECT lexeme, unnest(positions) AS position FROM unnest(provider.search_vector)) AS second
                ON second.position = first.position + 1
        ), ''::tsvector)
        FROM providers_provider AS provider WHERE provider.search_vector IS NOT NULL
        """
    )
    schema_editor.execute(
        "CREATE INDEX providers_listingtext_search_vector_gin ON providers_listingtext USING gin (search_vector)"
    )


def move_vectors_back(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE providers_provider SET search_vector = ts_delete(text.search_vector, "
        "ARRAY(SELECT lexeme FROM unnest(text.search_vector) WHERE positions IS NULL)) "
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
                ("ballast", models.BinaryField(editable=False, null=True)),
            ],
        ),
        migrations.RunPython(move_vectors_to_their_table, move_vectors_back),
        # The old GIN index (0002) goes with the column.
        migrations.RemoveField(model_name="provider", name="search_vector"),
    ]
