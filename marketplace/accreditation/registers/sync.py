"""What the external registers tell us, turned into records, alerts and contingency signals.

`cqc_sync_provider`, `companies_house_sync_provider` and `dbs_update_check`
each ask one register about one provider (or one DBS check), then, in one
transaction, keep the answer on the provider's `RegisterRecord` and raise a
`RegisterAlert` for what changed for the worse: an alert is raised when the
register's answer *becomes* bad (the previous record said otherwise), so a
provider rated Inadequate is reported once, not every night. Each alert is
emailed to commissioners and, where it bears on provider failure, passed to
the contingency app as a signal.

The register is asked before the transaction opens, so no lock is held while
waiting on the network. When a register cannot answer, its `RegisterError`
propagates and nothing is written; the sweeps (`cqc_sync_all`...) catch it
per provider, count it and carry on, and skip a register whose settings are
missing, saying so in the log and on its `ScheduledJobRun`.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.selectors import commissioner_email_addresses
from marketplace.core.clock import moment_on
from marketplace.core.notifications import email_send
from marketplace.core.services import scheduled_job_record_run
from marketplace.providers import hooks as provider_hooks
from marketplace.providers.models import Provider
from marketplace.providers.services import provider_set_cqc_rating

from ..models import CheckType, ProviderCheck, RegisterAlert, RegisterRecord
from ..services import check_return_to_review
from . import RegisterError, companies_house, cqc, dbs_update_service, missing_settings_phrase
from .companies_house import CompaniesHouseClient, CompaniesHouseError, CompanyNotFound, CompanyProfile, InsolvencyCase
from .cqc import CqcClient, CqcError, CqcNotFound, CqcRegistration
from .dbs_update_service import DbsStatus, DbsStatusResult, DbsUpdateServiceClient, DbsUpdateServiceError

logger = logging.getLogger(__name__)

Source = RegisterAlert.Source
NOT_FOUND = "Not found"

# Automatic contingency triggers (marketplace.contingency.models.AutomaticTrigger) raised with alerts.
SIGNAL_CQC_INADEQUATE = "cqc_inadequate"
SIGNAL_CQC_DEREGISTERED = "cqc_deregistered"
SIGNAL_INSOLVENCY = "insolvency"
SIGNAL_STRUCK_OFF = "struck_off"
SIGNAL_OVERDUE_ACCOUNTS = "overdue_accounts"

# Which DBS status a provider's record shows when it has several checks: the most serious.
DBS_SERIOUSNESS = [
    DbsStatus.BLANK_NO_NEW_INFO,
    DbsStatus.NON_BLANK_NO_NEW_INFO,
    DbsStatus.NO_MATCH_FOUND,
    DbsStatus.NEW_INFO,
]


@dataclass
class RegisterSyncResult:
    """The provider's record after a sync, and the alerts the sync raised (often none)."""

    record: RegisterRecord
    alerts: list[RegisterAlert] = field(default_factory=list)


# --- CQC ------------------------------------------------------------------------------------------------------


def cqc_sync_provider(
    *, provider: Provider, client: CqcClient | None = None, today: date | None = None
) -> RegisterSyncResult:
    """Read the provider's CQC registration and current rating; update the listing's rating; alert on the worst.

    Asks about the CQC location when the listing has a location ID (care
    services are rated per location), otherwise about the CQC provider.
    Alerts when the rating becomes Inadequate or the registration becomes
    Deregistered. Raises `CqcError` when the CQC cannot answer.
    """
    if provider.cqc_location_id:
        kind, cqc_id = "location", provider.cqc_location_id
    elif provider.cqc_provider_id:
        kind, cqc_id = "provider", provider.cqc_provider_id
    else:
        raise CqcError(f"{provider.name} has no CQC location or provider ID.")
    client = client or CqcClient.from_settings()
    try:
        registration = client.location(cqc_id) if kind == "location" else client.provider(cqc_id)
    except CqcNotFound:
        return _register_not_found(provider=provider, source=Source.CQC, what=f"the CQC {kind} ID {cqc_id}")
    return _cqc_apply(provider=provider, registration=registration, today=today)


@transaction.atomic
def _cqc_apply(*, provider: Provider, registration: CqcRegistration, today: date | None) -> RegisterSyncResult:
    previous = _previous_data(provider=provider, source=Source.CQC)
    record = _record_save(
        provider=provider, source=Source.CQC, status=registration.registration_status, data=registration.as_data()
    )
    rating = registration.provider_rating
    if (provider.cqc_rating, provider.cqc_rating_date) != (rating, registration.report_date):
        provider_set_cqc_rating(provider=provider, rating=rating, rating_date=registration.report_date)
    result = RegisterSyncResult(record=record)
    if registration.is_inadequate and previous.get("overall_rating") != cqc.INADEQUATE:
        on = f" in its report of {_long_date(registration.report_date)}" if registration.report_date else ""
        result.alerts.append(
            _raise_alert(
                provider=provider,
                source=Source.CQC,
                code="inadequate",
                message=f"The CQC rated {provider.name} Inadequate{on} ({registration.kind} {registration.cqc_id}).",
                signal=SIGNAL_CQC_INADEQUATE,
                today=today,
            )
        )
    if registration.is_deregistered and previous.get("registration_status") != cqc.DEREGISTERED:
        since = f" on {_long_date(registration.deregistration_date)}" if registration.deregistration_date else ""
        result.alerts.append(
            _raise_alert(
                provider=provider,
                source=Source.CQC,
                code="deregistered",
                message=(
                    f"The CQC shows {provider.name} as deregistered{since} "
                    f"({registration.kind} {registration.cqc_id}): it may no longer carry out regulated activity."
                ),
                signal=SIGNAL_CQC_DEREGISTERED,
                today=today,
            )
        )
    return result


# --- Companies House -----------------------------------------------------------------------------------------


def companies_house_sync_provider(
    *, provider: Provider, client: CompaniesHouseClient | None = None, today: date | None = None
) -> RegisterSyncResult:
    """Read an incorporated provider's company status, insolvency history and accounts; alert on what turned bad.

    Alerts when the company stops being active (dissolved, in liquidation,
    administration...), is proposed for strike-off, gains an insolvency
    history, or its accounts become overdue. The insolvency cases are read
    only when the history is first seen. Raises `CompaniesHouseError` when
    Companies House cannot answer.
    """
    if not provider.company_number.strip():
        raise CompaniesHouseError(f"{provider.name} has no company number.")
    client = client or CompaniesHouseClient.from_settings()
    today = today or timezone.localdate()
    try:
        profile = client.company(provider.company_number)
    except CompanyNotFound:
        return _register_not_found(
            provider=provider, source=Source.COMPANIES_HOUSE, what=f"the company number {provider.company_number}"
        )
    cases: tuple[InsolvencyCase, ...] | None = None
    history_already_seen = RegisterRecord.objects.filter(
        provider=provider, source=Source.COMPANIES_HOUSE, data__has_insolvency_history=True
    ).exists()
    if profile.has_insolvency_history and not history_already_seen:
        try:
            cases = client.insolvency(profile.company_number)
        except CompaniesHouseError as error:
            # The profile is what matters; the cases only add detail to the alert.
            logger.warning("Insolvency cases for company %s not read: %s", profile.company_number, error)
    return _companies_house_apply(provider=provider, profile=profile, insolvency_cases=cases, today=today)


def _status_words(status: str) -> str:
    return status.replace("-", " ")


@transaction.atomic
def _companies_house_apply(
    *, provider: Provider, profile: CompanyProfile, insolvency_cases: tuple[InsolvencyCase, ...] | None, today: date
) -> RegisterSyncResult:
    previous = _previous_data(provider=provider, source=Source.COMPANIES_HOUSE)
    accounts_overdue = profile.has_overdue_accounts(today)
    data: dict[str, Any] = {
        "company_number": profile.company_number,
        "company_name": profile.company_name,
        "company_status": profile.company_status,
        "company_status_detail": profile.company_status_detail,
        "date_of_cessation": _iso(profile.date_of_cessation),
        "has_insolvency_history": profile.has_insolvency_history,
        "accounts_overdue": accounts_overdue,
        "accounts_next_due": _iso(profile.accounts_next_due),
        "confirmation_statement_overdue": profile.confirmation_statement_overdue,
        "insolvency_cases": (
            [{"type": case.case_type, "number": case.number} for case in insolvency_cases]
            if insolvency_cases is not None
            else previous.get("insolvency_cases", [])
        ),
    }
    record = _record_save(provider=provider, source=Source.COMPANIES_HOUSE, status=profile.company_status, data=data)
    result = RegisterSyncResult(record=record)
    company = f"{provider.name} (company {profile.company_number})"
    status_changed = previous.get("company_status") != profile.company_status

    def alert(code: str, message: str, signal: str | None) -> None:
        result.alerts.append(
            _raise_alert(
                provider=provider,
                source=Source.COMPANIES_HOUSE,
                code=code,
                message=message,
                signal=signal,
                today=today,
            )
        )

    if profile.is_dissolved and status_changed:
        on = f" on {_long_date(profile.date_of_cessation)}" if profile.date_of_cessation else ""
        alert(
            "dissolved", f"Companies House shows {company} as dissolved{on}: it no longer exists.", SIGNAL_STRUCK_OFF
        )
    elif profile.is_proposed_for_strike_off and previous.get("company_status_detail") != profile.company_status_detail:
        alert(
            "strike_off_proposed",
            f"Companies House has published a proposal to strike {company} off the register.",
            SIGNAL_STRUCK_OFF,
        )
    newly_insolvent = profile.is_in_insolvency_procedure and status_changed
    history_newly_seen = profile.has_insolvency_history and not previous.get("has_insolvency_history")
    if newly_insolvent or history_newly_seen:
        parts = []
        if newly_insolvent:
            parts.append(f"Companies House shows {company} in {_status_words(profile.company_status)}.")
        if history_newly_seen:
            parts.append(f"Companies House now records an insolvency history for {company}.")
        if insolvency_cases:
            kinds = sorted({_status_words(case.case_type) for case in insolvency_cases if case.case_type})
            parts.append(f"Cases: {', '.join(kinds)}.")
        alert("insolvency", " ".join(parts), SIGNAL_INSOLVENCY)
    if (
        status_changed
        and not profile.is_active
        and not profile.is_dissolved
        and not profile.is_in_insolvency_procedure
    ):
        alert(
            "not_active",
            f"Companies House shows {company} as “{_status_words(profile.company_status)}”, not active.",
            None,
        )
    if accounts_overdue and not previous.get("accounts_overdue"):
        due = f" (they were due by {_long_date(profile.accounts_next_due)})" if profile.accounts_next_due else ""
        alert(
            "accounts_overdue",
            f"The accounts of {company} are overdue at Companies House{due}.",
            SIGNAL_OVERDUE_ACCOUNTS,
        )
    return result


# --- DBS Update Service --------------------------------------------------------------------------------------


def is_on_dbs_update_service(provider_check: ProviderCheck) -> bool:
    return provider_check.check_type.has_certificate_number and provider_check.is_on_update_service


def dbs_update_check(
    *, provider_check: ProviderCheck, client: DbsUpdateServiceClient | None = None, today: date | None = None
) -> RegisterSyncResult:
    """Ask the DBS Update Service whether anything changed on a check's certificate, and act on the answer.

    NEW_INFO sends a verified check back to review (the provider must show a
    new certificate) and alerts commissioners; NO_MATCH_FOUND alerts that the
    details we hold do not match. Only the status and the time of the check are
    kept. Raises `DbsUpdateServiceError` when the service cannot answer, or the
    check lacks what the service needs.
    """
    if not is_on_dbs_update_service(provider_check):
        raise DbsUpdateServiceError("This check is not a DBS certificate on the Update Service.")
    if not provider_check.certificate_number or not provider_check.holder_surname:
        raise DbsUpdateServiceError("The check has no certificate number or holder's surname to check with.")
    try:
        date_of_birth = date.fromisoformat(provider_check.holder_date_of_birth)
    except (TypeError, ValueError):
        raise DbsUpdateServiceError("The check has no readable date of birth for the certificate holder.") from None
    client = client or DbsUpdateServiceClient.from_settings()
    answer = client.status(
        certificate_number=provider_check.certificate_number,
        surname=provider_check.holder_surname,
        date_of_birth=date_of_birth,
    )
    return _dbs_apply(provider_check=provider_check, answer=answer, today=today)


@transaction.atomic
def _dbs_apply(*, provider_check: ProviderCheck, answer: DbsStatusResult, today: date | None) -> RegisterSyncResult:
    check = (
        ProviderCheck.objects.select_for_update(of=("self",))
        .select_related("provider", "worker", "check_type")
        .get(pk=provider_check.pk)
    )
    provider = check.provider
    now = moment_on(today)
    previous = _previous_data(provider=provider, source=Source.DBS_UPDATE_SERVICE)
    checks: dict[str, dict[str, Any]] = dict(previous.get("checks") or {})
    key = str(check.uuid)
    previous_status = (checks.get(key) or {}).get("status")
    checks[key] = {"status": answer.status.value, "print_date": _iso(answer.print_date), "checked_at": now.isoformat()}
    worst = max((DbsStatus(entry["status"]) for entry in checks.values()), key=DBS_SERIOUSNESS.index)
    record = _record_save(
        provider=provider, source=Source.DBS_UPDATE_SERVICE, status=worst.value, data={"checks": checks}
    )
    ProviderCheck.objects.filter(pk=check.pk).update(last_external_check_at=now)
    provider_check.last_external_check_at = now
    result = RegisterSyncResult(record=record)
    holder = f"{check.worker.full_name} at {provider.name}" if check.worker_id and check.worker else provider.name
    certificate = f"the DBS certificate ending {check.certificate_number_last_digits or '(unknown)'} for {holder}"
    if answer.has_new_information:
        returned = False
        if check.status == ProviderCheck.Status.VERIFIED:
            check_return_to_review(
                provider_check=check,
                reason=(
                    "The DBS Update Service reports new information on this certificate since it was issued. "
                    "Ask the provider for the new certificate and review it again."
                ),
                today=today,
            )
            returned = True
        if returned or previous_status != DbsStatus.NEW_INFO:
            what_next = (
                "The check was returned for review: ask to see a new certificate."
                if returned
                else "Ask to see a new certificate and review the check."
            )
            result.alerts.append(
                _raise_alert(
                    provider=provider,
                    source=Source.DBS_UPDATE_SERVICE,
                    code="new_info",
                    message=f"The DBS Update Service reports new information on {certificate}. {what_next}",
                    signal=None,
                )
            )
    elif not answer.is_match and previous_status != DbsStatus.NO_MATCH_FOUND:
        result.alerts.append(
            _raise_alert(
                provider=provider,
                source=Source.DBS_UPDATE_SERVICE,
                code="no_match",
                message=(
                    f"The details we hold for {certificate} do not match a certificate on the DBS Update Service. "
                    "Check the certificate number, surname and date of birth with the provider, and that the "
                    "certificate is still subscribed."
                ),
                signal=None,
            )
        )
    return result


# --- Records and alerts --------------------------------------------------------------------------------------


def _previous_data(*, provider: Provider, source: str) -> dict[str, Any]:
    """The data of the provider's current record for this register, locked until the transaction ends; {} if none.

    Only call it inside a transaction (select_for_update refuses otherwise).
    """
    record = RegisterRecord.objects.select_for_update().filter(provider=provider, source=source).first()
    return dict(record.data) if record else {}


def _record_save(*, provider: Provider, source: str, status: str, data: dict[str, Any]) -> RegisterRecord:
    record, _ = RegisterRecord.objects.update_or_create(
        provider=provider,
        source=source,
        defaults={"status": status[:60], "data": data, "fetched_at": timezone.now()},
    )
    return record


@transaction.atomic
def _register_not_found(*, provider: Provider, source: str, what: str) -> RegisterSyncResult:
    """The register does not know the identifier on the listing: alert once, keep what we knew before."""
    previous = _previous_data(provider=provider, source=source)
    # Alert again only if the listing now gives another identifier the register does not know either.
    already_reported = RegisterRecord.objects.filter(
        provider=provider, source=source, status=NOT_FOUND, data__not_found=what
    ).exists()
    record = _record_save(provider=provider, source=source, status=NOT_FOUND, data={**previous, "not_found": what})
    result = RegisterSyncResult(record=record)
    if not already_reported:
        register = Source(source).label
        result.alerts.append(
            _raise_alert(
                provider=provider,
                source=source,
                code="not_found",
                message=(
                    f"{register} has no record for {what} on {provider.name}'s listing. "
                    "Check the number with the provider: it may be mistyped, or the registration may have ended."
                ),
                signal=None,
            )
        )
    return result


def _raise_alert(
    *, provider: Provider, source: str, code: str, message: str, signal: str | None, today: date | None = None
) -> RegisterAlert:
    alert = RegisterAlert.objects.create(provider=provider, source=source, code=code, message=message)
    logger.info("Register alert for provider %s: %s", provider.pk, code)
    email_send(
        to=commissioner_email_addresses(),
        subject=f"{alert.get_source_display()}: {provider.name}",
        template="register_alert",
        context={"alert": alert, "provider": provider, "admin_path": provider_admin_path(provider)},
    )
    if signal:
        _signal_contingency(provider=provider, signal=signal, detail=message, today=today)
    return alert


def _signal_contingency(*, provider: Provider, signal: str, detail: str, today: date | None) -> None:
    """Tell the contingency app through the providers' hook (contingency sits above accreditation)."""
    provider_hooks.risk_signal(provider=provider, signal=signal, detail=detail, today=today)


def provider_admin_path(provider: Provider) -> str:
    return reverse("wagtailsnippets_providers_provider:edit", args=[provider.pk])


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- Sweeps --------------------------------------------------------------------------------------------------


@dataclass
class SweepSummary:
    """What one register's sweep did, as recorded on its ScheduledJobRun."""

    register: str
    job_name: str
    skipped_because: str = ""
    checked: int = 0
    alerts: int = 0
    failed: int = 0
    temporary_failures: int = 0

    @property
    def register_seems_down(self) -> bool:
        """Every request failed in a way that may pass (timeouts, 5xx): worth trying the sweep again later."""
        return self.checked == 0 and self.failed > 0 and self.temporary_failures == self.failed

    def __str__(self) -> str:
        if self.skipped_because:
            return f"{self.register}: skipped, {self.skipped_because}"
        return f"{self.register}: {self.checked} checked, {self.alerts} alerts, {self.failed} failed"


Item = TypeVar("Item")


def _sweep(
    summary: SweepSummary,
    items: Iterable[Item],
    sync: Callable[[Item], RegisterSyncResult],
    describe: Callable[[Item], str],
) -> SweepSummary:
    for item in items:
        try:
            result = sync(item)
        except RegisterError as error:
            summary.failed += 1
            summary.temporary_failures += int(error.is_temporary)
            logger.warning("%s, %s: %s", summary.register, describe(item), error)
            continue
        except Exception:
            # A bug for one provider must not stop the others; it is logged with its traceback.
            summary.failed += 1
            logger.exception("%s, %s: the sync failed", summary.register, describe(item))
            continue
        summary.checked += 1
        summary.alerts += len(result.alerts)
    return summary


def _finish(summary: SweepSummary) -> SweepSummary:
    if summary.skipped_because:
        logger.warning("%s", summary)
    else:
        logger.info("%s", summary)
    scheduled_job_record_run(name=summary.job_name, result=str(summary))
    return summary


def cqc_sync_all(*, today: date | None = None) -> SweepSummary:
    """Sync every published provider with a CQC location or provider ID."""
    summary = SweepSummary(
        register="CQC", job_name="registers-cqc", skipped_because=missing_settings_phrase(cqc.missing_settings())
    )
    if summary.skipped_because:
        return _finish(summary)
    client = CqcClient.from_settings()
    ids = (
        Provider.objects.published()
        .filter(Q(cqc_location_id__gt="") | Q(cqc_provider_id__gt=""))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _finish(
        _sweep(
            summary,
            list(ids),
            lambda pk: cqc_sync_provider(provider=Provider.objects.get(pk=pk), client=client, today=today),
            lambda pk: f"provider {pk}",
        )
    )


def companies_house_sync_all(*, today: date | None = None) -> SweepSummary:
    """Sync every published provider with a company number."""
    summary = SweepSummary(
        register="Companies House",
        job_name="registers-companies-house",
        skipped_because=missing_settings_phrase(companies_house.missing_settings()),
    )
    if summary.skipped_because:
        return _finish(summary)
    client = CompaniesHouseClient.from_settings()
    ids = Provider.objects.published().filter(company_number__gt="").order_by("pk").values_list("pk", flat=True)
    return _finish(
        _sweep(
            summary,
            list(ids),
            lambda pk: companies_house_sync_provider(provider=Provider.objects.get(pk=pk), client=client, today=today),
            lambda pk: f"provider {pk}",
        )
    )


def dbs_checks_to_sweep() -> list[int]:
    """Verified DBS checks of published providers (and active workers) that are on the Update Service."""
    return list(
        ProviderCheck.objects.filter(
            status=ProviderCheck.Status.VERIFIED,
            is_on_update_service=True,
            check_type__in=CheckType.objects.filter(has_certificate_number=True),
            provider__status=Provider.Status.PUBLISHED,
        )
        .filter(Q(worker__isnull=True) | Q(worker__is_active=True))
        .exclude(certificate_number="")
        .exclude(holder_surname="")
        .exclude(holder_date_of_birth="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def dbs_update_check_all(*, today: date | None = None) -> SweepSummary:
    summary = SweepSummary(
        register="DBS Update Service",
        job_name="registers-dbs-update-service",
        skipped_because=missing_settings_phrase(dbs_update_service.missing_settings()),
    )
    if summary.skipped_because:
        return _finish(summary)
    client = DbsUpdateServiceClient.from_settings()
    return _finish(
        _sweep(
            summary,
            dbs_checks_to_sweep(),
            lambda pk: dbs_update_check(
                provider_check=ProviderCheck.objects.select_related("check_type").get(pk=pk),
                client=client,
                today=today,
            ),
            lambda pk: f"check {pk}",
        )
    )


SWEEPS: dict[str, Callable[..., SweepSummary]] = {
    "cqc": cqc_sync_all,
    "companies-house": companies_house_sync_all,
    "dbs": dbs_update_check_all,
}


def registers_sync_all(*, only: Iterable[str] | None = None, today: date | None = None) -> list[SweepSummary]:
    """Run the sweeps (all, or those named in `only`: "cqc", "companies-house", "dbs") and return their summaries."""
    names = list(only) if only is not None else list(SWEEPS)
    unknown = sorted(set(names) - set(SWEEPS))
    if unknown:
        raise ValueError(f"Unknown registers: {', '.join(unknown)}. Choose from {', '.join(SWEEPS)}.")
    return [SWEEPS[name](today=today) for name in names]
