"""Provider profiles: what is shown, to whom, and what stays private."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderLocation
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
    UserFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_pages(directory_page: Any, council: Any) -> None:
    """Every test here has the directory at /directory/ and the council's settings."""


def profile_html(client: Client, provider: Any) -> str:
    response = client.get(f"/directory/{provider.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_profile_lists_what_the_provider_offers_and_where(client: Client, personal_care: Any) -> None:
    provider: Any = ProviderFactory(
        name="Priya Shah",
        services=[personal_care],
        client_groups=[ClientGroupFactory(name="Older people")],
        languages=[LanguageFactory(name="Gujarati")],
        has_female_workers=True,
        has_male_workers=True,
        postcode_districts_served="WE1 WE14",
    )
    provider.localities_served.set([LocalityFactory(name="Wendlebury")])
    provider.save()

    html = profile_html(client, provider)

    assert "<title>Priya Shah \N{EN DASH} Find care and support \N{EN DASH} Wendleshire County Council</title>" in html
    assert "<li>Personal care</li>" in html
    assert "<li>Older people</li>" in html
    assert "Gujarati" in html
    assert "Female, Male" in html
    assert "<li>Wendlebury</li>" in html
    assert "Postcode areas WE1, WE14" in html


def test_accredited_provider_has_a_green_tag_and_an_explanation(client: Client) -> None:
    provider = ProviderFactory(is_accredited=True, accredited_since=days_ago(10))

    html = profile_html(client, provider)

    assert 'govuk-tag--green">Accredited<' in html
    assert "Wendleshire County Council has checked this provider" in html
    assert "accredited supplier list" in html


def test_unaccredited_provider_says_so_and_what_to_check(client: Client) -> None:
    html = profile_html(client, ProviderFactory(is_accredited=False))

    assert 'govuk-tag--grey">Not accredited<' in html
    assert "The council has not checked this provider" in html
    assert 'govuk-tag--green">Accredited<' not in html


def test_prices_sit_beside_the_council_managed_service_rate(
    client: Client, personal_care: Any, managed_personal_care_rate: Decimal
) -> None:
    provider = ProviderFactory(services=[personal_care])
    ProviderPriceFactory(
        provider=provider, service=personal_care, amount=Decimal("21.50"), includes="Travel to you is included."
    )

    html = profile_html(client, provider)

    assert "£21.50 an hour" in html
    assert "The council pays £19.00 an hour for this when it arranges it." in html
    assert "This price is £2.50 more." in html
    assert "Travel to you is included." in html


def test_a_price_below_the_council_rate_says_how_much_less(
    client: Client, personal_care: Any, managed_personal_care_rate: Decimal
) -> None:
    provider = ProviderFactory()
    ProviderPriceFactory(provider=provider, service=personal_care, amount=Decimal("17.25"))

    assert "This price is £1.75 less." in profile_html(client, provider)


def test_weekly_availability_is_a_table_with_words_not_just_colour(client: Client) -> None:
    grid = WeeklyAvailability.from_slots([(Day.TUESDAY, PartOfDay.MORNING), (Day.SUNDAY, PartOfDay.OVERNIGHT)])
    provider = ProviderFactory(availability_mask=grid.mask, availability_confirmed_on=days_ago(3))

    html = profile_html(client, provider)

    assert '<th scope="col" class="govuk-table__header" role="columnheader">Overnight</th>' in html
    tuesday = html.split('<th scope="row" class="govuk-table__header" role="rowheader">Tuesday</th>', 1)[1].split(
        "</tr>", 1
    )[0]
    assert re.findall(r">(Available|Not available)<", tuesday) == [
        "Available",
        "Not available",
        "Not available",
        "Not available",
    ]
    sunday = html.split('<th scope="row" class="govuk-table__header" role="rowheader">Sunday</th>', 1)[1].split(
        "</tr>", 1
    )[0]
    assert re.findall(r">(Available|Not available)<", sunday)[-1] == "Available"
    # Each cell names its part of the day, for the stacked layout on a narrow screen.
    assert re.findall(r'data-label="(\w+)"', tuesday) == ["Morning", "Afternoon", "Evening", "Overnight"]
    assert f"They last confirmed their availability on {days_ago(3):%-d %B %Y}." in html
    assert "Availability not confirmed recently" not in html


def test_stale_availability_carries_a_warning(client: Client) -> None:
    provider = ProviderFactory(availability_mask=1, availability_confirmed_on=days_ago(60))

    html = profile_html(client, provider)

    assert 'class="govuk-warning-text"' in html
    assert "Availability not confirmed recently" in html


def test_capacity_and_new_clients_with_the_date_confirmed(client: Client) -> None:
    provider = ProviderFactory(
        is_taking_new_clients=False, taking_new_clients_confirmed_on=days_ago(2), capacity_hours_per_week=12
    )

    html = profile_html(client, provider)

    assert f"No, confirmed on {days_ago(2):%-d %B %Y}" in html
    assert 'govuk-tag--grey">Not taking new clients<' in html
    assert re.search(r"Hours free each week</dt>\s*<dd[^>]*>12</dd>", html)


def test_cqc_registration_and_rating_when_registered(client: Client) -> None:
    registered = ProviderFactory(
        kind=Provider.Kind.HOME_CARE_AGENCY,
        cqc_location_id="1-1234567890",
        cqc_rating=Provider.CqcRating.REQUIRES_IMPROVEMENT,
        cqc_rating_date=days_ago(100),
    )
    unregistered = ProviderFactory()

    registered_html = profile_html(client, registered)
    assert "Registered with the CQC (location 1-1234567890)" in registered_html
    assert f"Requires improvement, rated on {days_ago(100):%-d %B %Y}" in registered_html
    assert "Not registered with the CQC." in profile_html(client, unregistered)


def test_premises_are_listed_with_access_information(client: Client) -> None:
    provider = ProviderFactory(kind=Provider.Kind.DAY_SERVICE)
    ProviderLocation.objects.create(
        provider=provider,
        name="Riverside Centre",
        address_line_1="2 Mill Lane",
        town="Wendlebury",
        postcode="WE1 2AB",
        has_step_free_access=True,
    )

    html = profile_html(client, provider)

    assert "Riverside Centre" in html
    assert "2 Mill Lane<br>Wendlebury<br>WE1 2AB" in html
    assert "<li>Step-free access</li>" in html
    assert "<li>No accessible toilet</li>" in html


def test_contact_details_shown_when_the_provider_consents(client: Client) -> None:
    provider = ProviderFactory(
        has_consented_to_publish_contact=True, contact_email="asha@example.org", contact_phone="07700 900123"
    )

    html = profile_html(client, provider)

    assert 'href="mailto:asha@example.org"' in html
    assert 'href="tel:07700900123"' in html


def test_contact_details_hidden_without_consent(client: Client) -> None:
    provider = ProviderFactory(
        name="Quiet Carer",
        has_consented_to_publish_contact=False,
        contact_name="Jo Quiet",
        contact_email="private@example.org",
        contact_phone="07700 900999",
        website="https://quiet.example.org/",
    )

    html = profile_html(client, provider)

    for private in ("private@example.org", "07700 900999", "07700900999", "Jo Quiet", "quiet.example.org"):
        assert private not in html
    assert "This provider gets in touch with people through the council." in html
    assert "say you are interested in Quiet Carer" in html
    assert 'href="tel:01632960000"' in html


@pytest.mark.parametrize("status", [Provider.Status.DRAFT, Provider.Status.SUSPENDED, Provider.Status.WITHDRAWN])
def test_unpublished_profiles_are_not_found_by_the_public(client: Client, status: str) -> None:
    provider = ProviderFactory(status=status)

    response = client.get(f"/directory/{provider.slug}/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_member_of_the_provider_previews_the_unpublished_listing(client: Client) -> None:
    provider: Any = ProviderFactory(status=Provider.Status.DRAFT, name="Not Yet Live")
    user: Any = UserFactory()
    provider.memberships.create(user=user)
    client.force_login(user)

    html = profile_html(client, provider)

    assert "This listing is not published." in html


def test_unknown_provider_is_not_found(client: Client) -> None:
    assert client.get("/directory/nobody-by-this-name/").status_code == 404


def test_back_link_returns_to_the_search_the_person_came_from(client: Client) -> None:
    provider = ProviderFactory()

    came_from_search = client.get(
        f"/directory/{provider.slug}/", HTTP_REFERER="http://testserver/directory/?q=dementia&near=WE1"
    ).content.decode()
    came_from_elsewhere = client.get(
        f"/directory/{provider.slug}/", HTTP_REFERER="https://elsewhere.example/directory/?q=x"
    ).content.decode()

    assert 'href="/directory/?q=dementia&amp;near=WE1" class="govuk-back-link"' in came_from_search
    assert 'href="/directory/" class="govuk-back-link"' in came_from_elsewhere


def test_the_cqc_wording_fits_a_personal_assistant_who_gives_personal_care(client: Client) -> None:
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    assistant = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, services=[personal_care])
    micro = ProviderFactory(kind=Provider.Kind.MICRO_PROVIDER)

    assistant_html = profile_html(client, assistant)
    assert "works directly for the person they support does not register with the CQC" in assistant_html
    assert "do not give personal care do not have to" not in assistant_html
    assert "Providers who give personal care must register with the CQC" in profile_html(client, micro)
