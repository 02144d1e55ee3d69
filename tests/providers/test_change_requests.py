"""Edits after publication: what goes live at once, what waits for a commissioner, and the review."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from marketplace.accounts.roles import COMMISSIONERS, EDITORS
from marketplace.providers.models import Provider, ProviderChangeRequest, ProviderChangeRequestDecision
from marketplace.providers.selectors import change_request_rows, provider_form_values
from marketplace.providers.services import (
    PriceInput,
    ProviderError,
    ProviderFieldError,
    provider_change_request_approve,
    provider_change_request_reject,
    provider_change_request_withdraw,
    provider_update_about,
    provider_update_prices,
    provider_update_services,
)
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def care():
    return ServiceTypeFactory(name="Personal care", slug="personal-care")


@pytest.fixture
def published(care):
    provider = ProviderFactory(name="Amina Hussain", slug="amina-hussain", services=[care])
    ProviderPriceFactory(provider=provider, service=care, amount=Decimal("18.00"))
    return provider


@pytest.fixture
def owner(published):
    return ProviderMembershipFactory(provider=published).user


def about_values(provider, **overrides):
    values = {
        "name": provider.name,
        "kind": provider.kind,
        "summary": provider.summary,
        "description": provider.description,
        "contact_name": provider.contact_name,
        "contact_email": provider.contact_email,
        "contact_phone": provider.contact_phone,
        "website": provider.website,
        "has_consented_to_publish_contact": provider.has_consented_to_publish_contact,
    }
    values.update(overrides)
    return values


def test_contact_details_and_description_of_a_published_listing_go_live_at_once(published, owner):
    result = provider_update_about(
        provider=published,
        by=owner,
        **about_values(published, description="Now also weekends.", contact_phone="01632 960 001"),
    )
    published.refresh_from_db()
    assert published.description == "Now also weekends."
    assert published.contact_phone == "01632 960 001"
    assert result.change_request is None
    assert not ProviderChangeRequest.objects.exists()


def test_a_new_name_waits_for_review_and_the_public_keeps_the_old_one(published, owner):
    result = provider_update_about(
        provider=published, by=owner, **about_values(published, name="Amina's Care", description="New text.")
    )
    published.refresh_from_db()
    assert published.name == "Amina Hussain"
    assert published.description == "New text."  # the live part of the same save
    assert " amina hussain " in published.search_text
    assert " amina s care " not in published.search_text
    assert " new text " in published.search_text
    assert result.is_waiting_for_review
    change_request = result.change_request
    assert change_request.proposed_changes == {"name": "Amina's Care"}
    assert change_request.previous_values == {"name": "Amina Hussain"}
    assert (change_request.submitted_by, change_request.section) == (owner, "about")


def test_the_form_shows_what_is_waiting_for_review(published, owner):
    provider_update_about(provider=published, by=owner, **about_values(published, summary="Waiting summary."))
    values = provider_form_values(provider=published, section="about")
    assert values["summary"] == "Waiting summary."
    assert values["name"] == "Amina Hussain"


def test_saving_the_same_proposal_again_keeps_the_one_request(published, owner):
    first = provider_update_about(provider=published, by=owner, **about_values(published, name="New Name"))
    again = provider_update_about(provider=published, by=owner, **about_values(published, name="New Name"))
    assert again.change_request == first.change_request
    assert ProviderChangeRequest.objects.count() == 1


def test_a_newer_proposal_replaces_the_waiting_one_and_records_it(published, owner):
    first = provider_update_about(provider=published, by=owner, **about_values(published, name="New Name"))
    second = provider_update_about(provider=published, by=owner, **about_values(published, name="Newer Name"))
    first.change_request.refresh_from_db()
    assert first.change_request.status == ProviderChangeRequest.Status.SUPERSEDED
    assert first.change_request.decisions.get().outcome == ProviderChangeRequest.Status.SUPERSEDED
    assert second.change_request.proposed_changes == {"name": "Newer Name"}
    assert second.change_request.is_pending


def test_changing_back_withdraws_the_waiting_request(published, owner):
    first = provider_update_about(provider=published, by=owner, **about_values(published, name="New Name"))
    again = provider_update_about(provider=published, by=owner, **about_values(published))
    assert again.change_request is None
    first.change_request.refresh_from_db()
    assert first.change_request.status == ProviderChangeRequest.Status.WITHDRAWN


def test_services_wait_for_review_but_languages_and_genders_go_live(published, owner, care):
    domestic = ServiceTypeFactory(name="Domestic help", slug="domestic-help")
    older = ClientGroupFactory()
    gujarati = LanguageFactory(name="Gujarati", slug="gujarati")
    result = provider_update_services(
        provider=published,
        by=owner,
        services=[care, domestic],
        client_groups=[older],
        specialisms=[],
        languages=[gujarati],
        has_female_workers=True,
        has_male_workers=True,
        has_non_binary_workers=False,
    )
    published.refresh_from_db()
    assert list(published.services.all()) == [care]
    assert list(published.languages.all()) == [gujarati]
    assert published.has_male_workers
    assert set(result.change_request.proposed_changes) == {"services", "client_groups"}
    rows = {row.label: row for row in change_request_rows(change_request=result.change_request)}
    assert rows["Support offered"].before == ["Personal care"]
    assert sorted(rows["Support offered"].after) == ["Domestic help", "Personal care"]


def test_prices_of_a_published_listing_wait_for_review(published, owner, care):
    result = provider_update_prices(
        provider=published, by=owner, prices=[PriceInput(service=care, unit="hour", amount=Decimal("21.00"))]
    )
    published.refresh_from_db()
    assert [price.amount for price in published.prices.all()] == [Decimal("18.00")]
    assert published.lowest_hourly_price == Decimal("18.00")
    rows = change_request_rows(change_request=result.change_request)
    assert rows[0].before == ["Personal care: £18.00 per hour"]
    assert rows[0].after == ["Personal care: £21.00 per hour"]


def test_approving_puts_the_changes_live_records_the_decision_and_emails_the_provider(
    published, owner, care, commissioner_user, django_capture_on_commit_callbacks
):
    request = provider_update_prices(
        provider=published, by=owner, prices=[PriceInput(service=care, unit="hour", amount=Decimal("21.00"))]
    ).change_request
    with django_capture_on_commit_callbacks(execute=True):
        provider_change_request_approve(change_request=request, by=commissioner_user, reason="In line with market")
    published.refresh_from_db()
    assert [price.amount for price in published.prices.all()] == [Decimal("21.00")]
    assert published.lowest_hourly_price == Decimal("21.00")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (ProviderChangeRequest.Status.APPROVED, commissioner_user)
    decision = request.decisions.get()
    assert (decision.outcome, decision.decided_by, decision.reason) == (
        "approved",
        commissioner_user,
        "In line with market",
    )
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "are live" in mail.outbox[0].subject
    assert "£21.00" in mail.outbox[0].body


def test_approving_a_new_name_keeps_the_published_address(published, owner, commissioner_user):
    request = provider_update_about(
        provider=published, by=owner, **about_values(published, name="Amina Care")
    ).change_request
    provider_change_request_approve(change_request=request, by=commissioner_user)
    published.refresh_from_db()
    assert (published.name, published.slug) == ("Amina Care", "amina-hussain")


def test_rejecting_needs_a_reason_and_keeps_the_listing(
    published, owner, commissioner_user, django_capture_on_commit_callbacks
):
    request = provider_update_about(
        provider=published, by=owner, **about_values(published, summary="Best care in the county, CQC approved!")
    ).change_request
    with pytest.raises(ProviderFieldError):
        provider_change_request_reject(change_request=request, by=commissioner_user, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        provider_change_request_reject(
            change_request=request, by=commissioner_user, reason="You are not registered with the CQC."
        )
    published.refresh_from_db()
    assert published.summary == "Friendly, reliable support at home."
    request.refresh_from_db()
    assert request.status == ProviderChangeRequest.Status.REJECTED
    assert "not approved" in mail.outbox[0].subject
    assert "You are not registered with the CQC." in mail.outbox[0].body


def test_a_decided_request_is_never_decided_again(published, owner, commissioner_user):
    request = provider_update_about(provider=published, by=owner, **about_values(published, name="X Y")).change_request
    provider_change_request_reject(change_request=request, by=commissioner_user, reason="No")
    with pytest.raises(ProviderError, match="already been decided"):
        provider_change_request_approve(change_request=request, by=commissioner_user)
    published.refresh_from_db()
    assert published.name == "Amina Hussain"
    assert ProviderChangeRequestDecision.objects.filter(change_request=request).count() == 1


def test_the_provider_can_withdraw_a_waiting_request(published, owner):
    request = provider_update_about(provider=published, by=owner, **about_values(published, name="X Y")).change_request
    provider_change_request_withdraw(change_request=request, by=owner)
    request.refresh_from_db()
    assert request.status == ProviderChangeRequest.Status.WITHDRAWN
    assert request.decisions.get().decided_by == owner


def test_a_draft_changes_everything_at_once(owner):
    draft = ProviderFactory(status=Provider.Status.DRAFT, name="Draft Name")
    result = provider_update_about(provider=draft, by=owner, **about_values(draft, name="Another Name"))
    draft.refresh_from_db()
    assert draft.name == "Another Name"
    assert result.change_request is None


# The commissioners' screens in the Wagtail admin.


def admin_user(group_name):
    user = UserFactory(is_staff=True)
    group, _ = Group.objects.get_or_create(name=group_name)
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    return user


@pytest.fixture
def waiting(published, owner):
    return provider_update_about(
        provider=published, by=owner, **about_values(published, name="Amina Care")
    ).change_request


def test_commissioner_sees_the_queue_and_the_before_and_after(client, waiting):
    client.force_login(admin_user(COMMISSIONERS))
    index = client.get(reverse("providers_change_requests:index"))
    assert index.status_code == 200
    assert "Amina Hussain" in index.content.decode()
    review = client.get(reverse("providers_change_requests:review", args=[waiting.pk]))
    body = review.content.decode()
    assert review.status_code == 200
    assert "Amina Care" in body
    assert "Amina Hussain" in body


def test_commissioner_approves_from_the_admin(client, waiting, published):
    client.force_login(admin_user(COMMISSIONERS))
    response = client.post(
        reverse("providers_change_requests:review", args=[waiting.pk]), {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.name == "Amina Care"


def test_rejecting_in_the_admin_without_a_reason_keeps_the_request_waiting(client, waiting):
    client.force_login(admin_user(COMMISSIONERS))
    response = client.post(
        reverse("providers_change_requests:review", args=[waiting.pk]), {"decision": "reject", "reason": ""}
    )
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.is_pending


def test_deciding_twice_in_the_admin_shows_why_not(client, waiting, commissioner_user):
    provider_change_request_reject(change_request=waiting, by=commissioner_user, reason="No")
    client.force_login(admin_user(COMMISSIONERS))
    response = client.post(
        reverse("providers_change_requests:review", args=[waiting.pk]), {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 200
    assert "already been decided" in response.content.decode()


def test_the_admin_menu_counts_waiting_requests_for_commissioners(client, waiting):
    client.force_login(admin_user(COMMISSIONERS))
    response = client.get(reverse("wagtailadmin_home"))
    assert "Provider changes (1 waiting)" in response.content.decode()


@pytest.mark.parametrize("who", ["editor", "provider_user"])
def test_only_commissioners_review_changes(client, waiting, owner, who):
    user = admin_user(EDITORS) if who == "editor" else owner
    client.force_login(user)
    assert client.get(reverse("providers_change_requests:index")).status_code in {302, 403}
    response = client.post(
        reverse("providers_change_requests:review", args=[waiting.pk]), {"decision": "approve", "reason": ""}
    )
    assert response.status_code in {302, 403}
    waiting.refresh_from_db()
    assert waiting.is_pending


def test_anonymous_people_are_sent_to_sign_in(client, waiting):
    response = client.get(reverse("providers_change_requests:review", args=[waiting.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]
