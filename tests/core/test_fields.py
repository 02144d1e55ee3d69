"""Numbers and ids no form validated: each is a form error, never a 500."""

from datetime import date

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from marketplace.accreditation.models import ProviderCheck
from marketplace.accreditation.services import provider_checks_sync
from marketplace.core.fields import DateInputField, is_plausible_id
from marketplace.providers.models import Provider, ServiceType
from tests.factories import ArrangementFactory, ProviderFactory, ProviderMembershipFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db

HOSTILE_IDS = [
    "99999999999999999999999",
    "-99999999999999999999",
    "abc",
    "1e5",
    "\u0661\u0662",
    " ",
    "0x10",
    "1.5",
    "-1",
]


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("1", "1", "99999999999999999999"),
        ("99999999999999999999", "1", "2025"),
        ("1", "99999999999999999999", "2025"),
        ("-1", "1", "2025"),
        ("\u0661", "\u0661", "\u0662\u0660\u0662\u0665"),
        ("31", "2", "2025"),
        ("1", "1", "0000"),
        ("1.0", "1", "2025"),
    ],
)
def test_impossible_dates_are_a_form_error(day, month, year):
    field = DateInputField(name_in_errors="the date it was issued")

    with pytest.raises(forms.ValidationError, match="The date it was issued must be a real date"):
        field.clean([day, month, year])


def test_an_ordinary_date_still_works():
    assert DateInputField(name_in_errors="the date").clean(["07", "3", "2025"]) == date(2025, 3, 7)


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_hostile_ids_are_not_ids(value):
    assert not is_plausible_id(value)


def test_a_hostile_id_in_a_choice_field_is_an_unknown_choice():
    service = ServiceTypeFactory()
    single = forms.ModelChoiceField(queryset=ServiceType.objects.all())
    multiple = forms.ModelMultipleChoiceField(queryset=ServiceType.objects.all())
    for value in HOSTILE_IDS:
        with pytest.raises(forms.ValidationError):
            single.clean(value)
        with pytest.raises(forms.ValidationError):
            multiple.clean([str(service.pk), value])
    assert single.clean(str(service.pk)) == service
    assert list(multiple.clean([str(service.pk)])) == [service]


def test_the_vetting_check_form_answers_a_huge_year_with_an_error(client):
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT)
    client.force_login(ProviderMembershipFactory(provider=provider).user)
    provider_checks_sync(provider=provider)
    insurance = ProviderCheck.objects.get(provider=provider, check_type__code="public-liability-insurance")
    today = timezone.localdate()

    response = client.post(
        reverse("accreditation:check", args=[provider.uuid, insurance.uuid]),
        {
            "issued_on_day": "1",
            "issued_on_month": "1",
            "issued_on_year": "9" * 30,
            "expires_on_day": "9" * 30,
            "expires_on_month": str(today.month),
            "expires_on_year": str(today.year + 1),
            "reference": "x",
        },
    )

    assert response.status_code == 400
    assert "The date it was issued must be a real date" in response.content.decode()


def test_the_services_form_answers_a_huge_id_with_an_error(client):
    provider = ProviderFactory(status=Provider.Status.DRAFT)
    client.force_login(ProviderMembershipFactory(provider=provider).user)
    service = ServiceTypeFactory()

    response = client.post(
        reverse("providers:services", args=[provider.uuid]),
        {"services": [str(service.pk), "99999999999999999999999"], "client_groups": ["-99999999999999999999"]},
    )

    assert response.status_code in {200, 400}
    assert "govuk-error-summary" in response.content.decode()


def test_the_areas_form_answers_a_huge_id_with_an_error(client):
    provider = ProviderFactory(status=Provider.Status.DRAFT)
    client.force_login(ProviderMembershipFactory(provider=provider).user)

    response = client.post(
        reverse("providers:areas", args=[provider.uuid]),
        {"localities_served": ["99999999999999999999999"], "postcode_districts": ""},
    )

    assert response.status_code in {200, 400}
    assert "govuk-error-summary" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999"])
def test_the_admin_visit_form_redraws_a_nonsense_provider_as_an_error(client, commissioner_user, value):
    client.force_login(commissioner_user)

    response = client.post(
        reverse("monitoring_visits:add"),
        {"provider": value, "visit_type": "unannounced", "visited_on": "2025-01-01", "arrangement": value},
    )

    assert response.status_code == 400  # a refused admin action form (decision 0043)
    assert response.content.decode().count("Select a valid choice") == 2  # the provider and the contract


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999"])
def test_the_admin_contract_member_form_redraws_a_nonsense_provider_as_an_error(client, commissioner_user, value):
    client.force_login(commissioner_user)
    arrangement = ArrangementFactory()

    response = client.post(
        reverse("monitoring_memberships:add"),
        {"arrangement": arrangement.pk, "provider": value, "start_on": "2025-04-01", "end_on": "", "reference": ""},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not arrangement.memberships.exists()


def test_a_used_check_type_offers_no_delete_and_a_tampered_inline_row_is_a_form_error_not_a_500(
    client, commissioner_user
):
    from marketplace.accreditation.models import CheckType

    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT)
    provider_checks_sync(provider=provider)
    used = CheckType.objects.filter(checks__isnull=False).first()
    client.force_login(commissioner_user)

    delete = client.post(reverse("wagtailsnippets_accreditation_checktype:delete", args=[used.pk]), follow=True)
    assert delete.status_code == 200
    assert "cannot be deleted: providers&#x27; vetting checks use it" in delete.content.decode()
    assert CheckType.objects.filter(pk=used.pk).exists()

    response = client.post(
        reverse("wagtailsnippets_accreditation_checktype:add"),
        {
            "code": "new-check",
            "name": "New check",
            "requirements-TOTAL_FORMS": "1",
            "requirements-INITIAL_FORMS": "1",
            "requirements-MIN_NUM_FORMS": "0",
            "requirements-MAX_NUM_FORMS": "1000",
            "requirements-0-id": "abc",
            "requirements-0-kind": "personal_assistant",
        },
    )
    assert response.status_code in {200, 302}


@pytest.mark.parametrize("role", ["editor", "commissioner"])
def test_a_chooser_that_narrows_its_objects_still_treats_nonsense_ids_as_nothing_chosen(
    client, editor_user, commissioner_user, role
):
    """The providers' chooser narrows get_objects by who may choose; the ids are cleaned before it sees them."""
    from django.urls import reverse

    from tests.factories import ProviderFactory

    provider = ProviderFactory(name="Published Pat")
    client.force_login(editor_user if role == "editor" else commissioner_user)

    response = client.get(
        reverse("wagtailsnippetchoosers_providers_provider:chosen_multiple"),
        {"id": ["abc", "9" * 25, "-1", str(provider.pk)]},
    )

    assert response.status_code == 200
    assert "Published Pat" in response.content.decode()
