"""Fixtures for the contract tests: the same searches on both backends.

The Elasticsearch backend runs against ELASTICSEARCH_URL when it is set
(scripts/with-elasticsearch.sh sets it), otherwise against an emulator this
session starts on a free local port.
"""

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from search.backends.database import DatabaseSearchBackend
from search.backends.elasticsearch import ElasticsearchSearchBackend, rebuild_index

from .emulator import running_emulator


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    configured = os.environ.get("ELASTICSEARCH_URL", "")
    if configured:
        yield configured
        return
    with running_emulator() as url:
        yield url


@pytest.fixture
def elasticsearch_settings(settings: Any, elasticsearch_url: str) -> Iterator[Any]:
    """Point the app at the test server, with an alias of its own that is removed afterwards."""
    settings.ELASTICSEARCH_URL = elasticsearch_url
    settings.ELASTICSEARCH_INDEX = f"test-providers-{uuid.uuid4().hex[:10]}"
    settings.ELASTICSEARCH_TIMEOUT = 10
    yield settings
    client = Elasticsearch(elasticsearch_url)
    # Wildcard deletes are refused by default (action.destructive_requires_name): name each index.
    for name in client.indices.get(index=f"{settings.ELASTICSEARCH_INDEX}-*", allow_no_indices=True):
        client.indices.delete(index=name)


class BackendUnderTest:
    """A backend plus how to bring its index up to date with the database."""

    def __init__(self, backend: Any, sync: Any) -> None:
        self.backend = backend
        self.name = backend.name
        self._sync = sync

    def sync(self) -> None:
        self._sync()

    def search(self, search: Any) -> Any:
        return self.backend.search(search)


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request: pytest.FixtureRequest) -> BackendUnderTest:
    if request.param == "database":
        return BackendUnderTest(DatabaseSearchBackend(), lambda: None)
    request.getfixturevalue("elasticsearch_settings")
    return BackendUnderTest(ElasticsearchSearchBackend(), rebuild_index)
