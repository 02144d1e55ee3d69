"""The provider's own pages at /provider/: who may see them, and that bad input keeps what was typed."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.roles import EDITORS
from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderChangeRequest, ProviderMembership
from tests.factories import (
    ClientGroupFactory,
    DirectPaymentHolderFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
    UserFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db

PAGES = ["task_list", "about", "services", "areas", "prices", "availability", "preview", "submit"]


@pytest.fixture
def draft():
    return ProviderFactory(
        status=Provider.Status.DRAFT,
        name="Amina Hussain",
        slug="amina-hussain",
        published_at=None,
        availability_confirmed_on=None,
        taking_new_clients_confirmed_on=None,
    )


@pytest.fixture
def owner(draft):
    return ProviderMembershipFactory(provider=draft).user


def url(name, provider):
    return reverse(f"providers:{name}", args=[provider.uuid])


def user_for(role, provider, commissioner_user):
    if role == "direct_payment_holder":
        return DirectPaymentHolderFactory().user
    if role == "another_providers_user":
        return ProviderMembershipFactory().user
    if role == "own_user":
        return ProviderMembershipFactory(provider=provider, role=ProviderMembership.Role.STAFF).user
    if role == "commissioner":
        return commissioner_user
    if role == "editor":
        user = UserFactory(is_staff=True)
        user.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
        return user
    raise AssertionError(role)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_people_are_asked_to_sign_in(client, draft, page):
    response = client.get(url(page, draft))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("direct_payment_holder", 404),
        ("another_providers_user", 404),
        ("editor", 404),
        ("own_user", 200),
        ("commissioner", 200),
    ],
)
def test_only_the_providers_own_users_and_commissioners_see_its_pages(
    client, draft, commissioner_user, page, role, status
):
    client.force_login(user_for(role, draft, commissioner_user))
    assert client.get(url(page, draft)).status_code == status


@pytest.mark.parametrize("role", ["direct_payment_holder", "another_providers_user", "editor"])
def test_others_cannot_change_a_listing_by_posting(client, draft, commissioner_user, role):
    client.force_login(user_for(role, draft, commissioner_user))
    response = client.post(url("about", draft), {"name": "Taken over", "kind": "other", "action": "later"})
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.name == "Amina Hussain"


def test_someone_with_no_listing_sees_how_to_join(client):
    client.force_login(UserFactory())
    response = client.get(reverse("providers:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Join the directory" in body
    assert 'href="/provider/join/"' in body


def test_the_dashboard_lists_the_users_listings_with_their_status(client, draft, owner):
    published = ProviderFactory(name="Second Listing")
    ProviderMembershipFactory(provider=published, user=owner)
    ProviderChangeRequest.objects.create(provider=published, section="about", proposed_changes={"name": "X"})
    ProviderFactory(name="Someone Else's Listing")
    client.force_login(owner)
    body = client.get(reverse("providers:dashboard")).content.decode()
    assert "Amina Hussain" in body
    assert "Second Listing" in body
    assert "Someone Else" not in body
    assert "Draft" in body
    assert "Published" in body
    assert "Changes waiting for review" in body


def test_the_dashboard_offers_a_one_click_confirm_when_availability_is_stale(client, owner):
    stale = ProviderFactory(name="Stale Listing", availability_confirmed_on=days_ago(45))
    ProviderMembershipFactory(provider=stale, user=owner)
    client.force_login(owner)
    body = client.get(reverse("providers:dashboard")).content.decode()
    assert "Confirm my availability is still right" in body
    response = client.post(url("availability", stale), {"action": "confirm", "next": "dashboard"})
    assert response["Location"] == reverse("providers:dashboard")
    stale.refresh_from_db()
    assert stale.availability_confirmed_on == timezone.localdate()


def test_joining_makes_a_draft_and_opens_its_task_list(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("providers:join"), {"kind": "personal_assistant", "name": "Grace Obi"})
    provider = Provider.objects.get(name="Grace Obi")
    assert response["Location"] == url("task_list", provider)
    assert provider.status == Provider.Status.DRAFT
    assert provider.memberships.get().user == user
    body = client.get(response["Location"]).content.decode()
    assert "govuk-task-list" in body
    assert "Cannot start yet" in body
    assert "Incomplete" in body


def test_joining_without_a_kind_keeps_the_name_typed(client):
    client.force_login(UserFactory())
    response = client.post(reverse("providers:join"), {"name": "Grace Obi"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert '<a href="#kind">Select what kind of provider you are.</a>' in body
    assert 'value="Grace Obi"' in body
    assert not Provider.objects.exists()


def about_post(**overrides):
    data = {
        "name": "Amina Hussain",
        "kind": "personal_assistant",
        "summary": "Personal care for older people.",
        "description": "Ten years' experience.",
        "contact_email": "amina@example.org",
        "action": "continue",
    }
    data.update(overrides)
    return data


def test_save_and_continue_goes_to_the_next_task(client, draft, owner):
    client.force_login(owner)
    response = client.post(url("about", draft), about_post())
    assert response["Location"] == url("services", draft)
    draft.refresh_from_db()
    assert draft.summary == "Personal care for older people."


def test_save_and_continue_asks_for_what_the_task_needs_and_keeps_what_was_typed(client, draft, owner):
    client.force_login(owner)
    response = client.post(
        url("about", draft), about_post(summary="", contact_email="", contact_phone="", contact_name="Amina H")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#summary">Enter a summary of what you offer.</a>' in body
    assert "Enter an email address or a phone number" in body
    assert 'value="Amina H"' in body
    assert "Ten years&#x27; experience." in body
    draft.refresh_from_db()
    assert draft.contact_name == ""


def test_save_and_come_back_later_saves_part_of_a_task(client, draft, owner):
    client.force_login(owner)
    response = client.post(url("about", draft), about_post(summary="", description="", action="later"))
    assert response["Location"] == url("task_list", draft)
    draft.refresh_from_db()
    assert draft.contact_email == "amina@example.org"
    body = client.get(url("task_list", draft)).content.decode()
    assert "Your changes are saved." in body


def test_a_badly_formed_email_is_refused_even_when_saving_for_later(client, draft, owner):
    client.force_login(owner)
    response = client.post(url("about", draft), about_post(contact_email="amina-at-example", action="later"))
    body = response.content.decode()
    assert "Enter an email address in the correct format" in body
    assert 'value="amina-at-example"' in body


def test_a_change_link_from_check_answers_returns_there(client, draft, owner):
    client.force_login(owner)
    page = client.get(url("about", draft) + "?return=check").content.decode()
    assert 'name="return_to" value="check"' in page
    response = client.post(url("about", draft), about_post(return_to="check"))
    assert response["Location"] == url("submit", draft)


@pytest.fixture
def postcode():
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    return PlaceFactory(kind=Place.Kind.POSTCODE, name="WE1 2AB", lookup_key="WE12AB", locality=locality)


def test_areas_saves_a_known_postcode(client, draft, owner, postcode):
    client.force_login(owner)
    response = client.post(
        url("areas", draft),
        {"base_postcode": "we1 2ab", "localities_served": [postcode.locality.pk], "travel_radius_miles": "8"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.base_postcode, draft.locality, draft.travel_radius_miles) == ("WE1 2AB", postcode.locality, 8)


def test_areas_shows_an_unknown_postcode_beside_the_field_and_keeps_the_rest(client, draft, owner, postcode):
    client.force_login(owner)
    response = client.post(
        url("areas", draft),
        {"base_postcode": "ZZ9 9ZZ", "postcode_districts_served": "WE1 WE2", "travel_radius_miles": "8"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#base_postcode">We could not find the postcode ZZ9 9ZZ' in body
    assert 'value="ZZ9 9ZZ"' in body
    assert 'value="WE1 WE2"' in body
    assert 'value="8"' in body


def test_areas_refuses_a_travel_distance_that_is_not_a_number(client, draft, owner):
    client.force_login(owner)
    response = client.post(url("areas", draft), {"base_postcode": "", "travel_radius_miles": "ten"})
    body = response.content.decode()
    assert "Enter how far you travel as a whole number of miles" in body
    assert 'value="ten"' in body


def test_services_page_saves_the_ticked_terms(client, draft, owner):
    care, older = ServiceTypeFactory(name="Personal care"), ClientGroupFactory(name="Older people")
    client.force_login(owner)
    page = client.get(url("services", draft)).content.decode()
    assert "Personal care" in page
    assert "Older people" in page
    response = client.post(
        url("services", draft), {"services": [care.pk], "client_groups": [older.pk], "worker_genders": ["female"]}
    )
    assert response["Location"] == url("areas", draft)
    draft.refresh_from_db()
    assert list(draft.services.all()) == [care]
    assert draft.has_female_workers
    assert not draft.has_male_workers


def test_services_needs_a_service_to_continue(client, draft, owner):
    older = ClientGroupFactory()
    client.force_login(owner)
    response = client.post(url("services", draft), {"client_groups": [older.pk]})
    body = response.content.decode()
    assert '<a href="#services">Select at least one kind of support you offer.</a>' in body
    assert f'value="{older.pk}" checked' in body


def test_prices_shows_the_councils_rate_beside_a_price(client, draft, owner, site):
    from cms.models import CouncilSettings

    care = ServiceTypeFactory(name="Personal care")
    council = CouncilSettings.for_site(site)
    council.managed_service_rates.create(service=care, unit="hour", amount=Decimal("21.00"))
    council.save()
    ProviderPriceFactory(provider=draft, service=care, amount=Decimal("18.50"))
    client.force_login(owner)
    body = client.get(url("prices", draft)).content.decode()
    assert "What the council pays for managed services" in body
    assert "The council pays £21.00 an hour for this" in body
    assert 'value="18.50"' in body


def price_post(rows, action="continue"):
    data = {
        "prices-TOTAL_FORMS": str(len(rows)),
        "prices-INITIAL_FORMS": "0",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "40",
        "action": action,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"prices-{index}-{key}"] = value
    return data


def test_prices_saves_rows_and_ignores_the_blank_one(client, draft, owner):
    care = ServiceTypeFactory()
    client.force_login(owner)
    response = client.post(
        url("prices", draft),
        price_post(
            [
                {"service": care.pk, "unit": "hour", "amount": "18.50", "includes": "Travel"},
                {"service": "", "unit": "hour", "amount": "", "includes": ""},
            ]
        ),
    )
    assert response["Location"] == url("availability", draft)
    price = draft.prices.get()
    assert (price.amount, price.includes) == (Decimal("18.50"), "Travel")


def test_prices_keeps_a_bad_amount_as_typed(client, draft, owner):
    care = ServiceTypeFactory()
    client.force_login(owner)
    response = client.post(
        url("prices", draft), price_post([{"service": care.pk, "unit": "hour", "amount": "eighteen"}])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#prices-0-amount">Price 1: Enter the price in pounds and pence' in body
    assert 'value="eighteen"' in body
    assert not draft.prices.exists()


def test_prices_needs_one_price_to_continue_but_not_to_come_back_later(client, draft, owner):
    client.force_login(owner)
    blank = [{"service": "", "unit": "hour", "amount": ""}]
    assert "Add at least one price." in client.post(url("prices", draft), price_post(blank)).content.decode()
    response = client.post(url("prices", draft), price_post(blank, action="later"))
    assert response["Location"] == url("task_list", draft)


def test_prices_refuses_the_same_service_twice(client, draft, owner):
    care = ServiceTypeFactory()
    client.force_login(owner)
    rows = [{"service": care.pk, "unit": "hour", "amount": "18"}, {"service": care.pk, "unit": "hour", "amount": "19"}]
    body = client.post(url("prices", draft), price_post(rows)).content.decode()
    assert "already given a price for this service" in body
    assert not draft.prices.exists()


def test_availability_grid_is_a_labelled_checkbox_per_slot(client, draft, owner):
    client.force_login(owner)
    body = client.get(url("availability", draft)).content.decode()
    assert body.count('name="slots"') == 28
    assert '<span class="govuk-visually-hidden">Tuesday morning</span>' in body


def test_availability_saves_the_grid_and_taking_new_clients(client, draft, owner):
    client.force_login(owner)
    response = client.post(
        url("availability", draft),
        {"slots": ["tue-morning", "fri-evening"], "is_taking_new_clients": "no", "capacity_hours_per_week": "6"},
    )
    assert response["Location"] == url("task_list", draft)
    draft.refresh_from_db()
    assert draft.availability == WeeklyAvailability.from_slots(
        [(Day.TUESDAY, PartOfDay.MORNING), (Day.FRIDAY, PartOfDay.EVENING)]
    )
    assert not draft.is_taking_new_clients
    assert draft.availability_confirmed_on == timezone.localdate()


def test_availability_without_a_yes_or_no_keeps_the_ticked_slots(client, draft, owner):
    client.force_login(owner)
    response = client.post(url("availability", draft), {"slots": ["tue-morning"], "capacity_hours_per_week": "-3"})
    body = response.content.decode()
    assert "Select yes if you are taking new clients." in body
    assert "Enter the hours as a whole number from 0 to 1000." in body
    assert 'value="tue-morning" checked' in body
    draft.refresh_from_db()
    assert draft.availability_mask == 0


def test_stale_availability_is_flagged_on_the_availability_page(client, owner):
    stale = ProviderFactory(availability_confirmed_on=days_ago(31))
    ProviderMembershipFactory(provider=stale, user=owner)
    client.force_login(owner)
    body = client.get(url("availability", stale)).content.decode()
    assert "more than 30 days ago" in body
    assert "Confirm my availability is still right" in body


def test_preview_draws_the_public_profile_with_the_not_published_banner(client, draft, owner):
    client.force_login(owner)
    response = client.get(url("preview", draft))
    body = response.content.decode()
    assert "cms/provider_profile.html" in [template.name for template in response.templates]
    assert "This listing is not published" in body
    assert "Back to your listing" in body


def test_submit_is_refused_while_tasks_are_incomplete(client, draft, owner):
    draft.description = ""
    draft.save()
    client.force_login(owner)
    page = client.get(url("submit", draft)).content.decode()
    assert "You cannot send your listing yet" in page
    response = client.post(url("submit", draft))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Complete these sections before you submit" in body
    draft.refresh_from_db()
    assert draft.status == Provider.Status.DRAFT


@pytest.fixture
def complete_draft(draft, postcode):
    care, older = ServiceTypeFactory(name="Personal care"), ClientGroupFactory()
    draft.services.set([care])
    draft.client_groups.set([older])
    draft.base_postcode = "WE1 2AB"
    draft.travel_radius_miles = 5
    draft.availability_mask = WeeklyAvailability.from_slots([(Day.MONDAY, PartOfDay.MORNING)]).mask
    draft.availability_confirmed_on = timezone.localdate()
    draft.save()
    ProviderPriceFactory(provider=draft, service=care)
    return draft


def test_check_answers_lists_each_section_with_change_links(client, complete_draft, owner):
    client.force_login(owner)
    body = client.get(url("submit", complete_draft)).content.decode()
    assert f'href="{url("prices", complete_draft)}?return=check"' in body
    assert "Apply to join the council\u2019s accredited supplier list" in body
    assert "Send your listing to the council" in body


def test_submitting_a_complete_listing_sends_it_to_the_council(client, complete_draft, owner):
    client.force_login(owner)
    response = client.post(url("submit", complete_draft))
    assert response["Location"] == url("task_list", complete_draft)
    complete_draft.refresh_from_db()
    assert complete_draft.status == Provider.Status.SUBMITTED
    assert "has been sent to the council" in client.get(response["Location"]).content.decode()


def test_applying_for_accreditation_too_early_still_submits_and_says_why(client, complete_draft, owner):
    client.force_login(owner)
    response = client.post(url("submit", complete_draft), {"apply_for_accreditation": "yes"}, follow=True)
    complete_draft.refresh_from_db()
    assert complete_draft.status == Provider.Status.SUBMITTED
    assert "could not add your application for accreditation" in response.content.decode()


def test_a_published_listings_name_change_is_shown_as_waiting(client, owner):
    published = ProviderFactory(name="Live Name")
    ProviderMembershipFactory(provider=published, user=owner)
    client.force_login(owner)
    response = client.post(
        url("about", published),
        about_post(name="New Name", contact_email=published.contact_email, action="later"),
        follow=True,
    )
    body = response.content.decode()
    assert "need the council to review them" in body
    assert "Changes waiting for review" in body
    published.refresh_from_db()
    assert published.name == "Live Name"
    about_page = client.get(url("about", published)).content.decode()
    assert "Waiting for review" in about_page
    assert 'value="New Name"' in about_page


def test_the_provider_withdraws_waiting_changes(client, owner):
    published = ProviderFactory()
    ProviderMembershipFactory(provider=published, user=owner)
    change_request = ProviderChangeRequest.objects.create(
        provider=published, section="about", proposed_changes={"name": "X"}, submitted_by=owner
    )
    client.force_login(owner)
    response = client.post(reverse("providers:withdraw_change_request", args=[published.uuid, change_request.uuid]))
    assert response.status_code == 302
    change_request.refresh_from_db()
    assert change_request.status == ProviderChangeRequest.Status.WITHDRAWN


def test_another_provider_cannot_withdraw_someone_elses_changes(client, owner):
    other = ProviderFactory()
    change_request = ProviderChangeRequest.objects.create(
        provider=other, section="about", proposed_changes={"name": "X"}
    )
    mine = ProviderFactory()
    ProviderMembershipFactory(provider=mine, user=owner)
    client.force_login(owner)
    for provider in (other, mine):
        response = client.post(reverse("providers:withdraw_change_request", args=[provider.uuid, change_request.uuid]))
        assert response.status_code == 404
    change_request.refresh_from_db()
    assert change_request.is_pending


# Freshness of availability where the public reads it, and the way in from the home page.


def test_search_results_say_when_availability_was_last_confirmed_and_flag_it_when_stale(client, search_on_database):
    ProviderFactory(name="Fresh Support", availability_confirmed_on=days_ago(2))
    ProviderFactory(name="Stale Support", availability_confirmed_on=days_ago(31))
    html = client.get("/directory/").content.decode()
    fresh, stale = html.split("Fresh Support", 1)[1], html.split("Stale Support", 1)[1]
    assert f"Availability last confirmed on {days_ago(2):%-d %B %Y}" in fresh.split("app-result", 1)[0]
    stale_entry = stale.split("app-result", 1)[0]
    assert f"Availability last confirmed on {days_ago(31):%-d %B %Y}" in stale_entry
    assert "Availability not confirmed recently" in stale_entry


def test_the_home_page_invites_providers_to_join(client):
    html = client.get("/").content.decode()
    assert 'Are you a personal assistant or provider? <a class="govuk-link" href="/provider/join/">' in html


@pytest.mark.parametrize(
    ("page", "data", "message"),
    [
        ("prices", {"action": "continue"}, "Add at least one price."),  # no management form
        ("services", {"services": ["not-a-number"], "client_groups": ["999999"]}, "Select services from the list."),
        (
            "availability",
            {"slots": ["funday-morning"], "is_taking_new_clients": "maybe"},
            "Select times from the grid.",
        ),
        ("about", about_post(kind="nurse"), "Select one of the kinds listed."),
        ("areas", {"travel_radius_miles": "99999999999999999999"}, "from 1 to 100"),
    ],
)
def test_tampered_or_nonsense_input_gets_a_message_not_a_server_error(client, draft, owner, page, data, message):
    client.force_login(owner)
    response = client.post(url(page, draft), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()


def test_a_task_that_cannot_start_yet_says_why(client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("providers:join"), {"kind": "personal_assistant", "name": "Grace Obi"})
    body = client.get(response["Location"]).content.decode()

    assert "Cannot start yet" in body
    assert "Complete \N{LEFT SINGLE QUOTATION MARK}About you or your service\N{RIGHT SINGLE QUOTATION MARK}" in body
    assert "Finish every task above that is not marked (optional) first." in body


def test_a_refused_application_is_one_warning_not_a_success_beside_a_failure(client, complete_draft, owner):
    client.force_login(owner)
    response = client.post(url("submit", complete_draft), {"apply_for_accreditation": "yes"}, follow=True)
    body = response.content.decode()
    assert "govuk-notification-banner--success" not in body
    assert body.count("has been sent to the council") == 1


def test_check_and_send_does_not_offer_to_apply_again(client, complete_draft, owner):
    from marketplace.accreditation.models import Accreditation

    Accreditation.objects.create(provider=complete_draft, status=Accreditation.Status.APPLIED)
    client.force_login(owner)
    body = client.get(url("submit", complete_draft)).content.decode()
    assert "apply_for_accreditation" not in body
    assert "You have already applied to join the council" in body
