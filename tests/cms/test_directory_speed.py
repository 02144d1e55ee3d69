"""The directory's pages run a fixed number of queries whatever the data, and their caches are never stale.

Search results and the rendered filter panel are cached by the listings version
(decision 0036): these tests check the counts on a cold and a warm cache over
two sizes of directory, and that a change through the providers' services, or
a taxonomy term edited in the admin, shows on the very next request.
"""

from datetime import date
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cms.templatetags import govuk
from marketplace.providers.models import Provider
from marketplace.providers.services import provider_change_status, provider_set_accreditation
from marketplace.providers.wagtail_hooks import refresh_provider_after_admin_save
from search.versioning import listings_changed
from tests.factories import ProviderFactory, ProviderPriceFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db

URL = "/directory/"
PAGES = [
    URL,
    f"{URL}?q=personal+care",
    f"{URL}?service=personal-care&accredited=true",
    f"{URL}?q=garden&kind=personal_assistant&sort=price&page=2",
]


@pytest.fixture(autouse=True)
def _database_search(search_on_database: None, directory_page: Any, council: Any) -> None:
    """Every test here searches the database and has the council's settings."""


@pytest.fixture
def care() -> Any:
    return ServiceTypeFactory(name="Personal care", slug="personal-care")


def add_providers(count: int, care: Any) -> None:
    for index in range(count):
        provider = ProviderFactory(
            name=f"Garden and personal care {index}", services=[care], is_accredited=bool(index % 2)
        )
        ProviderPriceFactory(provider=provider, service=care)


def queries_for(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", PAGES)
def test_a_search_page_runs_the_same_queries_for_few_listings_and_many(client: Client, care: Any, path: str) -> None:
    def cold_then_warm() -> tuple[int, int]:
        listings_changed()  # a new listings version: nothing cached for it yet
        return queries_for(client, path), queries_for(client, path)

    add_providers(45, care)
    # Wagtail's and Django's own caches (root paths, content types) are not what this measures; and the
    # per-listing memos then hold a version, whose changes each round reads from the log (decision 0053).
    client.get(path)
    cold_many, warm_many = cold_then_warm()
    Provider.objects.filter(pk__in=list(Provider.objects.values_list("pk", flat=True)[:20])).delete()
    add_providers(1, care)
    cold_some, warm_some = cold_then_warm()

    assert cold_some == cold_many
    assert warm_some == warm_many
    # A warm page reads the site, its pages, its settings, the listings version, the footer's statement
    # pages and which of the shown results can be paid online; not the listings.
    assert warm_many < cold_many
    assert warm_many <= 13


def test_a_provider_page_runs_the_same_queries_for_a_small_listing_and_a_big_one(client: Client, care: Any) -> None:
    small = ProviderFactory(services=[care])
    big = ProviderFactory(services=[care, ServiceTypeFactory(), ServiceTypeFactory()])
    for service in big.services.all():
        ProviderPriceFactory(provider=big, service=service)
    queries_for(client, f"{URL}{small.slug}/")

    def rendered(path: str) -> int:
        listings_changed()  # not from the whole-page cache: this measures the render (decision 0042)
        return queries_for(client, path)

    assert rendered(f"{URL}{small.slug}/") == rendered(f"{URL}{big.slug}/")


def test_the_home_page_runs_the_same_queries_whatever_the_listings(client: Client, care: Any) -> None:
    add_providers(2, care)
    queries_for(client, "/")
    listings_changed()  # not from the whole-page cache: this measures the render (decision 0042)
    few = queries_for(client, "/")
    add_providers(20, care)
    listings_changed()
    assert queries_for(client, "/") == few


def results_heading(client: Client, path: str) -> str:
    html = client.get(path).content.decode()
    return html.split('<h2 class="govuk-heading-m">', 2)[2].split("</h2>", 1)[0]


def accredited_label(client: Client, path: str) -> str:
    html = client.get(path).content.decode()
    return html.split('for="accredited">', 1)[1].split("</label>", 1)[0]


def test_a_change_through_the_services_shows_on_the_next_request(client: Client, care: Any) -> None:
    add_providers(4, care)  # two accredited
    assert results_heading(client, URL).startswith("4 results")
    assert accredited_label(client, URL) == "Accredited by the council (2)"

    unaccredited = Provider.objects.filter(is_accredited=False).order_by("pk").first()
    assert unaccredited is not None
    provider_set_accreditation(provider=unaccredited, is_accredited=True, since=date(2026, 1, 5))
    assert accredited_label(client, URL) == "Accredited by the council (3)"

    provider_change_status(provider=unaccredited, to_status=Provider.Status.SUSPENDED, by=None, reason="Concerns")
    assert results_heading(client, URL).startswith("3 results")
    assert accredited_label(client, URL) == "Accredited by the council (2)"


def test_a_taxonomy_term_renamed_in_the_admin_shows_in_the_filter_panel_at_once(client: Client, care: Any) -> None:
    add_providers(1, care)
    assert "Personal care (1)" in client.get(URL).content.decode()

    care.refresh_from_db()  # as the admin's form loads it, with the bit search gave it
    care.name = "Personal and intimate care"
    care.save()
    refresh_provider_after_admin_save(None, care)  # the hook Wagtail calls after an edit in the admin

    html = client.get(URL).content.decode()
    assert "Personal and intimate care (1)" in html
    assert "Personal care (1)" not in html


def fields_drawn_during(action: Any) -> list[str]:
    """The search form's fields drawn (not taken from the memo) during `action`, by name."""
    drawn: list[str] = []
    render_to_string = govuk.render_to_string

    def spy(template_name: str, context: Any = None, *args: Any, **kwargs: Any) -> str:
        drawn.append(context["field"].name)
        return render_to_string(template_name, context, *args, **kwargs)

    with mock.patch.object(govuk, "render_to_string", spy):
        action()
    return sorted(drawn)


def test_the_search_form_s_fields_are_drawn_again_only_when_the_terms_change(client: Client, care: Any) -> None:
    add_providers(1, care)
    assert "service" in fields_drawn_during(lambda: client.get(URL))

    listings_changed()  # a change that may be to every listing, which left the terms as they were

    assert fields_drawn_during(lambda: client.get(URL)) == []
    care.refresh_from_db()
    care.name = "Personal and intimate care"
    care.save()
    refresh_provider_after_admin_save(None, care)

    # The terms changed: every field is drawn again, the services' with the new name (decision 0059).
    assert "service" in fields_drawn_during(lambda: client.get(URL))
    assert "Personal and intimate care (1)" in client.get(URL).content.decode()
