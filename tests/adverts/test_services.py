"""Advert services: posting for someone, the rate check, applying and answering."""

import pytest
from django.core import mail

from marketplace.adverts.models import Advert, AdvertApplication, AdvertMessage
from marketplace.adverts.selectors import advert_rate_warnings
from marketplace.adverts.services import (
    AdvertError,
    advert_close,
    advert_publish,
    advert_save,
    application_create,
    application_decline,
    application_reply,
    application_shortlist,
    district_from,
)
from marketplace.providers.models import Provider

from .conftest import NOW, TODAY, details

pytestmark = pytest.mark.django_db


def test_the_holder_posts_a_draft_that_keeps_only_the_district(holder, district, personal_care):
    advert = advert_save(
        by=holder.user, holder=holder, details=details(personal_care, postcode_district="we1 2ab"), now=NOW
    )
    assert advert.status == Advert.Status.DRAFT
    assert advert.postcode_district == "WE1"
    assert advert.locality == district.locality
    assert "2AB" not in str(Advert.objects.filter(pk=advert.pk).values().get())


def test_someone_with_the_right_posts_and_both_are_recorded(holder, family_with_right, district, personal_care):
    advert = advert_save(by=family_with_right, holder=holder, details=details(personal_care), now=NOW)
    assert advert.holder == holder
    assert advert.posted_by == family_with_right
    assert advert.is_on_behalf


def test_a_family_member_without_the_right_cannot_post(holder, family_without_right, district, personal_care):
    with pytest.raises(AdvertError, match="cannot post adverts"):
        advert_save(by=family_without_right, holder=holder, details=details(personal_care), now=NOW)
    assert not Advert.objects.exists()


def test_a_revoked_link_gives_no_right(holder, family_with_right, district, personal_care):
    family_with_right.acting_for.update(ended_on=TODAY)
    with pytest.raises(AdvertError):
        advert_save(by=family_with_right, holder=holder, details=details(personal_care), now=NOW)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"postcode_district": "WE99"}, "postcode_district"),
        ({"postcode_district": "<script>"}, "postcode_district"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"hours_per_week": 200}, "hours_per_week"),
        ({"hourly_rate_pence": 0}, "hourly_rate"),
        ({"availability_mask": 0}, "slots"),
        ({"services": []}, "services"),
        ({"employment": "slave"}, "employment"),
    ],
)
def test_bad_details_are_refused_with_the_field_named(holder, district, personal_care, overrides, field):
    with pytest.raises(AdvertError) as raised:
        advert_save(by=holder.user, holder=holder, details=details(personal_care, **overrides), now=NOW)
    assert raised.value.field == field


def test_district_from_drops_the_rest_of_the_postcode():
    assert district_from(" we1  2ab ") == "WE1"
    assert district_from("WE14") == "WE14"
    with pytest.raises(AdvertError):
        district_from("12 High Street")


def test_publishing_opens_the_advert_until_the_site_setting_says(holder, district, personal_care):
    advert = advert_save(by=holder.user, holder=holder, details=details(personal_care), now=NOW)
    published = advert_publish(advert=advert, by=holder.user, today=TODAY, now=NOW)
    assert published.status == Advert.Status.OPEN
    assert published.closes_on == TODAY.replace(day=29)  # 28 days after 1 March
    with pytest.raises(AdvertError, match="already been published"):
        advert_publish(advert=published, by=holder.user, today=TODAY)


def test_rate_warnings_come_from_site_settings_not_constants(holder, district, personal_care):
    from wagtail.models import Site

    from cms.models import CouncilSettings, ManagedServiceRate
    from marketplace.adverts.models import AdvertSettings

    site = Site.objects.get(is_default_site=True)
    settings = AdvertSettings.for_site(site)
    settings.national_living_wage_pence = 1300
    settings.save()
    council = CouncilSettings.for_site(site)
    ManagedServiceRate.objects.create(settings=council, service=personal_care, unit="hour", amount="23.50")
    advert = advert_save(
        by=holder.user, holder=holder, details=details(personal_care, hourly_rate_pence=1250), now=NOW
    )
    messages = [warning.message for warning in advert_rate_warnings(advert=advert, site=site)]
    assert len(messages) == 2
    assert "less than the National Living Wage of £13.00" in messages[0]
    assert "less than the £23.50 the council pays for personal care" in messages[1]

    advert.hourly_rate_pence = 2400
    assert advert_rate_warnings(advert=advert, site=site) == []


def test_a_pa_applies_and_the_advertiser_is_emailed_without_the_message(
    open_advert, pa_user, pa_listing, family_with_right, django_capture_on_commit_callbacks
):
    open_advert.posted_by = family_with_right
    open_advert.save()
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(
            advert=open_advert, provider=pa_listing, by=pa_user, message="I have five years' experience.", now=NOW
        )
    assert application.status == AdvertApplication.Status.APPLIED
    assert sorted(message.to[0] for message in mail.outbox) == ["david@example.org", "margaret@example.org"]
    assert all("five years" not in message.body for message in mail.outbox)
    assert f"/support-wanted/yours/{open_advert.uuid}/" in mail.outbox[0].body


def test_a_pa_cannot_apply_twice_or_to_a_closed_advert(open_advert, pa_user, pa_listing, holder):
    application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)
    with pytest.raises(AdvertError, match="already applied"):
        application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Again", now=NOW)
    advert_close(advert=open_advert, by=holder.user, reason="Found a personal assistant", now=NOW)
    other = Provider.objects.create(kind="personal_assistant", status="published", name="X", slug="x", summary="s")
    other.memberships.create(user=pa_user)
    with pytest.raises(AdvertError, match="closed"):
        application_create(advert=open_advert, provider=other, by=pa_user, message="Hello", now=NOW)


def test_only_published_personal_assistant_listings_apply(open_advert, agency_user, pa_listing, other_pa_user):
    agency = agency_user.provider_memberships.get().provider
    with pytest.raises(AdvertError, match="personal assistant"):
        application_create(advert=open_advert, provider=agency, by=agency_user, message="Hi", now=NOW)
    with pytest.raises(AdvertError):
        application_create(advert=open_advert, provider=pa_listing, by=other_pa_user, message="Hi", now=NOW)


def test_shortlist_and_reply_on_behalf_record_who_and_for_whom(
    open_advert, pa_user, pa_listing, holder, family_with_right, django_capture_on_commit_callbacks
):
    application = application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_shortlist(application=application, by=family_with_right, now=NOW)
        reply = application_reply(application=application, by=family_with_right, body="Can you do Mondays?", now=NOW)
    application.refresh_from_db()
    assert application.status == AdvertApplication.Status.SHORTLISTED
    assert application.decided_by == family_with_right
    assert reply.sender == family_with_right
    assert reply.on_behalf_of == holder
    assert reply.is_from_advertiser
    assert [message.to for message in mail.outbox] == [["hetal@example.org"], ["hetal@example.org"]]
    assert all("Mondays" not in message.body for message in mail.outbox)


def test_the_holder_replying_is_not_on_behalf_of_anyone(open_advert, pa_user, pa_listing, holder):
    application = application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)
    reply = application_reply(application=application, by=holder.user, body="Thank you", now=NOW)
    assert reply.on_behalf_of is None


def test_family_without_the_right_cannot_answer_and_other_pas_cannot_write(
    open_advert, pa_user, pa_listing, family_without_right, other_pa_user
):
    application = application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)
    with pytest.raises(AdvertError):
        application_shortlist(application=application, by=family_without_right, now=NOW)
    with pytest.raises(AdvertError):
        application_reply(application=application, by=other_pa_user, body="Let me in", now=NOW)
    with pytest.raises(AdvertError):
        application_decline(application=application, by=pa_user, now=NOW)


def test_declining_tells_the_pa_and_keeps_the_note(open_advert, pa_user, pa_listing, holder):
    application = application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)
    application_decline(application=application, by=holder.user, message="We found someone nearer.", now=NOW)
    application.refresh_from_db()
    assert application.status == AdvertApplication.Status.DECLINED
    assert AdvertMessage.objects.filter(application=application, body="We found someone nearer.").exists()
    with pytest.raises(AdvertError, match="declined already"):
        application_shortlist(application=application, by=holder.user, now=NOW)


def test_closing_tells_waiting_applicants(
    open_advert, pa_user, pa_listing, holder, django_capture_on_commit_callbacks
):
    application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advert_close(advert=open_advert, by=holder.user, reason="No longer needed", now=NOW)
    assert [message.subject for message in mail.outbox] == ["An advert you applied to has closed"]
    with pytest.raises(AdvertError, match="already closed"):
        advert_close(advert=open_advert, by=holder.user, reason="Again", now=NOW)
