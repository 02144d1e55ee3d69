"""A busy or unreachable database gets a "try again" page (503) that keeps what was typed, never the 500 page."""

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _locked(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
        raise OperationalError("database is locked")
    return execute(sql, params, many, context)


def _every_query_fails(execute, sql, params, many, context):
    raise OperationalError("database is locked")


def test_sqlite_takes_the_write_lock_when_a_transaction_begins():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor == "sqlite":
        assert options["transaction_mode"] == "IMMEDIATE"
        assert options["timeout"] >= 5
    else:
        assert "transaction_mode" not in options


def test_a_form_post_meeting_a_locked_database_gets_a_503_page_that_sends_the_same_answers_again(client):
    client.force_login(UserFactory())
    url = reverse("providers:join")
    answers = {"kind": "personal_assistant", "name": 'Ama <Mensah> & "Sons"'}

    with connection.execute_wrapper(_locked):
        response = client.post(url, answers)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "The service is busy" in html
    assert f'action="{url}"' in html
    assert '<input type="hidden" name="kind" value="personal_assistant">' in html
    assert '<input type="hidden" name="name" value="Ama &lt;Mensah&gt; &amp; &quot;Sons&quot;">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Try again" in html
    assert "Sorry, there is a problem" not in html


def test_a_page_meeting_a_locked_database_says_try_again_with_a_link():
    client = Client(raise_request_exception=False)  # the session read fails in a middleware
    client.force_login(UserFactory())
    with connection.execute_wrapper(_every_query_fails):
        response = client.get("/provider/join/?x=1")

    assert response.status_code == 503
    html = response.content.decode()
    assert 'href="/provider/join/?x=1"' in html
    assert "<form" not in html


def test_a_json_client_gets_503_json():
    client = Client(HTTP_ACCEPT="application/json")
    with connection.execute_wrapper(_every_query_fails):
        response = client.get("/openreferral/services")

    assert response.status_code == 503
    assert response.json()["error"] == "busy"


def test_a_database_error_outside_a_view_gets_the_busy_page_too():
    """handler500 sees the exception: a session save failing in a middleware is still a 503."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    session = client.session
    session["x"] = "y"
    session.save()

    with connection.execute_wrapper(_every_query_fails):
        response = client.get("/provider/")

    assert response.status_code == 503
    assert "The service is busy" in response.content.decode()


def test_any_other_error_still_gets_the_plain_500_page(monkeypatch):
    from marketplace.core import errors

    monkeypatch.setattr(errors, "is_database_busy", lambda error: False)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    with connection.execute_wrapper(_every_query_fails):
        response = client.get("/provider/join/")

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
