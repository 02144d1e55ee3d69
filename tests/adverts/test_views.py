"""The adverts pages: every role, hostile input on every form, and fixed query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.adverts.models import Advert, AdvertApplication
from marketplace.adverts.services import advert_publish, advert_save, application_create
from tests.factories import CommissionerFactory

from .conftest import NOW, TODAY, details

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>' OR 1=1 --"


def form_data(the_holder, personal_care, **overrides):
    data = {
        "holder": str(the_holder.pk),
        "title": "Personal assistant for mornings",
        "services": [str(personal_care.pk)],
        "postcode_district": "WE1",
        "slots": ["mon-morning", "thu-morning"],
        "hours_per_week": "10",
        "hourly_rate": "14.00",
        "employment": "employed",
        "worker_gender": "",
    }
    data.update(overrides)
    return data


def test_the_holder_posts_checks_warnings_and_publishes(client, holder, district, personal_care):
    client.force_login(holder.user)
    response = client.post(reverse("adverts:new"), form_data(holder, personal_care, hourly_rate="9.50"))
    advert = Advert.objects.get()
    assert response.url == reverse("adverts:check", args=[advert.uuid])
    page = client.get(response.url)
    assert "less than the National Living Wage" in page.content.decode()
    response = client.post(reverse("adverts:check", args=[advert.uuid]))
    advert.refresh_from_db()
    assert advert.status == Advert.Status.OPEN
    assert advert.hourly_rate_pence == 950


def test_a_family_member_without_the_right_is_told_they_cannot_post(client, family_without_right, district):
    client.force_login(family_without_right)
    response = client.get(reverse("adverts:new"))
    assert response.status_code == 403
    assert "You cannot post adverts" in response.content.decode()


def test_someone_cannot_post_for_a_holder_they_do_not_act_for(client, holder, pa_user, district, personal_care):
    client.force_login(pa_user)
    response = client.post(reverse("adverts:new"), form_data(holder, personal_care))
    assert response.status_code == 403
    assert not Advert.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a short title for the advert."),
        ({"title": "x" * 500}, "Title must be 120 characters or fewer."),
        ({"services": ["999999"]}, "Choose from the options in the list."),
        ({"services": [HOSTILE]}, "Choose from the options in the list."),
        ({"postcode_district": HOSTILE}, "Enter the first part of a postcode, like WE1."),
        ({"postcode_district": "ZZ9"}, "We could not find the postcode district ZZ9 in this area."),
        ({"slots": ["mon-lunchtime"]}, "Select times from the grid."),
        ({"slots": []}, "Select at least one time you need support."),
        ({"hours_per_week": "ten"}, "Enter the hours as a whole number, like 10."),
        ({"hours_per_week": "-3"}, "Enter the hours as a whole number from 1 to 84."),
        ({"hourly_rate": "1e9"}, "Enter the hourly rate in pounds, like 13 or 13.50."),
        ({"hourly_rate": "12.345"}, "Enter the hourly rate in pounds, like 13 or 13.50."),
        ({"hourly_rate": "0"}, "Enter an hourly rate between £0.01 and £100."),
        ({"employment": "slave"}, "Select one of the options."),
        ({"worker_gender": HOSTILE}, "Choose a gender from the list."),
        ({"holder": "99999"}, "Select someone from the list."),
        ({"description": "x" * 5000}, "About the work must be 2000 characters or fewer."),
    ],
)
def test_hostile_input_on_the_advert_form_gets_a_message_and_keeps_what_was_typed(
    client, holder, district, personal_care, overrides, message
):
    client.force_login(holder.user)
    response = client.post(reverse("adverts:new"), form_data(holder, personal_care, **overrides))
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert message in content.replace("&#x27;", "'")
    assert "Personal assistant for mornings" in content or overrides.get("title") is not None
    assert "<script>alert(1)</script>" not in content
    assert not Advert.objects.exists()


def test_the_public_list_and_page_show_no_personal_details(client, open_advert, holder):
    open_advert.description = "Margaret likes gardening"
    open_advert.save()
    for url in (reverse("adverts:list"), reverse("adverts:detail", args=[open_advert.uuid])):
        content = client.get(url).content.decode()
        assert open_advert.title in content
        assert "WE1" in content
        assert "Margaret" not in content
        assert "Hollis" not in content
        assert "margaret@example.org" not in content


def test_a_pa_applies_then_sees_who_posted_on_whose_behalf(
    client, open_advert, pa_user, pa_listing, family_with_right, holder
):
    Advert.objects.filter(pk=open_advert.pk).update(posted_by=family_with_right)
    client.force_login(pa_user)
    detail = reverse("adverts:detail", args=[open_advert.uuid])
    before = client.get(detail).content.decode()
    assert "on behalf of" not in before
    response = client.post(detail, {"provider": str(pa_listing.pk), "message": "I would love to help."})
    application = AdvertApplication.objects.get()
    assert response.url == reverse("adverts:application", args=[application.uuid])
    page = client.get(response.url).content.decode()
    assert "Advert posted by David Hollis on behalf of Margaret Hollis" in page
    assert "I would love to help." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"message": ""}, "Write your message."),
        ({"message": "x" * 3000}, "Your message must be 2000 characters or fewer."),
        ({"message": "Hi", "provider": "99999"}, "Select one of your listings."),
    ],
)
def test_hostile_input_on_the_application_form(client, open_advert, pa_user, pa_listing, data, message):
    client.force_login(pa_user)
    payload = {"provider": str(pa_listing.pk), **data}
    response = client.post(reverse("adverts:detail", args=[open_advert.uuid]), payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AdvertApplication.objects.exists()


@pytest.fixture
def application(open_advert, pa_user, pa_listing):
    return application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello there", now=NOW)


@pytest.mark.parametrize("role", ["anonymous", "other_pa", "agency", "commissioner", "family_without_right"])
def test_only_those_who_may_can_manage_or_answer(
    client, role, application, other_pa_user, agency_user, family_without_right
):
    users = {
        "other_pa": other_pa_user,
        "agency": agency_user,
        "commissioner": CommissionerFactory(),
        "family_without_right": family_without_right,
    }
    if role != "anonymous":
        client.force_login(users[role])
    advert = application.advert
    shortlist = client.post(reverse("adverts:shortlist", args=[application.uuid]))
    close = client.post(reverse("adverts:close", args=[advert.uuid]), {"reason": "Other"})
    edit = client.get(reverse("adverts:edit", args=[advert.uuid]))
    if role == "anonymous":
        assert all(
            response.status_code == 302 and "/accounts/login/" in response.url for response in (shortlist, close, edit)
        )
    else:
        assert (shortlist.status_code, close.status_code, edit.status_code) == (404, 404, 404)
    thread = client.get(reverse("adverts:application", args=[application.uuid]))
    if role == "family_without_right":
        assert thread.status_code == 200  # they see the holder's records, but cannot write
        assert (
            client.post(reverse("adverts:application", args=[application.uuid]), {"message": "x"}).status_code == 404
        )
    elif role == "anonymous":
        assert thread.status_code == 302
    else:
        assert thread.status_code == 404
    application.refresh_from_db()
    assert application.status == AdvertApplication.Status.APPLIED
    assert Advert.objects.get().status == Advert.Status.OPEN


def test_the_advertiser_shortlists_and_declines_with_hostile_notes(
    client, application, holder, other_pa_user, open_advert
):
    client.force_login(holder.user)
    response = client.post(reverse("adverts:shortlist", args=[application.uuid]))
    assert response.url == reverse("adverts:manage", args=[open_advert.uuid])
    application.refresh_from_db()
    assert application.status == AdvertApplication.Status.SHORTLISTED
    too_long = client.post(reverse("adverts:decline", args=[application.uuid]), {"message": "x" * 3000})
    assert "Your message must be 2000 characters or fewer." in too_long.content.decode()
    client.post(reverse("adverts:decline", args=[application.uuid]), {"message": HOSTILE})
    application.refresh_from_db()
    assert application.status == AdvertApplication.Status.DECLINED
    bad_close = client.post(reverse("adverts:close", args=[open_advert.uuid]), {"reason": HOSTILE})
    assert "Select one of the reasons." in bad_close.content.decode()


@pytest.mark.parametrize(
    "query", ["service=" + "x" * 50, "area=%3Cscript%3E", "day=funday", "page=-1", "page=abc", "area=" + "W" * 40]
)
def test_hostile_filters_on_the_public_list_get_an_error_summary(client, open_advert, query):
    response = client.get(reverse("adverts:list") + "?" + query)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def _adverts(holder, personal_care, count):
    for index in range(count):
        advert = advert_save(
            by=holder.user, holder=holder, details=details(personal_care, title=f"Advert {index}"), now=NOW
        )
        advert_publish(advert=advert, by=holder.user, today=TODAY, now=NOW)


def _queries(client, url):
    client.get(url)  # the first request after signing in also loads the session's caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_list_pages_run_a_fixed_number_of_queries(client, holder, district, personal_care, pa_user, pa_listing):
    _adverts(holder, personal_care, 2)
    client.force_login(holder.user)
    yours_small = _queries(client, reverse("adverts:yours"))
    client.force_login(pa_user)
    public_small = _queries(client, reverse("adverts:list"))
    dashboard_small = _queries(client, reverse("providers:dashboard"))

    _adverts(holder, personal_care, 8)
    client.force_login(holder.user)
    assert _queries(client, reverse("adverts:yours")) == yours_small
    client.force_login(pa_user)
    assert _queries(client, reverse("adverts:list")) == public_small
    assert _queries(client, reverse("providers:dashboard")) == dashboard_small
    print(f"queries: yours={yours_small} public list={public_small} PA dashboard={dashboard_small}")


def test_the_manage_page_runs_a_fixed_number_of_queries(client, open_advert, holder, pa_user, pa_listing):
    from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory

    def applicants(count):
        for index in range(count):
            listing = ProviderFactory(availability_mask=1, postcode_districts_served="WE1")
            user = UserFactory()
            ProviderMembershipFactory(provider=listing, user=user)
            application_create(advert=open_advert, provider=listing, by=user, message=f"Hi {index}", now=NOW)

    applicants(1)
    client.force_login(holder.user)
    url = reverse("adverts:manage", args=[open_advert.uuid])
    small = _queries(client, url)
    applicants(5)
    assert _queries(client, url) == small
    print(f"queries: manage={small}")


def test_a_closed_advert_is_seen_only_by_its_advertiser_and_its_applicants(
    client, application, holder, pa_user, other_pa_user
):
    from marketplace.adverts.services import advert_close

    advert_close(advert=application.advert, by=holder.user, reason="No longer needed", now=NOW)
    url = reverse("adverts:detail", args=[application.advert.uuid])
    assert client.get(url).status_code == 404
    client.force_login(other_pa_user)
    assert client.get(url).status_code == 404
    client.force_login(pa_user)
    page = client.get(url)
    assert page.status_code == 200
    assert "Closed" in page.content.decode()
    assert "Send application" not in page.content.decode()
    client.force_login(holder.user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("message", "error"),
    [("", "Write your message."), ("x" * 2001, "Your message must be 2000 characters or fewer.")],
)
def test_hostile_replies_get_a_message_and_keep_what_was_typed(client, application, holder, message, error):
    client.force_login(holder.user)
    response = client.post(reverse("adverts:application", args=[application.uuid]), {"message": message})
    content = response.content.decode()
    assert response.status_code == 200
    assert error in content
    assert message in content
    assert application.messages.count() == 1


def test_a_reply_on_behalf_shows_who_sent_it_for_whom(client, application, family_with_right, pa_user):
    client.force_login(family_with_right)
    client.post(reverse("adverts:application", args=[application.uuid]), {"message": "Can you start Monday?"})
    client.force_login(pa_user)
    page = client.get(reverse("adverts:application", args=[application.uuid])).content.decode()
    assert "Sent by David Hollis on behalf of Margaret Hollis" in page
    assert "Can you start Monday?" in page
