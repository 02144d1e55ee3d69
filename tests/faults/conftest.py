"""Fixtures for the fault tests: a search server that can go down and come back, and counters of side effects."""

import socket
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from search.backends.elasticsearch import ElasticsearchSearchBackend, rebuild_index
from tests.core.test_outbox import mail_service  # noqa: F401  (the mail backend that can be down)
from tests.factories import ProviderFactory, ProviderMembershipFactory, ProviderPriceFactory, ServiceTypeFactory
from tests.search.contract.conftest import elasticsearch_settings, elasticsearch_url  # noqa: F401


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


class SearchServer:
    """The Elasticsearch (emulator) the app talks to, switched off and on by pointing the app elsewhere."""

    def __init__(self, settings: Any, url: str) -> None:
        self.settings = settings
        self.url = url

    def down(self) -> None:
        self.settings.ELASTICSEARCH_URL = closed_port_url()

    def up(self) -> None:
        self.settings.ELASTICSEARCH_URL = self.url


@pytest.fixture
def search_server(elasticsearch_settings: Any) -> SearchServer:  # noqa: F811
    elasticsearch_settings.SEARCH_BACKEND = "elasticsearch"
    elasticsearch_settings.ELASTICSEARCH_TIMEOUT = 2
    return SearchServer(elasticsearch_settings, elasticsearch_settings.ELASTICSEARCH_URL)


@pytest.fixture
def index_writes(monkeypatch: Any) -> list[int]:
    """Every provider id the search index accepted a write for, in order (failed writes are not counted)."""
    written: list[int] = []
    original = ElasticsearchSearchBackend.index_providers

    def counted(self: Any, provider_ids: list[int]) -> None:
        original(self, provider_ids)
        written.extend(provider_ids)

    monkeypatch.setattr(ElasticsearchSearchBackend, "index_providers", counted)
    return written


@pytest.fixture
def listing() -> dict[str, Any]:
    """A published listing with an owner, priced per hour, already in the search index when it is up."""
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    provider = ProviderFactory(name="Amina Hussain", slug="amina-hussain", services=[care])
    ProviderPriceFactory(provider=provider, service=care, amount=Decimal("18.00"))
    owner = ProviderMembershipFactory(provider=provider, role="owner").user
    return {"provider": provider, "owner": owner, "care": care}


@pytest.fixture
def indexed(search_server: SearchServer, listing: dict[str, Any]) -> Iterator[dict[str, Any]]:
    rebuild_index()
    return listing
