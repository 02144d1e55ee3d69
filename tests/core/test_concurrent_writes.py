"""Two writers at once, both orders, with a second real database connection (no threads, no flush).

The test's own connection runs inside the test transaction; a second
connection to the same test database sees only what is committed, so it works
on rows it commits itself and deletes them afterwards. Nothing here empties a
table, so the rows data migrations made stay for later tests.

On PostgreSQL: the services lock the provider row (`select_for_update`), so a
second writer waits for the first; a wait that runs out (lock_timeout) is a
database error, which the person sees as the "try again" page with their
answers kept. On SQLite: the write lock is taken when a transaction begins
(IMMEDIATE), so a second writer cannot even start one.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.urls import reverse

from marketplace.accounts.services import invitation_send
from marketplace.accreditation.models import Worker
from marketplace.accreditation.services import worker_add
from marketplace.core.models import FormSubmission
from marketplace.providers.models import Provider
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

on_postgresql = connection.vendor == "postgresql"


@pytest.fixture
def second() -> Iterator[Any]:
    """Another connection to the test database, in autocommit, as another web worker would be."""
    other = connections.create_connection("default")
    try:
        yield other
    finally:
        other.close()


def _other_connection_can(second: Any, sql: str, params: list[Any]) -> bool:
    """Whether the other connection's statement gets its lock within its lock timeout (then rolled back)."""
    with second.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute(sql, params)
        except OperationalError as error:
            if "lock timeout" not in str(error):
                raise
            return False
        finally:
            cursor.execute("ROLLBACK")
    return True


LOCK_PROVIDER = "SELECT id FROM providers_provider WHERE id = %s FOR UPDATE"
CLAIM_TOKEN = "INSERT INTO core_formsubmission (token, user_id, result_url, created_at) VALUES (%s, %s, '', now())"


def _set_lock_timeout(target: Any, milliseconds: int) -> None:
    with target.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{int(milliseconds)}ms'")


def _end(target: Any, statement: str) -> None:
    with target.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def committed_provider(second: Any) -> Iterator[Provider]:
    """A provider both connections can see; deleted by the second connection at the end."""
    if not on_postgresql:
        yield Provider(pk=None)
        return
    with second.cursor() as cursor:
        cursor.execute("SELECT 1")
    from django.db import connections as handler

    handler["second"] = second
    try:
        provider = Provider.objects.using("second").create(
            kind=Provider.Kind.MICRO_PROVIDER, name="Both Orders Care", slug="both-orders-care"
        )
        yield Provider.objects.get(pk=provider.pk)
    finally:
        Worker.objects.using("second").filter(provider_id=provider.pk).delete()
        Provider.objects.using("second").filter(pk=provider.pk).delete()
        del handler["second"]


def test_sqlite_a_second_writer_cannot_begin_while_a_transaction_is_open(second: Any) -> None:
    if on_postgresql:
        # PostgreSQL lets both begin; the row locks below decide who waits.
        with second.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("ROLLBACK")
        return
    # The test's transaction on the default connection began IMMEDIATE, so it holds the write lock.
    with pytest.raises(OperationalError, match="locked"), second.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_formsubmission (token, result_url, created_at) VALUES ('t', '', '2026-01-01')"
        )


def test_the_first_writer_adding_a_worker_holds_the_provider_until_it_commits(
    second: Any, committed_provider: Provider
) -> None:
    if not on_postgresql:
        return  # covered by the IMMEDIATE test above: SQLite writers queue at BEGIN
    _set_lock_timeout(second, 300)
    with transaction.atomic():
        worker_add(provider=committed_provider, full_name="Sam Patel")
        # The other worker's transaction cannot take the provider while ours is open.
        assert not _other_connection_can(second, LOCK_PROVIDER, [committed_provider.pk])
        transaction.set_rollback(True)
    # Ours ended (a savepoint rolled back): the lock is gone and the other writer goes ahead.
    assert _other_connection_can(second, LOCK_PROVIDER, [committed_provider.pk])


def test_a_writer_arriving_second_waits_for_the_first_then_sees_its_worker(
    second: Any, committed_provider: Provider
) -> None:
    if not on_postgresql:
        return
    with second.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT id FROM providers_provider WHERE id = %s FOR UPDATE", [committed_provider.pk])
        cursor.execute(
            "INSERT INTO accreditation_worker (provider_id, full_name, role, is_active, created_at) "
            "VALUES (%s, 'Sam Patel', '', true, now())",
            [committed_provider.pk],
        )
    _set_lock_timeout(connection, 300)
    with pytest.raises(OperationalError, match="lock timeout"):
        worker_add(provider=committed_provider, full_name="Sam Patel")  # waits for the other's lock
    _end(second, "COMMIT")

    from marketplace.accreditation.services import AccreditationError

    with pytest.raises(AccreditationError, match="already on your list"):
        worker_add(provider=committed_provider, full_name="sam patel")
    assert Worker.objects.filter(provider=committed_provider).count() == 1


def test_two_owners_inviting_the_same_person_at_once_make_one_invitation(
    second: Any, committed_provider: Provider
) -> None:
    if not on_postgresql:
        return
    owner = UserFactory()
    _set_lock_timeout(second, 300)
    with transaction.atomic():
        invitation_send(provider=committed_provider, email="new@example.org", role="staff", by=owner)
        assert not _other_connection_can(second, LOCK_PROVIDER, [committed_provider.pk])
        transaction.set_rollback(True)
    assert _other_connection_can(second, LOCK_PROVIDER, [committed_provider.pk])


def test_the_same_form_sent_twice_at_once_waits_then_lands_on_the_first_result(client: Any, second: Any) -> None:
    """Both orders of a double-click on join: the loser never creates a second draft, nor sees a 500."""
    user = UserFactory()
    client.force_login(user)
    url = reverse("providers:join")
    token = "concurrent-token-0123456789"
    answers = {"kind": "personal_assistant", "name": "Ama", "form_token": token}
    if not on_postgresql:
        # SQLite: the second request's transaction waits at BEGIN until the first commits,
        # then finds the token; here, one after the other.
        first = client.post(url, answers)
        assert client.post(url, answers)["Location"] == first["Location"]
        assert Provider.objects.filter(memberships__user=user).count() == 1
        return
    try:
        # The other request claimed the token first and has not committed: ours waits, then times out.
        with second.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(CLAIM_TOKEN, [token, user.pk])
        _set_lock_timeout(connection, 300)
        waited = client.post(url, answers)
        assert waited.status_code == 503, "the wait ran out: 'try again', with the answers kept"
        assert 'name="name" value="Ama"' in waited.content.decode()
        with second.cursor() as cursor:
            cursor.execute("UPDATE core_formsubmission SET result_url = '/provider/first/' WHERE token = %s", [token])
        _end(second, "COMMIT")

        again = client.post(url, answers)  # "Try again": the first has committed

        assert again.status_code == 302
        assert again["Location"] == "/provider/first/"
        assert not Provider.objects.filter(memberships__user=user).exists()
    finally:
        with second.cursor() as cursor:
            cursor.execute("DELETE FROM core_formsubmission WHERE token = %s", [token])
    # The other order: ours claims first (inside the test transaction), theirs waits for it.
    second_token = "concurrent-token-abcdefghij"
    client.post(url, {**answers, "form_token": second_token})
    assert FormSubmission.objects.filter(token=second_token).exists()
    _set_lock_timeout(second, 300)
    assert not _other_connection_can(second, CLAIM_TOKEN, [second_token, user.pk])
