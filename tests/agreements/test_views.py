"""The agreement pages for every role: who sees what, who may act, bad input, PDFs and query counts."""

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.agreements import services
from marketplace.agreements.models import Agreement, TimesheetEntry
from tests.factories import UserFactory

from .conftest import NOW, TODAY, moment, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_today() -> Any:
    with time_machine.travel(NOW, tick=True):
        yield


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page(agreement: Agreement) -> str:
    return reverse("agreements:agreement", args=[agreement.uuid])


def provider_page(agreement: Agreement) -> str:
    return reverse("agreements:provider_agreement", args=[agreement.uuid])


def date_fields(name: str, day: date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def terms_post(**overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slots": ["tue-morning", "thu-morning"],
        "unit": "hour",
        "units_per_week": "6",
        "rate": "16.50",
        "bank_holiday_rate": "",
        "rate_includes": "Travel time",
        "topup": "",
        "notice_weeks": "4",
        "cancellation_terms": "",
        "employment": "employed",
        **date_fields("start_on", TODAY + timedelta(days=7)),
    }
    data.update(overrides)
    return data


# Proposing ----------------------------------------------------------------------------------


def test_the_holder_proposes_from_an_enquiry_with_the_form_filled_in(enquiry: Any, personal_care: Any) -> None:
    client = client_for(enquiry.holder.user)
    url = reverse("agreements:propose_from_enquiry", args=[enquiry.uuid])
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="21.50"' in html  # the enquiry's rate
    assert 'value="tue-morning" checked' in html
    response = client.post(url, {**terms_post(), "services": [personal_care.pk]})
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(agreement)
    assert agreement.enquiry == enquiry
    assert agreement.versions.get().rate_pence == 1650


def test_the_provider_proposes_from_the_enquiry_and_the_holder_accepts(
    enquiry: Any, provider_owner: Any, personal_care: Any
) -> None:
    url = reverse("agreements:provider_propose_from_enquiry", args=[enquiry.uuid])
    response = client_for(provider_owner).post(url, {**terms_post(), "services": [personal_care.pk]})
    agreement = Agreement.objects.get()
    assert response["Location"] == provider_page(agreement)
    holder_client = client_for(enquiry.holder.user)
    assert "Accept version 1" in holder_client.get(page(agreement)).content.decode()
    holder_client.post(reverse("agreements:accept", args=[agreement.uuid]), {"version": "1"})
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.LIVE


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate", "abc", "Enter the rate in pounds"),
        ("rate", "99999", "Enter the rate in pounds"),
        ("units_per_week", "-1", "Enter the hours or sessions a week as a number"),
        ("notice_weeks", "999", "from 0 to 52 weeks"),
        ("topup", "20", "cannot be more than the rate"),
        ("bank_holiday_rate", "1", "at least the usual rate"),
        ("start_on_day", "31", "must be a real date"),
        ("employment", "boss", "Select one of the options"),
        ("slots", "sun-never", "Select times from the grid"),
    ],
)
def test_bad_input_on_the_proposal_gets_a_message_and_keeps_what_was_typed(
    enquiry: Any, personal_care: Any, field: str, value: str, message: str
) -> None:
    data = {**terms_post(rate_includes="<b>Travel</b> & parking"), "services": [personal_care.pk], field: value}
    if field == "start_on_day":
        data["start_on_month"] = "2"
    response = client_for(enquiry.holder.user).post(
        reverse("agreements:propose_from_enquiry", args=[enquiry.uuid]), data
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert message.lower() in html.lower()
    assert "&lt;b&gt;Travel&lt;/b&gt; &amp; parking" in html
    assert not Agreement.objects.exists()


# Who may do what ----------------------------------------------------------------------------


def test_without_the_agree_right_a_family_member_cannot_propose_accept_change_or_end(
    enquiry: Any, proposed: Agreement, agree_only: Any, money_only: Any, personal_care: Any
) -> None:
    client = client_for(money_only)
    assert client.get(reverse("agreements:propose_from_enquiry", args=[enquiry.uuid])).status_code == 403
    assert client.get(page(proposed)).status_code == 200  # they may see it
    assert client.post(reverse("agreements:accept", args=[proposed.uuid]), {"version": "1"}).status_code == 403
    assert client.get(reverse("agreements:change", args=[proposed.uuid])).status_code == 403
    assert client.post(reverse("agreements:end", args=[proposed.uuid]), {"reason": "x"}).status_code == 403
    assert Agreement.objects.get().status == Agreement.Status.PROPOSED


def test_without_the_money_right_no_timesheet_no_approval_and_no_invoices(
    agreement: Agreement, provider_owner: Any, agree_only: Any, family: Any
) -> None:
    entry = record(agreement, provider_owner, date(2026, 3, 3))
    services.timesheet_approve(entry=entry, by=family, now=NOW)
    invoice = services.invoice_issue(agreement=agreement, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    waiting = record(agreement, provider_owner, date(2026, 3, 5))
    client = client_for(agree_only)
    html = client.get(page(agreement)).content.decode()
    assert 'id="timesheet"' not in html
    assert invoice.number not in html
    assert client.get(reverse("agreements:invoice", args=[invoice.uuid])).status_code == 404
    assert client.get(reverse("agreements:download_invoice", args=[invoice.uuid])).status_code == 404
    assert client.post(reverse("agreements:approve_entry", args=[waiting.uuid])).status_code == 404
    assert (
        client.post(
            reverse("agreements:approve_week", args=[agreement.uuid]), {"entry": [str(waiting.uuid)]}
        ).status_code
        == 403
    )
    assert client.post(reverse("agreements:query_entry", args=[waiting.uuid]), {"body": "?"}).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == TimesheetEntry.Status.SUBMITTED
    # but they may agree support: accept a change
    assert client.get(reverse("agreements:change", args=[agreement.uuid])).status_code == 200


def test_the_money_right_approves_and_queries(agreement: Agreement, provider_owner: Any, money_only: Any) -> None:
    first = record(agreement, provider_owner, date(2026, 3, 3))
    second = record(agreement, provider_owner, date(2026, 3, 5))
    client = client_for(money_only)
    assert "Approve selected" in client.get(page(agreement)).content.decode()
    client.post(reverse("agreements:approve_week", args=[agreement.uuid]), {"entry": [str(first.uuid), "nonsense"]})
    response = client.post(reverse("agreements:query_entry", args=[second.uuid]), {"body": "Was it not two hours?"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "approved"
    assert first.decided_by == money_only
    assert second.status == "queried"
    provider_html = client_for(provider_owner).get(provider_page(agreement)).content.decode()
    assert "Was it not two hours?" in provider_html


def test_the_provider_records_an_entry_and_bad_input_is_kept(agreement: Agreement, provider_owner: Any) -> None:
    client = client_for(provider_owner)
    url = reverse("agreements:record_entry", args=[agreement.uuid])
    bad = client.post(url, {**date_fields("worked_on", date(2026, 3, 3)), "quantity": "three", "note": "<i>late</i>"})
    assert bad.status_code == 400
    assert "Enter the hours or sessions as a number" in bad.content.decode()
    assert "&lt;i&gt;late&lt;/i&gt;" in bad.content.decode()
    future = client.post(url, {**date_fields("worked_on", TODAY + timedelta(days=3)), "quantity": "3"})
    assert "only record support already given" in future.content.decode()
    good = client.post(url, {**date_fields("worked_on", date(2026, 3, 3)), "quantity": "3.5"})
    assert good.status_code == 302
    assert TimesheetEntry.objects.get().amount_pence == 5600


@pytest.mark.parametrize("role", ["other provider", "stranger", "anonymous"])
def test_outsiders_see_nothing(
    role: str, agreement: Agreement, provider_owner: Any, family: Any, other_provider_owner: Any, stranger: Any
) -> None:
    entry = record(agreement, provider_owner, date(2026, 3, 3))
    services.timesheet_approve(entry=entry, by=family, now=NOW)
    invoice = services.invoice_issue(agreement=agreement, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    waiting = record(agreement, provider_owner, date(2026, 3, 5))
    user = {"other provider": other_provider_owner, "stranger": stranger, "anonymous": None}[role]
    client = client_for(user)
    expected = 302 if user is None else 404  # signed out: to the sign-in page
    for url in (
        page(agreement),
        provider_page(agreement),
        reverse("agreements:download", args=[agreement.uuid]),
        reverse("agreements:invoice", args=[invoice.uuid]),
        reverse("agreements:download_invoice", args=[invoice.uuid]),
        reverse("agreements:correct_entry", args=[waiting.uuid]),
        reverse("agreements:query_entry", args=[waiting.uuid]),
    ):
        assert client.get(url).status_code == expected, url
    for url in (
        reverse("agreements:accept", args=[agreement.uuid]),
        reverse("agreements:provider_accept", args=[agreement.uuid]),
        reverse("agreements:approve_entry", args=[waiting.uuid]),
        reverse("agreements:record_entry", args=[agreement.uuid]),
        reverse("agreements:issue_invoice", args=[agreement.uuid]),
    ):
        assert client.post(url, {"version": "1"}).status_code == expected, url
    waiting.refresh_from_db()
    assert waiting.status == TimesheetEntry.Status.SUBMITTED


def test_a_viewer_sees_the_agreement_but_not_its_money_and_a_commissioner_cannot_act(
    agreement: Agreement, viewer: Any, commissioner_user: Any
) -> None:
    assert client_for(viewer).get(page(agreement)).status_code == 200
    assert client_for(viewer).post(reverse("agreements:end", args=[agreement.uuid])).status_code == 403
    commissioner = client_for(commissioner_user)
    assert commissioner.post(reverse("agreements:accept", args=[agreement.uuid]), {"version": "1"}).status_code in (
        302,
        403,
    )
    assert commissioner.post(reverse("agreements:end", args=[agreement.uuid]), {"reason": "x"}).status_code in (
        302,
        403,
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.LIVE


def test_a_change_shows_side_by_side_and_both_pdfs_download(
    agreement: Agreement, provider_owner: Any, family: Any, personal_care: Any
) -> None:
    client = client_for(family)
    response = client.post(
        reverse("agreements:change", args=[agreement.uuid]),
        {**terms_post(rate="18.00", change_note="Two pounds more"), "services": [personal_care.pk]},
    )
    assert response.status_code == 302
    html = client_for(provider_owner).get(provider_page(agreement)).content.decode()
    assert "In force now (version 1)" in html
    assert "£18.00 per hour" in html
    assert "£16.00 per hour" in html
    assert "Two pounds more" in html
    pdf = client.get(reverse("agreements:download", args=[agreement.uuid]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    entry = record(agreement, provider_owner, date(2026, 3, 3))
    services.timesheet_approve(entry=entry, by=family, now=NOW)
    invoice = services.invoice_issue(agreement=agreement, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    invoice_pdf = client_for(provider_owner).get(reverse("agreements:download_invoice", args=[invoice.uuid]))
    assert invoice_pdf.content.startswith(b"%PDF")
    assert "To pay" in client.get(reverse("agreements:invoice", args=[invoice.uuid])).content.decode()


def test_ending_from_the_page_asks_for_the_notice(agreement: Agreement, provider_owner: Any) -> None:
    client = client_for(provider_owner)
    url = reverse("agreements:provider_end", args=[agreement.uuid])
    early = client.post(url, {**date_fields("last_day", TODAY + timedelta(days=2)), "reason": "Retiring"})
    assert early.status_code == 400
    assert "at the earliest" in early.content.decode()
    done = client.post(url, {**date_fields("last_day", TODAY + timedelta(weeks=4)), "reason": "Retiring"})
    assert done.status_code == 302
    agreement.refresh_from_db()
    assert agreement.ended_by_side == "provider"


# Sections and query counts ------------------------------------------------------------------


def _fill(agreement: Agreement, provider_owner: Any, family: Any, days: int) -> None:
    for offset in range(days):
        entry = record(agreement, provider_owner, date(2026, 3, 2) + timedelta(days=offset % 9), "1")
        if offset % 3 == 0:
            services.timesheet_approve(entry=entry, by=family, now=NOW)
        elif offset % 3 == 1:
            services.timesheet_query(entry=entry, by=family, body="Which day?", now=NOW)
    if agreement.timesheet_entries.filter(status="approved", invoice__isnull=True).exists():
        services.invoice_issue(agreement=agreement, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pages_run_the_same_queries_for_few_or_many_entries(
    agreement: Agreement, provider_owner: Any, family: Any
) -> None:
    _fill(agreement, provider_owner, family, 3)
    holder_client, provider_client = client_for(family), client_for(provider_owner)
    urls = [
        (holder_client, page(agreement)),
        (provider_client, provider_page(agreement)),
        (provider_client, reverse("agreements:provider_list")),
        (holder_client, reverse("engagement:home")),
        (provider_client, reverse("providers:dashboard")),
    ]
    for client, url in urls:  # a first request of its own (the session's first touches), not counted
        client.get(url)
    few = [_count(client, url) for client, url in urls]
    _fill(agreement, provider_owner, family, 15)
    many = [_count(client, url) for client, url in urls]
    assert few == many


def test_your_support_counts_from_the_records(agreement: Agreement, provider_owner: Any, family: Any) -> None:
    record(agreement, provider_owner, date(2026, 3, 3))
    record(agreement, provider_owner, date(2026, 3, 5))
    html = client_for(family).get(reverse("engagement:home")).content.decode()
    assert "2 timesheet entries to approve" in html
    assert 'id="agreements"' in html
    dashboard = client_for(provider_owner).get(reverse("providers:dashboard")).content.decode()
    assert "2 waiting for approval" in dashboard


def test_a_signed_in_person_with_no_listing_has_no_provider_list() -> None:
    user = UserFactory()
    assert client_for(user).get(reverse("agreements:provider_list")).status_code == 404
    assert moment(TODAY).date() == TODAY


def test_the_advertiser_proposes_to_an_applicant_with_the_advert_s_terms(
    holder: Any, provider: Any, provider_owner: Any, personal_care: Any, agree_only: Any, money_only: Any
) -> None:
    from marketplace.adverts.models import Advert, AdvertApplication

    advert = Advert.objects.create(
        holder=holder,
        posted_by=holder.user,
        status=Advert.Status.OPEN,
        title="Mornings",
        postcode_district="WE1",
        availability_mask=1,
        hours_per_week=8,
        hourly_rate_pence=1475,
        employment="self_employed",
        created_at=NOW,
    )
    advert.services.set([personal_care])
    application = AdvertApplication.objects.create(
        advert=advert, provider=provider, applicant=provider_owner, created_at=NOW
    )
    url = reverse("agreements:propose_from_application", args=[application.uuid])
    assert client_for(money_only).get(url).status_code == 403
    assert (
        client_for(provider_owner).get(url).status_code == 403
    )  # the applicant cannot propose on the advertiser's side
    form = client_for(agree_only).get(url)
    html = form.content.decode()
    assert 'value="14.75"' in html
    assert 'value="self_employed" checked' in html
    response = client_for(agree_only).post(
        url, {**terms_post(employment="self_employed"), "services": [personal_care.pk]}
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.advert_application == application
    assert agreement.versions.get().proposed_by == agree_only
