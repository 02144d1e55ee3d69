"""The admin's page search on SQLite takes any words, quoted phrases included."""

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("words", ['=HYPERLINK("http://evil.example")', '"a:b"', '"it\'s"', '"a\\b"', '""'])
def test_words_with_quotes_colons_and_backslashes_are_searched_not_refused(client, editor_user, site, words):
    client.force_login(editor_user)
    response = client.get(reverse("wagtailadmin_choose_page_search"), {"q": words})
    assert response.status_code == 200


def test_a_quoted_phrase_finds_the_page_with_that_title(site):
    home = site.root_page
    home.title = "Managing your direct payment"
    home.save()

    found = list(get_search_backend().search('"direct payment"', Page.objects.all()))

    assert [page.pk for page in found] == [home.pk]
