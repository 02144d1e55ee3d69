"""Keeping the Elasticsearch index current: queued after commit, idempotent, reindexed with no downtime."""

from io import StringIO
from typing import Any, cast

import pytest
from django.core.management import call_command
from elasticsearch import Elasticsearch

from marketplace.providers.models import Provider
from marketplace.providers.services import provider_change_status
from search.api import FALLBACK_NOTICE, SearchUnavailable, search_providers
from search.backends.elasticsearch import (
    ElasticsearchSearchBackend,
    get_client,
    index_action,
    indices_behind_alias,
    rebuild_index,
)
from search.documents import provider_documents
from search.query import ProviderSearch
from tests.factories import ProviderFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def es(elasticsearch_settings: Any) -> Any:
    elasticsearch_settings.SEARCH_BACKEND = "elasticsearch"
    return elasticsearch_settings


def make_provider(**fields: Any) -> Provider:
    return cast(Provider, ProviderFactory(**fields))


def found(search: ProviderSearch | None = None) -> list[str]:
    return sorted(hit.provider.name for hit in ElasticsearchSearchBackend().search(search or ProviderSearch()).hits)


def test_suspending_a_listing_removes_it_from_results_once_committed(es, django_capture_on_commit_callbacks):
    kept = make_provider(name="Kept")
    gone = make_provider(name="Gone")
    rebuild_index()
    assert found() == ["Gone", "Kept"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        provider_change_status(provider=gone, to_status=Provider.Status.SUSPENDED, by=None, reason="Complaint")
    # Nothing is sent to the index until the transaction commits, but the page
    # is loaded from the database, which never shows a suspended listing.
    before = ElasticsearchSearchBackend().search(ProviderSearch())
    assert before.total == 2
    assert [hit.provider.name for hit in before.hits] == ["Kept"]
    assert len(callbacks) == 1
    callbacks[0]()
    results = ElasticsearchSearchBackend().search(ProviderSearch())
    assert [hit.provider.name for hit in results.hits] == ["Kept"]
    assert results.total == 1
    assert kept.pk != gone.pk


def test_republishing_puts_it_back(es, django_capture_on_commit_callbacks):
    provider = make_provider(name="Returning", status=Provider.Status.SUSPENDED)
    rebuild_index()
    assert found() == []
    with django_capture_on_commit_callbacks(execute=True):
        provider_change_status(provider=provider, to_status=Provider.Status.PUBLISHED, by=None)
    assert found() == ["Returning"]


def test_indexing_is_idempotent_and_an_older_state_never_wins(es):
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    provider = make_provider(name="Versioned", services=[care])
    backend = ElasticsearchSearchBackend()
    backend.index_providers([provider.pk])
    backend.index_providers([provider.pk])
    assert ElasticsearchSearchBackend().search(ProviderSearch()).total == 1
    # A late task carrying an older state of the row is refused by the index.
    stale_action = index_action(next(provider_documents([provider.pk])), "unused")
    stale_action["version"] -= 300_000_000
    stale_action["_source"]["services"] = []
    client = get_client()
    with pytest.raises(Exception, match="version_conflict"):
        client.index(
            index=es.ELASTICSEARCH_INDEX,
            id=str(provider.pk),
            document=stale_action["_source"],
            version=stale_action["version"],
            version_type="external_gte",
        )
    assert found(ProviderSearch(services=("personal-care",))) == ["Versioned"]


def test_deleted_rows_are_removed(es):
    provider = make_provider(name="Deleted later")
    rebuild_index()
    provider_id = provider.pk
    provider.delete()
    ElasticsearchSearchBackend().index_providers([provider_id])
    assert ElasticsearchSearchBackend().search(ProviderSearch()).total == 0


def test_reindex_builds_a_new_index_and_swaps_the_alias(es):
    ProviderFactory(name="First")
    first = rebuild_index()
    assert indices_behind_alias(get_client()) == [first["index"]]
    ProviderFactory(name="Second")
    second = rebuild_index()
    assert second["replaced"] == [first["index"]]
    assert indices_behind_alias(get_client()) == [second["index"]]
    client = Elasticsearch(es.ELASTICSEARCH_URL)
    assert not client.indices.exists(index=first["index"])
    assert found() == ["First", "Second"]


def test_search_reindex_command_reports_throughput(es):
    ProviderFactory.create_batch(3)
    out = StringIO()
    call_command("search_reindex", "--no-progress", stdout=out, stderr=StringIO())
    assert "Indexed 3 providers" in out.getvalue()
    assert "providers/s" in out.getvalue()
    assert ElasticsearchSearchBackend().search(ProviderSearch()).total == 3


def test_search_before_any_index_exists_falls_back_to_the_database(es):
    ProviderFactory(name="Only in the database")
    with pytest.raises(SearchUnavailable):
        ElasticsearchSearchBackend().search(ProviderSearch())
    results = search_providers(ProviderSearch())
    assert results.backend == "database"
    assert results.notices == [FALLBACK_NOTICE]


def test_health_reports_the_cluster_and_document_count(es):
    ProviderFactory()
    rebuild_index()
    health = ElasticsearchSearchBackend().health()
    assert health["status"] == "ok"
    assert health["documents"] == 1
