"""Onboarding services: a draft listing, each task's write, derived task status, submitting."""

import datetime
from decimal import Decimal

import pytest

from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderMembership, ProviderStatusChange
from marketplace.providers.selectors import (
    TaskStatus,
    provider_incomplete_required_tasks,
    provider_onboarding_tasks,
)
from marketplace.providers.services import (
    PriceInput,
    ProviderError,
    ProviderFieldError,
    provider_confirm_availability,
    provider_create_draft,
    provider_save_availability,
    provider_submit_for_review,
    provider_update_about,
    provider_update_areas,
    provider_update_prices,
    provider_update_services,
)
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    LocalityFactory,
    PlaceFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TUESDAY_MORNING = WeeklyAvailability.from_slots([(Day.TUESDAY, PartOfDay.MORNING)])


def about_values(**overrides):
    values = {
        "name": "Amina Hussain",
        "kind": Provider.Kind.PERSONAL_ASSISTANT,
        "summary": "Personal care and company for older people in Wendlebury.",
        "description": "Ten years supporting older people at home.",
        "contact_name": "Amina",
        "contact_email": "amina@example.org",
        "contact_phone": "",
        "website": "",
        "has_consented_to_publish_contact": True,
    }
    values.update(overrides)
    return values


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def draft(owner):
    return provider_create_draft(by=owner, kind=Provider.Kind.PERSONAL_ASSISTANT, name="Amina Hussain")


@pytest.fixture
def wendlebury_postcode():
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    return PlaceFactory(
        kind=Place.Kind.POSTCODE,
        name="WE1 2AB",
        lookup_key="WE12AB",
        latitude=52.61,
        longitude=-1.12,
        locality=locality,
    )


def complete_every_task(provider, owner, postcode_place):
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    older = ClientGroupFactory(name="Older people", slug="older-people")
    provider_update_about(provider=provider, by=owner, **about_values())
    provider_update_services(
        provider=provider,
        by=owner,
        services=[care],
        client_groups=[older],
        specialisms=[],
        languages=[],
        has_female_workers=True,
        has_male_workers=False,
        has_non_binary_workers=False,
    )
    provider_update_areas(
        provider=provider,
        by=owner,
        base_postcode="we1 2ab",
        localities_served=[postcode_place.locality],
        postcode_districts_served="",
        travel_radius_miles=None,
    )
    provider_update_prices(
        provider=provider, by=owner, prices=[PriceInput(service=care, unit="hour", amount=Decimal("18.50"))]
    )
    provider_save_availability(
        provider=provider,
        by=owner,
        availability=TUESDAY_MORNING,
        is_taking_new_clients=True,
        capacity_hours_per_week=10,
        capacity_places_per_day=None,
    )


def test_a_draft_is_created_with_its_creator_as_owner(owner, draft):
    assert draft.status == Provider.Status.DRAFT
    assert draft.slug == "amina-hussain"
    membership = ProviderMembership.objects.get(provider=draft)
    assert (membership.user, membership.role) == (owner, ProviderMembership.Role.OWNER)


def test_two_drafts_with_the_same_name_get_different_addresses(owner, draft):
    second = provider_create_draft(by=UserFactory(), kind=Provider.Kind.PERSONAL_ASSISTANT, name="Amina  Hussain")
    assert second.name == "Amina Hussain"
    assert second.slug == "amina-hussain-2"


@pytest.mark.parametrize(
    ("kind", "name", "field"),
    [("personal_assistant", "   ", "name"), ("nurse", "Amina", "kind"), ("personal_assistant", "x" * 201, "name")],
)
def test_a_draft_needs_a_name_and_a_known_kind(owner, kind, name, field):
    with pytest.raises(ProviderFieldError) as error:
        provider_create_draft(by=owner, kind=kind, name=name)
    assert error.value.field == field
    assert not Provider.objects.exists()


def test_a_new_draft_has_every_required_task_incomplete_and_vetting_cannot_start(draft):
    tasks = {task.key: task for task in provider_onboarding_tasks(provider=draft)}
    assert list(tasks) == ["about", "services", "areas", "prices", "availability", "vetting"]
    assert {tasks[key].status for key in ("about", "services", "areas", "prices", "availability")} == {
        TaskStatus.INCOMPLETE
    }
    assert tasks["vetting"].status == TaskStatus.CANNOT_START
    assert not tasks["vetting"].is_required


def test_each_task_is_completed_by_its_data_alone(owner, draft, wendlebury_postcode):
    complete_every_task(draft, owner, wendlebury_postcode)
    draft.refresh_from_db()
    assert provider_incomplete_required_tasks(provider=draft) == []
    # Taking the data away makes the task incomplete again: nothing is stored as a flag.
    provider_update_prices(provider=draft, by=owner, prices=[])
    assert [task.key for task in provider_incomplete_required_tasks(provider=draft)] == ["prices"]


def test_about_refuses_a_badly_formed_email_and_leaves_the_listing_alone(owner, draft):
    with pytest.raises(ProviderFieldError) as error:
        provider_update_about(provider=draft, by=owner, **about_values(contact_email="amina-at-example"))
    assert error.value.field == "contact_email"
    draft.refresh_from_db()
    assert draft.contact_email == ""


def test_about_refuses_a_company_number_of_the_wrong_shape(owner, draft):
    with pytest.raises(ProviderFieldError) as error:
        provider_update_about(provider=draft, by=owner, **about_values(company_number="12345"))
    assert error.value.field == "company_number"


def test_a_draft_follows_its_new_name_in_its_address(owner, draft):
    provider_update_about(provider=draft, by=owner, **about_values(name="Amina Care"))
    draft.refresh_from_db()
    assert (draft.name, draft.slug) == ("Amina Care", "amina-care")


def test_consent_to_publish_contact_details_is_timestamped(owner, draft):
    provider_update_about(provider=draft, by=owner, **about_values(has_consented_to_publish_contact=True))
    draft.refresh_from_db()
    assert draft.contact_consent_given_at is not None
    provider_update_about(provider=draft, by=owner, **about_values(has_consented_to_publish_contact=False))
    draft.refresh_from_db()
    assert draft.contact_consent_given_at is None


def test_areas_resolve_the_base_postcode_to_coordinates_and_locality(owner, draft, wendlebury_postcode):
    provider_update_areas(
        provider=draft,
        by=owner,
        base_postcode=" we12ab ",
        localities_served=[],
        postcode_districts_served="we1, we2 WE1",
        travel_radius_miles=5,
    )
    draft.refresh_from_db()
    assert draft.base_postcode == "WE1 2AB"
    assert (draft.latitude, draft.longitude) == (52.61, -1.12)
    assert draft.locality == wendlebury_postcode.locality
    assert draft.postcode_districts_served == "WE1 WE2"


@pytest.mark.parametrize(
    ("postcode", "districts", "radius", "field"),
    [
        ("WE1", "", None, "base_postcode"),  # a district, not a full postcode
        ("ZZ9 9ZZ", "", None, "base_postcode"),  # well formed but not in the places table
        ("WE1 2AB", "WE1 Leicester", None, "postcode_districts_served"),
        ("WE1 2AB", "", 500, "travel_radius_miles"),
    ],
)
def test_areas_refuse_places_they_cannot_use(owner, draft, wendlebury_postcode, postcode, districts, radius, field):
    with pytest.raises(ProviderFieldError) as error:
        provider_update_areas(
            provider=draft,
            by=owner,
            base_postcode=postcode,
            localities_served=[],
            postcode_districts_served=districts,
            travel_radius_miles=radius,
        )
    assert error.value.field == field
    draft.refresh_from_db()
    assert draft.base_postcode == ""


def test_prices_replace_the_list_and_set_the_lowest_hourly_price(owner, draft):
    care, domestic = ServiceTypeFactory(), ServiceTypeFactory()
    provider_update_prices(
        provider=draft,
        by=owner,
        prices=[
            PriceInput(service=care, unit="hour", amount=Decimal("19.00")),
            PriceInput(service=domestic, unit="hour", amount=Decimal("16.00"), includes="Own cleaning products"),
        ],
    )
    draft.refresh_from_db()
    assert draft.lowest_hourly_price == Decimal("16.00")
    assert sorted(price.amount for price in draft.prices.all()) == [Decimal("16.00"), Decimal("19.00")]


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("10000"), Decimal("12.345")])
def test_prices_refuse_amounts_that_are_not_pounds_and_pence(owner, draft, amount):
    with pytest.raises(ProviderFieldError):
        provider_update_prices(
            provider=draft, by=owner, prices=[PriceInput(service=ServiceTypeFactory(), unit="hour", amount=amount)]
        )
    assert not draft.prices.exists()


def test_prices_refuse_two_prices_for_the_same_service_and_unit(owner, draft):
    care = ServiceTypeFactory()
    with pytest.raises(ProviderFieldError, match="already given a price"):
        provider_update_prices(
            provider=draft,
            by=owner,
            prices=[
                PriceInput(service=care, unit="hour", amount=Decimal("18")),
                PriceInput(service=care, unit="hour", amount=Decimal("19")),
            ],
        )


def test_saving_availability_confirms_it_and_records_capacity(owner, draft):
    provider_save_availability(
        provider=draft,
        by=owner,
        availability=TUESDAY_MORNING,
        is_taking_new_clients=False,
        capacity_hours_per_week=12,
        capacity_places_per_day=None,
        today=datetime.date(2026, 3, 2),
    )
    draft.refresh_from_db()
    assert draft.availability_mask == TUESDAY_MORNING.mask
    assert draft.availability_confirmed_on == datetime.date(2026, 3, 2)
    assert draft.taking_new_clients_confirmed_on == datetime.date(2026, 3, 2)
    assert (draft.is_taking_new_clients, draft.capacity_hours_per_week) == (False, 12)


def test_confirming_availability_restarts_the_thirty_days(owner, draft):
    provider_save_availability(
        provider=draft,
        by=owner,
        availability=TUESDAY_MORNING,
        is_taking_new_clients=True,
        capacity_hours_per_week=None,
        capacity_places_per_day=None,
        today=datetime.date(2026, 1, 1),
    )
    draft.refresh_from_db()
    assert draft.availability_is_stale(today=datetime.date(2026, 3, 1))
    provider_confirm_availability(provider=draft, by=owner, today=datetime.date(2026, 3, 1))
    draft.refresh_from_db()
    assert draft.availability_confirmed_on == datetime.date(2026, 3, 1)
    assert not draft.availability_is_stale(today=datetime.date(2026, 3, 1))
    assert draft.availability_mask == TUESDAY_MORNING.mask


def test_submitting_is_refused_while_required_tasks_are_incomplete(owner, draft):
    provider_update_about(provider=draft, by=owner, **about_values())
    with pytest.raises(ProviderError, match="services, areas, prices, availability"):
        provider_submit_for_review(provider=draft, by=owner)
    draft.refresh_from_db()
    assert draft.status == Provider.Status.DRAFT
    assert not ProviderStatusChange.objects.exists()


def test_a_complete_draft_is_submitted_and_the_step_recorded(owner, draft, wendlebury_postcode):
    complete_every_task(draft, owner, wendlebury_postcode)
    change = provider_submit_for_review(provider=draft, by=owner)
    draft.refresh_from_db()
    assert draft.status == Provider.Status.SUBMITTED
    assert (change.from_status, change.to_status, change.changed_by) == ("draft", "submitted", owner)


def test_a_submitted_listing_cannot_be_submitted_again(owner, draft, wendlebury_postcode):
    complete_every_task(draft, owner, wendlebury_postcode)
    provider_submit_for_review(provider=draft, by=owner)
    with pytest.raises(ProviderError, match="only a draft"):
        provider_submit_for_review(provider=draft, by=owner)


def test_services_refuse_terms_that_do_not_exist(owner, draft):
    with pytest.raises(ProviderFieldError) as error:
        provider_update_services(
            provider=draft,
            by=owner,
            services=[999_999],
            client_groups=[],
            specialisms=[],
            languages=[LanguageFactory()],
            has_female_workers=False,
            has_male_workers=False,
            has_non_binary_workers=False,
        )
    assert error.value.field == "services"


def test_a_published_listing_whose_capacity_halves_is_put_on_watch(owner):
    from marketplace.contingency.models import ContingencyFlag
    from tests.factories import ProviderFactory

    provider = ProviderFactory(status=Provider.Status.PUBLISHED, capacity_hours_per_week=40)
    provider_save_availability(
        provider=provider,
        by=owner,
        availability=TUESDAY_MORNING,
        is_taking_new_clients=True,
        capacity_hours_per_week=10,
        capacity_places_per_day=None,
    )
    flag = ContingencyFlag.objects.get(provider=provider)
    assert "40 to 10 hours" in flag.triggers.get().detail


def test_a_draft_listing_changing_its_capacity_raises_no_flag(owner, draft):
    from marketplace.contingency.models import ContingencyFlag

    Provider.objects.filter(pk=draft.pk).update(capacity_hours_per_week=40)
    draft.refresh_from_db()
    provider_save_availability(
        provider=draft,
        by=owner,
        availability=TUESDAY_MORNING,
        is_taking_new_clients=True,
        capacity_hours_per_week=0,
        capacity_places_per_day=None,
    )
    assert not ContingencyFlag.objects.filter(provider=draft).exists()
