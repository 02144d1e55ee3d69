"""bench_pages' cold rows: distinct valid searches for wrk to rotate through, and a session the server can read."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import QueryDict

from marketplace.alerts.selectors import search_filterset
from search.management.commands.bench_pages import COLD_SEARCHES, Command, rotation_script, status_of
from tests.factories import ClientGroupFactory, LanguageFactory, ProviderFactory, ServiceTypeFactory


@pytest.mark.django_db
def test_cold_searches_are_distinct_valid_directory_searches():
    for index in range(3):
        ServiceTypeFactory(slug=f"service-{index}", name=f"Service {index}")
        ClientGroupFactory(slug=f"group-{index}", name=f"Group {index}")
        LanguageFactory(slug=f"language-{index}", name=f"Language {index}")

    searches = Command().cold_searches()

    assert len(searches) == min(3 * COLD_SEARCHES, 3 * 4 * 4 * 8 * 5 * 2)
    assert len(set(searches)) == len(searches)
    assert searches == Command().cold_searches()  # the same order every run
    for path in searches[:50]:
        assert path.startswith("/directory/?service=")
        assert search_filterset(QueryDict(path.partition("?")[2])).is_valid(), path


@pytest.mark.django_db
def test_the_three_cold_rows_rotate_through_different_searches_even_for_a_small_taxonomy():
    ServiceTypeFactory(slug="only-service", name="Only service")
    ProviderFactory()

    rows = [page for page in Command().pages("") if page.rotate]

    assert len(rows) == 3
    assert all(page.rotate for page in rows)
    assert sum(len(page.rotate) for page in rows) == len({path for page in rows for path in page.rotate})
    assert sum(len(page.rotate) for page in rows) == len(Command().cold_searches())
    assert [(page.changes_every_listing, page.keeps_version) for page in rows] == [
        (True, False),
        (False, False),
        (False, True),
    ]


@pytest.mark.django_db
def test_a_change_to_one_listing_is_logged_as_that_listing_and_one_to_every_listing_as_none():
    from search.models import ListingsChange
    from search.versioning import listings_version

    first, second = ProviderFactory(), ProviderFactory()

    Command.change_listings(every=False)
    one = ListingsChange.objects.get(token=listings_version())
    Command.change_listings(every=True)
    every = ListingsChange.objects.get(token=listings_version())

    assert one.provider_ids == [min(first.pk, second.pk)]
    assert every.provider_ids is None


@pytest.mark.django_db
def test_the_shortlist_session_is_stored_with_the_listing():
    provider = ProviderFactory()

    key = Command().shortlist_session(provider.slug)

    assert SessionStore(session_key=key).load() == {"support_shortlist": [str(provider.uuid)]}


def test_the_rotation_script_gives_each_wrk_thread_its_own_share_of_the_paths():
    script = rotation_script(['/directory/?q="x"', "/directory/?service=a"], threads=2)

    assert '"/directory/?q=\\"x\\""' in script
    assert re.search(r"position = position \+ 2\b", script)
    assert 'thread:set("id", started)' in script


@pytest.mark.django_db
def test_on_a_shared_database_queries_are_counted_without_a_new_listings_version():
    from django.test import Client

    from search.management.commands.bench_pages import FLOOR, Page
    from search.versioning import listings_changed, listings_version

    ProviderFactory()  # the default new version is a change to a listing
    before = listings_changed()
    cold, warm = Command().queries(Client(), Page(FLOOR, "/openreferral/"), new_version=False)

    assert (cold, warm) == (-1, 0)
    assert listings_version() == before
    assert Command().queries(Client(), Page(FLOOR, "/openreferral/"))[0] == 0  # a new version by default
    assert listings_version() != before


class _Answers(BaseHTTPRequestHandler):
    """A server that is busy at /busy and answers every other page."""

    def do_GET(self) -> None:
        busy = self.path == "/busy"
        self.send_response(503 if busy else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_page_that_answered_errors_is_asked_once_more_for_its_status():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert status_of(f"{base}/busy", "") == "503 Service Unavailable"
        assert status_of(f"{base}/", "sessionid=abc") == "200"
    finally:
        server.shutdown()
        server.server_close()
    # The server gone: why there is no answer, not an exception that would lose the table.
    assert status_of(f"{base}/", "").startswith("no answer (")
