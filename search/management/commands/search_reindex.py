"""Rebuild the Elasticsearch index from the database with no downtime.

    python manage.py search_reindex [--batch-size N] [--keep-old] [--no-progress]

Builds a new versioned index, bulk-loads every published provider into it
(with a progress bar), then moves the alias to it in one atomic step and
deletes the index it replaced. Searches answer from the old index until the
swap. Prints the throughput and the size of the new index.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from elasticsearch import ApiError, TransportError
from tqdm import tqdm

from marketplace.providers.models import Provider
from search.api import SearchUnavailable
from search.backends.elasticsearch import BULK_CHUNK_SIZE, rebuild_index


class Command(BaseCommand):
    help = "Rebuild the Elasticsearch provider index and swap the alias to it with no downtime."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BULK_CHUNK_SIZE, help="providers loaded per batch")
        parser.add_argument("--keep-old", action="store_true", help="keep the replaced index instead of deleting it")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ELASTICSEARCH_URL:
            raise CommandError("Set ELASTICSEARCH_URL to the Elasticsearch server to reindex.")
        total = Provider.objects.published().count()
        with tqdm(
            total=total, unit="provider", desc="Indexing", disable=options["no_progress"], file=self.stderr
        ) as bar:
            try:
                stats = rebuild_index(
                    batch_size=options["batch_size"], on_progress=bar.update, keep_old=options["keep_old"]
                )
            except (ApiError, TransportError, SearchUnavailable) as error:
                raise CommandError(f"Elasticsearch could not be reindexed: {error}") from error
            except RuntimeError as error:
                raise CommandError(str(error)) from error
        seconds = stats["seconds"]
        rate = stats["documents"] / seconds if seconds else 0.0
        self.stdout.write(
            f"Indexed {stats['documents']} providers into {stats['index']} in {seconds:.2f} s "
            f"({rate:,.0f} providers/s); index size {stats['size_bytes'] / 1_048_576:.1f} MiB"
        )
        replaced = ", ".join(stats["replaced"]) or "nothing"
        self.stdout.write(
            f"Alias {stats['alias']} now points at {stats['index']} (replaced {replaced}; "
            f"{stats['caught_up']} changed during the load indexed again)"
        )
