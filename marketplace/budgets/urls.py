"""The holder's money pages, under /your-support/money/<holder>/."""

from django.urls import path

from . import views

app_name = "budgets"
urlpatterns = [
    path("<uuid:holder_uuid>/", views.money, name="money"),
    path("<uuid:holder_uuid>/invoices/<uuid:invoice_uuid>/paid/", views.invoice_pay, name="invoice_pay"),
    path("<uuid:holder_uuid>/spending/new/", views.spending_new, name="spending_new"),
    path("<uuid:holder_uuid>/wages/", views.payroll_new, name="payroll"),
    path("<uuid:holder_uuid>/wages/import/", views.payroll_import, name="payroll_import"),
    path("<uuid:holder_uuid>/statement/", views.statement, name="statement"),
    path("<uuid:holder_uuid>/receipts/<uuid:transaction_uuid>/", views.receipt, name="receipt"),
    path("<uuid:holder_uuid>/employer/", views.employer_duties, name="employer_duties"),
    path("<uuid:holder_uuid>/employer/<uuid:duty_uuid>/", views.employer_duty_edit, name="employer_duty_edit"),
    path(
        "<uuid:holder_uuid>/employer/evidence/<int:evidence_id>/",
        views.employer_duty_evidence,
        name="employer_duty_evidence",
    ),
]
