"""The directory's results page: errors, kept values, tags, facets, paging."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.providers.models import Provider
from tests.factories import PlaceFactory, ProviderFactory, ProviderPriceFactory, ServiceTypeFactory, days_ago

pytestmark = pytest.mark.django_db

URL = "/directory/"


@pytest.fixture(autouse=True)
def _database_search(search_on_database: None, directory_page: Any, council: Any) -> None:
    """Every test here searches the database and has the council's settings."""


def error_summary_links(html: str) -> list[str]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]+)">', summary)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("near=Atlantis", "near", "We could not find a town or village called “Atlantis”"),
        ("max_price=-1", "max_price", "Maximum price must be more than £0."),
        ("day=funday", "day", "Choose a day from the list."),
        ("sort=distance", "near", "Enter a postcode or town to sort by distance."),
    ],
)
def test_bad_input_shows_an_error_summary_linking_to_the_field(
    client: Client, query: str, field: str, message: str
) -> None:
    response = client.get(f"{URL}?{query}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem with your search" in html
    assert f"#{field}" in error_summary_links(html)
    assert f'id="{field}-error" class="govuk-error-message"' in html
    assert message in html
    assert re.search(r"<title>Error: ", html)


def test_a_page_that_is_not_a_number_is_an_error_with_a_way_back_to_page_one(client: Client) -> None:
    response = client.get(f"{URL}?page=abc&near=&kind=personal_assistant")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Page must be a whole number." in html
    assert 'href="?near=&amp;kind=personal_assistant">Go to the first page of results' in html


def test_values_typed_are_kept_in_the_form_when_there_are_errors(client: Client) -> None:
    response = client.get(f"{URL}?near=Atlantis&max_price=-1&q=dementia&day=mon&day=funday&accredited=true")

    html = response.content.decode()
    assert 'name="near" type="text" value="Atlantis"' in html
    assert 'id="near" name="near"' in html
    assert 'class="govuk-input govuk-input--error" id="near"' in html
    assert 'name="max_price" type="text" value="-1"' in html
    assert 'name="q" type="text" value="dementia"' in html
    assert re.search(r'id="day" name="day" type="checkbox" value="mon" checked', html)
    assert re.search(r'id="accredited" name="accredited" type="checkbox" value="true" checked', html)
    assert "Correct the problems above to see providers." in html


def test_results_say_which_providers_are_accredited_and_which_are_not(client: Client) -> None:
    ProviderFactory(name="Asha Patel", is_accredited=True)
    ProviderFactory(name="Ben Okafor", is_accredited=False)

    html = client.get(URL).content.decode()

    asha, ben = html.split("Asha Patel", 1)[1], html.split("Ben Okafor", 1)[1]
    assert re.search(r'govuk-tag--green">Accredited<', asha.split("app-result")[0])
    assert re.search(r'govuk-tag--grey">Not accredited<', ben.split("app-result")[0])
    assert "2 results" in html


def test_results_show_new_clients_stale_availability_distance_and_price(client: Client) -> None:
    place = PlaceFactory(name="Wendlebury", latitude=52.6, longitude=-1.1)
    service = ServiceTypeFactory(name="Personal care", slug="personal-care")
    full: Any = ProviderFactory(
        name="Full Up Care",
        is_taking_new_clients=False,
        availability_confirmed_on=days_ago(90),
        latitude=place.latitude + 0.03,
        longitude=place.longitude,
        services=[service],
    )
    ProviderPriceFactory(provider=full, service=service, amount=Decimal("18.00"))

    html = client.get(f"{URL}?near=Wendlebury&service=personal-care").content.decode()

    assert "1 result near Wendlebury" in html
    assert "Not taking new clients" in html
    assert "Availability not confirmed recently" in html
    assert "2.1 miles away" in html
    assert "From £18.00 an hour" in html
    assert 'href="/directory/' + full.slug + '/"' in html
    assert "<title>1 result near Wendlebury \N{EN DASH} Search the directory \N{EN DASH} Find care and support" in html


def test_fresh_available_provider_has_no_stale_tag(client: Client) -> None:
    ProviderFactory(name="Fresh Support", is_taking_new_clients=True, availability_confirmed_on=days_ago(1))

    html = client.get(URL).content.decode()

    assert "Taking new clients" in html
    assert "Not taking new clients" not in html
    assert "Availability not confirmed recently" not in html


def test_filter_labels_carry_facet_counts_and_chosen_boxes_stay_ticked(client: Client) -> None:
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    respite = ServiceTypeFactory(name="Respite and short breaks", slug="respite")
    ProviderFactory(services=[personal_care, respite], is_accredited=True)
    ProviderFactory(services=[personal_care])
    ProviderFactory(services=[respite])

    html = client.get(f"{URL}?service=personal-care").content.decode()

    assert re.search(r'value="personal-care" checked>\s*<label[^>]*>Personal care \(2\)</label>', html)
    assert re.search(r'value="respite">\s*<label[^>]*>Respite and short breaks \(1\)</label>', html)
    assert re.search(r">Personal assistant \(2\)</label>", html)
    assert re.search(r">Accredited by the council \(1\)</label>", html)


def test_unpublished_providers_are_not_listed(client: Client) -> None:
    ProviderFactory(name="Draft Daycare", status=Provider.Status.DRAFT)
    ProviderFactory(name="Listed Daycare")

    html = client.get(URL).content.decode()

    assert "Listed Daycare" in html
    assert "Draft Daycare" not in html


def test_results_are_paged_with_gov_uk_pagination(client: Client, settings: Any) -> None:
    settings.SEARCH_PAGE_SIZE = 2
    for name in ("Ann", "Bea", "Cal", "Dee", "Eve"):
        ProviderFactory(name=name)

    html = client.get(f"{URL}?page=2").content.decode()

    assert '<nav class="govuk-pagination" aria-label="Results pages">' in html
    assert 'href="?page=1" rel="prev"' in html
    assert 'href="?page=3" rel="next"' in html
    assert re.search(r'aria-label="Page 2" aria-current="page"', html)
    assert "Showing 3 to 4 of 5" in html
    assert "5 results, page 2 of 3 \N{EN DASH} " in html


def test_a_page_past_the_end_says_so_and_links_to_page_one(client: Client) -> None:
    ProviderFactory()

    response = client.get(f"{URL}?page=7&kind=personal_assistant")

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no page 7 of these results." in html
    assert 'href="?page=1&amp;kind=personal_assistant">Go to page 1 of the results' in html


def test_no_results_suggests_what_to_try(client: Client) -> None:
    ProviderFactory(name="Someone Else")

    html = client.get(f"{URL}?q=zzzzzz").content.decode()

    assert "0 results for \N{LEFT SINGLE QUOTATION MARK}zzzzzz\N{RIGHT SINGLE QUOTATION MARK}" in html
    assert "No providers match your search." in html
    assert "check the spelling" in html


def test_search_notices_are_shown(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from cms import directory
    from search.query import SearchResults

    def search_with_notice(search: Any, **options: Any) -> SearchResults:
        return SearchResults(
            hits=[], total=0, page=1, page_size=20, notices=["Search is running in a simpler mode just now."]
        )

    monkeypatch.setattr(directory, "search_providers", search_with_notice)

    html = client.get(URL).content.decode()

    assert '<div class="govuk-inset-text">Search is running in a simpler mode just now.</div>' in html


# Words that name a service mean the service -------------------------------------


def test_words_naming_a_service_find_providers_offering_it_and_say_so(client: Client) -> None:
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    domestic = ServiceTypeFactory(name="Domestic help", slug="domestic-help")
    offers = ProviderFactory(name="Offers Care", services=[personal_care])
    ProviderFactory(name="Mentions Care", services=[domestic], summary="No personal care, but help about the house.")

    html = client.get(f"{URL}?q=personal+care").content.decode()

    assert "1 result offering personal care" in html
    assert offers.name in html
    assert "Mentions Care" not in html
    quoted = "\N{LEFT SINGLE QUOTATION MARK}personal care\N{RIGHT SINGLE QUOTATION MARK}"
    assert f"{quoted} is a service, so these results all offer personal care" in html
    assert 'href="?q=personal+care&amp;match=words"' in html


def test_searching_the_words_instead_finds_every_mention(client: Client) -> None:
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    domestic = ServiceTypeFactory(name="Domestic help", slug="domestic-help")
    ProviderFactory(name="Offers Care", services=[personal_care])
    ProviderFactory(name="Mentions Care", services=[domestic], summary="No personal care, but help about the house.")

    html = client.get(f"{URL}?q=personal+care&match=words").content.decode()

    assert "2 results for \N{LEFT SINGLE QUOTATION MARK}personal care\N{RIGHT SINGLE QUOTATION MARK}" in html
    assert "is a service, so" not in html
    assert '<input type="hidden" name="match" value="words">' in html


def test_a_synonym_or_part_of_a_service_name_names_it(client: Client) -> None:
    respite = ServiceTypeFactory(name="Respite and short breaks", slug="respite-and-short-breaks")
    ProviderFactory(name="Break Givers", services=[respite])
    ProviderFactory(name="Mentions Only", summary="We used to offer respite.")

    html = client.get(f"{URL}?q=short+break").content.decode()

    assert "1 result offering respite and short breaks" in html
    assert "Mentions Only" not in html


def test_from_prices_and_the_price_sort_use_the_named_service(client: Client) -> None:
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    domestic = ServiceTypeFactory(name="Domestic help", slug="domestic-help")
    cheap_cleaner: Any = ProviderFactory(name="Cheap Cleaner", services=[personal_care, domestic])
    ProviderPriceFactory(provider=cheap_cleaner, service=domestic, amount=Decimal("12.00"))
    ProviderPriceFactory(provider=cheap_cleaner, service=personal_care, amount=Decimal("24.00"))
    carer: Any = ProviderFactory(name="Steady Carer", services=[personal_care])
    ProviderPriceFactory(provider=carer, service=personal_care, amount=Decimal("19.00"))

    html = client.get(f"{URL}?q=personal+care&sort=price").content.decode()

    assert "From £12.00" not in html
    assert html.index("Steady Carer") < html.index("Cheap Cleaner")
    assert "From £19.00 an hour" in html
    assert "From £24.00 an hour" in html


def test_the_open_data_filters_still_match_words_as_words() -> None:
    from django.http import QueryDict

    from marketplace.openreferral.filters import OpenReferralFilterSet

    ServiceTypeFactory(name="Personal care", slug="personal-care")
    filterset = OpenReferralFilterSet(
        QueryDict("search=personal+care&q=personal+care"), queryset=Provider.objects.none()
    )
    assert filterset.form.is_valid(), filterset.form.errors
    search = filterset.search_query()

    assert search.services == ()
    assert search.named_service == ""
    assert search.text == "personal care personal care"


# Phones: results first, filters folded, a skip link --------------------------------


def test_filters_fold_behind_a_filter_results_control_before_the_results(client: Client) -> None:
    ProviderFactory(name="Any Provider")

    html = client.get(URL).content.decode()

    assert '<a href="#results" class="govuk-skip-link" data-module="govuk-skip-link">Skip to results</a>' in html
    details = html.index('<details class="govuk-details govuk-grid-column-one-third app-filters-toggle">')
    assert "<details" in html[details : details + 100]
    assert " open" not in html[details : details + 100]
    assert html.index("Filter results</span></summary>") < html.index('id="results"')


def test_a_result_names_its_locality_as_an_area_not_as_where_it_is_based(client: Client) -> None:
    from tests.factories import LocalityFactory

    ProviderFactory(name="Pennock Helper", locality=LocalityFactory(name="Dunmere"), summary="PA based in Pennock.")

    html = client.get(URL).content.decode()

    assert "Personal assistant, in the Dunmere area" in html
    assert "based in Dunmere" not in html
