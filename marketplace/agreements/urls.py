"""Agreements for the holder's side under /your-support/agreements/, the provider's under /provider/agreements/.

One view serves both sides where the work is the same; the URL says which side.
"""

from django.urls import path

from . import pool_views, views

HOLDER = {"side": "holder"}
PROVIDER = {"side": "provider"}

app_name = "agreements"
urlpatterns = [
    # The holder's side
    path(
        "your-support/agreements/from-enquiry/<uuid:enquiry_uuid>/",
        views.propose_from_enquiry,
        HOLDER,
        name="propose_from_enquiry",
    ),
    path(
        "your-support/agreements/from-application/<uuid:application_uuid>/",
        views.propose_from_application,
        name="propose_from_application",
    ),
    path("your-support/agreements/<uuid:agreement_uuid>/", views.agreement_page, HOLDER, name="agreement"),
    path("your-support/agreements/<uuid:agreement_uuid>/accept/", views.accept, HOLDER, name="accept"),
    path("your-support/agreements/<uuid:agreement_uuid>/change/", views.change, HOLDER, name="change"),
    path("your-support/agreements/<uuid:agreement_uuid>/end/", views.end, HOLDER, name="end"),
    path("your-support/agreements/<uuid:agreement_uuid>/approve/", views.approve_week, name="approve_week"),
    path("your-support/timesheets/<uuid:entry_uuid>/approve/", views.approve_entry, name="approve_entry"),
    path("your-support/timesheets/<uuid:entry_uuid>/query/", views.query_entry, name="query_entry"),
    path("your-support/timesheets/<uuid:entry_uuid>/reply/", views.reply_entry, HOLDER, name="reply_entry"),
    path("your-support/agreements/<uuid:agreement_uuid>/share/", pool_views.invite, HOLDER, name="pool_invite"),
    path("your-support/shared-support/<uuid:member_uuid>/join/", pool_views.join, name="pool_join"),
    path("your-support/shared-support/<uuid:member_uuid>/decline/", pool_views.decline, name="pool_decline"),
    path("your-support/shared-support/<uuid:member_uuid>/leave/", pool_views.leave, name="pool_leave"),
    # The provider's side
    path("provider/agreements/", views.provider_list, name="provider_list"),
    path(
        "provider/agreements/from-enquiry/<uuid:enquiry_uuid>/",
        views.propose_from_enquiry,
        PROVIDER,
        name="provider_propose_from_enquiry",
    ),
    path("provider/agreements/<uuid:agreement_uuid>/", views.agreement_page, PROVIDER, name="provider_agreement"),
    path("provider/agreements/<uuid:agreement_uuid>/accept/", views.accept, PROVIDER, name="provider_accept"),
    path("provider/agreements/<uuid:agreement_uuid>/change/", views.change, PROVIDER, name="provider_change"),
    path("provider/agreements/<uuid:agreement_uuid>/end/", views.end, PROVIDER, name="provider_end"),
    path("provider/agreements/<uuid:agreement_uuid>/timesheet/", views.record_entry, name="record_entry"),
    path("provider/agreements/<uuid:agreement_uuid>/invoice/", views.issue_invoice, name="issue_invoice"),
    path(
        "provider/agreements/<uuid:agreement_uuid>/share/",
        pool_views.invite,
        PROVIDER,
        name="provider_pool_invite",
    ),
    path("provider/agreements/<uuid:agreement_uuid>/shares/", pool_views.shares, name="pool_shares"),
    path("provider/timesheets/<uuid:entry_uuid>/correct/", views.correct_entry, name="correct_entry"),
    path("provider/timesheets/<uuid:entry_uuid>/reply/", views.reply_entry, PROVIDER, name="provider_reply_entry"),
    # Either side
    path("agreements/<uuid:agreement_uuid>/agreement.pdf", views.download_agreement, name="download"),
    path("invoices/<uuid:invoice_uuid>/", views.invoice_page, name="invoice"),
    path("invoices/<uuid:invoice_uuid>/invoice.pdf", views.download_invoice, name="download_invoice"),
]
