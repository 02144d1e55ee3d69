"""When Elasticsearch is down or slow, search answers from the database and says so; never a 500."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import cast

import pytest

from marketplace.providers.models import Provider
from search.api import FALLBACK_NOTICE, SearchUnavailable, search_providers
from search.backends.elasticsearch import ElasticsearchSearchBackend
from search.query import ProviderSearch
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a server too slow to wait for."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


@pytest.fixture
def elasticsearch_configured(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_INDEX = "providers-fallback-test"
    settings.ELASTICSEARCH_TIMEOUT = 0.5
    return settings


def test_unreachable_server_falls_back_to_the_database_with_a_notice(elasticsearch_configured):
    elasticsearch_configured.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    ProviderFactory(name="Still findable")
    results = search_providers(ProviderSearch())
    assert [hit.provider.name for hit in results.hits] == ["Still findable"]
    assert results.backend == "database"
    assert results.notices == [FALLBACK_NOTICE]


def test_slow_server_times_out_quickly_and_falls_back(elasticsearch_configured, silent_server):
    elasticsearch_configured.ELASTICSEARCH_URL = silent_server
    ProviderFactory(name="Still findable")
    started = time.monotonic()
    results = search_providers(ProviderSearch())
    assert time.monotonic() - started < 2
    assert results.backend == "database"
    assert results.notices == [FALLBACK_NOTICE]


def test_indexing_while_down_raises_search_unavailable_so_the_update_is_kept_for_later(elasticsearch_configured):
    elasticsearch_configured.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    provider = cast(Provider, ProviderFactory())
    with pytest.raises(SearchUnavailable):
        ElasticsearchSearchBackend().index_providers([provider.pk])


def test_health_reports_an_error_without_raising(elasticsearch_configured):
    elasticsearch_configured.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    health = ElasticsearchSearchBackend().health()
    assert health["backend"] == "elasticsearch"
    assert health["status"] == "error"
    assert health["error"] == "ConnectionError"


def test_healthz_shows_search_degraded_but_the_site_healthy(elasticsearch_configured, client):
    elasticsearch_configured.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["search"]["status"] == "error"
    assert body["status"] == "degraded"


def test_missing_url_is_unavailable_not_a_crash(elasticsearch_configured):
    elasticsearch_configured.ELASTICSEARCH_URL = ""
    ProviderFactory()
    assert search_providers(ProviderSearch()).notices == [FALLBACK_NOTICE]
    assert ElasticsearchSearchBackend().health()["status"] == "error"
