"""Saved-search pages: saving without JavaScript, every role, hostile input, unsubscribing signed out."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.alerts.models import SavedSearch
from marketplace.alerts.services import saved_search_create, unsubscribe_token
from tests.factories import UserFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client, personal_care):
    response = client.post(reverse("alerts:save"), {"service": "personal-care", "page": "2"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert "service%3Dpersonal-care" in response.url
    assert "page" not in response.url
    assert not SavedSearch.objects.exists()


def test_after_signing_in_the_same_button_is_shown(client, owner, personal_care):
    client.force_login(owner)
    page = client.get(reverse("alerts:save") + "?service=personal-care").content.decode()
    assert '<input type="hidden" name="service" value="personal-care">' in page
    assert "Save this search" in page


def test_saving_from_the_results_page(client, owner, personal_care):
    client.force_login(owner)
    response = client.post(reverse("alerts:save"), {"service": "personal-care", "new_clients": "true"})
    assert response.url == reverse("alerts:list")
    assert SavedSearch.objects.get(user=owner).query == "new_clients=true&service=personal-care"
    assert "Personal care; taking new clients" in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    "data", [{"max_price": "-4"}, {"service": "<script>"}, {"near": "x" * 500}, {"radius": "999"}, {"day": "funday"}]
)
def test_hostile_searches_are_not_saved(client, owner, personal_care, data):
    client.force_login(owner)
    response = client.post(reverse("alerts:save"), data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert 'value="<script>' not in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_the_results_page_has_a_save_button_that_posts_the_search(client, personal_care, search_on_database):
    page = client.get("/directory/?service=personal-care&new_clients=true&page=1").content.decode()
    assert '<button type="submit" form="save-search"' in page
    form = page[page.index('<form id="save-search"') :]
    form = form[: form.index("</form>")]
    assert f'action="{reverse("alerts:save")}"' in form
    assert '<input type="hidden" name="service" value="personal-care">' in form
    assert '<input type="hidden" name="new_clients" value="true">' in form
    assert 'name="page"' not in form


def test_a_search_with_errors_has_no_save_button(client, personal_care, search_on_database):
    page = client.get("/directory/?max_price=-4").content.decode()
    assert 'form="save-search"' not in page


def test_another_person_cannot_delete_a_search(client, owner, personal_care):
    saved = saved_search_create(user=owner, data=QueryDict("service=personal-care"), now=NOW)
    client.force_login(UserFactory())
    assert client.post(reverse("alerts:delete", args=[saved.uuid])).status_code == 404
    assert client.get(reverse("alerts:list")).content.decode().count("Personal care") == 0
    client.logout()
    assert client.post(reverse("alerts:delete", args=[saved.uuid])).status_code == 302
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    client.force_login(owner)
    client.post(reverse("alerts:delete", args=[saved.uuid]))
    assert not SavedSearch.objects.exists()


def test_unsubscribe_works_signed_out_and_refuses_a_forged_link(client, owner, personal_care):
    saved = saved_search_create(user=owner, data=QueryDict("service=personal-care"), now=NOW)
    token = unsubscribe_token(saved)
    forged = client.get(reverse("alerts:unsubscribe", args=[token[:-3] + "abc"]))
    assert forged.status_code == 400
    assert "not valid" in forged.content.decode()
    saved.refresh_from_db()
    assert saved.is_active
    page = client.get(reverse("alerts:unsubscribe", args=[token]))
    assert page.status_code == 200
    saved.refresh_from_db()
    assert not saved.is_active
    client.post(reverse("alerts:resubscribe", args=[token]))
    saved.refresh_from_db()
    assert saved.is_active


def test_the_list_page_runs_a_fixed_number_of_queries(client, owner, personal_care):
    def save(count, start):
        for index in range(start, start + count):
            saved_search_create(user=owner, data=QueryDict(f"service=personal-care&q=care{index}"), now=NOW)

    def queries():
        client.get(reverse("alerts:list"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("alerts:list")).status_code == 200
        return len(captured)

    client.force_login(owner)
    save(1, 0)
    small = queries()
    save(6, 1)
    assert queries() == small
    print(f"queries: saved searches list={small}")
