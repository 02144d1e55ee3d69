"""Fixtures and guards shared by the whole suite."""

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connections
from pytest_django.plugin import blocking_manager_key
from wagtail.models import Site

from marketplace.accounts.models import User
from marketplace.accounts.roles import COMMISSIONERS, EDITORS
from tests.clock import FIXED_NOW
from tests.factories import UserFactory


class InternetAccessBlocked(RuntimeError):
    """A test tried to reach a host that is not this machine."""


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like never leave the machine
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it would need DNS, so it is not local


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> Iterator[None]:
    """Tests never reach the internet: every external system has a test double.

    Connections to loopback (the live server, a throwaway PostgreSQL, the
    search emulator) and Unix sockets are allowed; anything else fails loudly.
    """
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise InternetAccessBlocked(f"Tests may not connect to {address!r}; use a test double")
        return original_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise InternetAccessBlocked(f"Tests may not connect to {address!r}; use a test double")
        return original_connect_ex(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]


@pytest.fixture
def frozen_clock() -> Iterator[Any]:
    """The clock at `tests.clock.FIXED_NOW` (and ticking from there) for the whole test."""
    with time_machine.travel(FIXED_NOW, tick=True) as clock:
        yield clock


@pytest.fixture(autouse=True, scope="session")
def _wagtail_test_users_have_an_authenticator_app() -> Iterator[None]:
    """Wagtail's `WagtailTestUtils.login()` makes a superuser; give it an authenticator app.

    The site sends council staff without one to set it up before anything else
    (marketplace.accounts.middleware), as our staff factories and fixtures
    already allow for with tests.factories.TEST_TOTP_SECRET.
    """
    from wagtail.test.utils import WagtailTestUtils

    from tests.factories import give_authenticator_app

    original = WagtailTestUtils.__dict__["create_test_user"]  # a staticmethod

    def create_test_user() -> Any:
        return give_authenticator_app(original.__func__())

    WagtailTestUtils.create_test_user = staticmethod(create_test_user)  # type: ignore[method-assign,assignment]
    yield
    WagtailTestUtils.create_test_user = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache and empty per-process memos: search results, pages, routes and
    filter panels are kept by the listings version, which lives in the database each test rolls back, so a
    version could otherwise repeat."""
    from django.core.cache import cache

    from search.versioning import VersionMemo

    cache.clear()
    VersionMemo.clear_all()


@pytest.fixture
def site(db: None) -> Site:
    """The default Wagtail site created by the cms migrations."""
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def commissioner_user(db: None) -> User:
    """A member of the commissioners group (no admin permissions beyond the group's).

    With an authenticator app (tests.factories.TEST_TOTP_SECRET): the site sends
    commissioners and editors without one to set it up before anything else.
    """
    user: User = UserFactory.create(multi_factor=True)
    user.groups.add(Group.objects.get_or_create(name=COMMISSIONERS)[0])
    return user


@pytest.fixture
def editor_user(db: None) -> User:
    """A member of the editors group, with an authenticator app like commissioner_user."""
    user: User = UserFactory.create(multi_factor=True)
    user.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
    return user


@pytest.fixture
def search_on_database(settings: Any) -> None:
    """Answer searches from the database backend whatever the environment says."""
    settings.SEARCH_BACKEND = "database"


TRANSACTIONAL_FIXTURES = ("transactional_db", "live_server", "live_site", "django_db_serialized_rollback")


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return any(name in TRANSACTIONAL_FIXTURES for name in getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Put back what the migrations made once a transactional test's flush has emptied the database.

    A transactional test (a live server's, or one marked `transaction=True`)
    commits, so its teardown empties every table, the rows data migrations
    made included (the Wagtail site and pages, the staff groups, the vetting
    check types, content types). An ordinary test that follows on the same
    worker (the suite runs shuffled, in one process) would find them gone.
    Such tests ask for `serialized_rollback=True` (the live site does), which
    keeps a copy of those rows; this puts it back after every fixture's
    teardown, the flush included (and so, after the last test, not at all:
    the test database has gone by then).
    """
    result = yield
    if nextitem is not None and _is_transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            for alias in connections:
                contents = getattr(connections[alias], "_test_serialized_contents", None)
                if contents:
                    connections[alias].creation.deserialize_db_from_string(contents)
    return result
