"""Hostile input everywhere, as five roles: no response may be a 5xx.

The suite discovers every URL from the URL configuration (the Wagtail admin's
included), fills its parameters with real ids, nonsense and ids too large for
any column, signs in as each role, requests each page with hostile query
parameters, then fills every form it finds on the page with generated hostile
values (long, control and invalid text, huge, negative and non-numeric
numbers, impossible dates, unknown choices, repeated parameters, malformed
uploads) and sends it, plus requests with wrong methods and without a CSRF
token. Any 5xx fails the test, listing each with its exception.

Deterministic (a seeded generator) and bounded: it prints how many requests
it sent and how long it took.
"""

import datetime
import random
import re
import time
import traceback
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone

from marketplace.accounts.services import account_email_mark_verified
from marketplace.accreditation.models import ProviderCheck
from marketplace.accreditation.services import evidence_add, provider_checks_sync, worker_add
from marketplace.agreements.services import invoice_issue as agreement_invoice_issue
from marketplace.backups.services import absence_mark
from marketplace.providers.models import Provider
from marketplace.reviews.services import review_moderate, review_write
from tests.accreditation.conftest import pdf_upload
from tests.factories import (
    AGREEMENT_MOMENT,
    AgreementFactory,
    ArrangementMembershipFactory,
    ContingencyFlagFactory,
    DirectPaymentHolderFactory,
    MonitoringFeedbackFactory,
    MonitoringVisitFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    TimesheetEntryFactory,
)

pytestmark = pytest.mark.django_db

SEED = 15
HUGE = "9" * 25
LONG = "x" * 5000
HOSTILE_TEXT = [
    LONG,
    "Ama\x00\x01\x08\x0b\x1b[31m\x7f\x85\ufffe",
    "'; DROP TABLE providers; --",
    "<script>alert(1)</script>",
    "\u202e\u200b\U0001f600 emoji and bidi",
    '=HYPERLINK("http://evil.example")',
    "",
    " ",
]
HOSTILE_NUMBERS = [HUGE, "-" + HUGE, "-1", "abc", "1e308", "NaN", "0x10", "1.5", "\u0661\u0662"]
HOSTILE_DATES = ["2025-02-31", "99999-01-01", "0000-00-00", "31/02/2026", HUGE, "yesterday"]
QUERY_NAMES = ["q", "page", "p", "sort", "ordering", "service", "services", "near", "radius", "kind", "status", "id"]

# URLs not sent hostile input: signing out ends the role's session, and these change the
# signed-in person's own security set-up (their own forms are covered by the accounts tests).
SKIP_NAMES = {
    "account_logout",
    "mfa_deactivate_totp",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "wagtail_serve",
    "wagtaildocs_serve",
    "wagtaildocs_authenticate_with_password",
    "wagtailcore_authenticate_with_password",
    "wagtailcore_login",
    "wagtailadmin_logout",
    "wagtailadmin_error_test",  # Wagtail's own page that raises on purpose, to try the 500 page
    "openreferral:not-found",
}
SKIP_PREFIXES = ("admin/api/", "admin/pages/", "admin/workflows/", "admin/images/", "admin/documents/")
PUBLIC_PAGES = ["/", "/directory/"]


# --- Discovering URLs -----------------------------------------------------------------------------------------------


def url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}" if namespace else pattern.name


PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>")


def parameter_names(route: str) -> list[tuple[str, str]]:
    """(converter, name) for each parameter of a route or regex."""
    found = []
    for converter, name, regex_name in PARAMETER.findall(route):
        found.append((converter or ("regex" if regex_name else "str"), name or regex_name))
    return found


def fillings(route: str, world: dict[str, Any]) -> list[dict[str, str]]:
    """Real values, then nonsense: unknown ids, ids too big for any column."""
    parameters = parameter_names(route)
    if not parameters:
        return [{}]
    real: dict[str, str] = {}
    for converter, name in parameters:
        key = name.removesuffix("_uuid").removesuffix("_id")
        if converter == "int" and "pk" in name:
            real[name] = str(world["pk_for"](route))
        else:
            real[name] = str(world.get(key, world.get(name, "1")))
    unknown = {
        name: (str(uuid.uuid4()) if converter == "uuid" else HUGE if converter in {"int", "regex"} else "no-such")
        for converter, name in parameters
    }
    return [real, unknown]


def concrete_urls(world: dict[str, Any]) -> list[tuple[str, str]]:
    urls: list[tuple[str, str]] = [(path, "page") for path in PUBLIC_PAGES]
    for route, name in url_patterns():
        if name in SKIP_NAMES or route.startswith(SKIP_PREFIXES):
            continue
        for kwargs in fillings(route, world):
            try:
                urls.append((reverse(name, kwargs=kwargs), name))
            except NoReverseMatch:
                continue
    return list(dict.fromkeys(urls))


# --- Forms on a page -------------------------------------------------------------------------------------------------


class FormParser(HTMLParser):
    """Each form's method, action and fields (name, kind, options)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "method": attributes.get("method", "get").lower(),
                    "action": attributes.get("action", ""),
                    "fields": [],
                }
            )
        elif not self.forms:
            return
        elif tag in {"input", "textarea"} and attributes.get("name"):
            kind = attributes.get("type", "text") if tag == "input" else "textarea"
            self.forms[-1]["fields"].append(
                {"name": attributes["name"], "kind": kind, "value": attributes.get("value", "")}
            )
        elif tag == "select" and attributes.get("name"):
            self._select = {"name": attributes["name"], "kind": "select", "options": []}
            self.forms[-1]["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def hostile_value(field: dict[str, Any], rng: random.Random) -> Any:
    name, kind = field["name"], field["kind"]
    if name in {"csrfmiddlewaretoken"}:
        return field["value"]
    if kind == "file":
        return SimpleUploadedFile(
            rng.choice(["evidence.pdf", "../../etc/passwd", "x" * 300 + ".png"]),
            rng.choice([b"MZ\x90\x00" + b"\x00" * 64, b"%PDF-1.4 truncated", b""]),
            content_type=rng.choice(["application/pdf", "image/png", "text/html"]),
        )
    if kind in {"hidden"} and rng.random() < 0.5:
        return field["value"]
    if name.endswith(("_day", "_month", "_year")) or kind == "number":
        return rng.choice(HOSTILE_NUMBERS)
    if kind in {"date", "datetime-local"} or "date" in name or name.endswith(("_on", "_at")):
        return rng.choice(HOSTILE_DATES)
    if kind in {"select", "radio", "checkbox"}:
        return rng.choice([[HUGE, "1"], "not-a-choice", HUGE, "-1", ["a", "b", "a"]])
    if kind == "email":
        return rng.choice(["not an email", "a@" + "b" * 300 + ".example", "a\x00@example.org"])
    return rng.choice(HOSTILE_TEXT + HOSTILE_NUMBERS)


def hostile_data(form: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in form["fields"]:
        data[field["name"]] = hostile_value(field, rng)
    if rng.random() < 0.3:
        data["unexpected_" + str(rng.randrange(100))] = [LONG, LONG]
    return data


def hostile_query(rng: random.Random) -> dict[str, Any]:
    names = rng.sample(QUERY_NAMES, 4)
    return {
        name: rng.choice([rng.choice(HOSTILE_TEXT), rng.choice(HOSTILE_NUMBERS), [HUGE, "x", HUGE]]) for name in names
    }


# --- The world and the roles ----------------------------------------------------------------------------------------


@pytest.fixture
def world(commissioner_user: Any, editor_user: Any) -> dict[str, Any]:
    owner_membership = ProviderMembershipFactory(
        provider__kind=Provider.Kind.MICRO_PROVIDER, provider__status=Provider.Status.PUBLISHED, role="owner"
    )
    provider = owner_membership.provider
    owner = owner_membership.user
    worker = worker_add(provider=provider, full_name="Sam Patel")
    provider_checks_sync(provider=provider)
    check = ProviderCheck.objects.filter(provider=provider, worker__isnull=True).first()
    evidence = evidence_add(provider_check=check, upload=pdf_upload(), by=None)
    visit = MonitoringVisitFactory(provider=provider, officer=commissioner_user)
    membership = ArrangementMembershipFactory(provider=provider)
    feedback = MonitoringFeedbackFactory(provider=provider)
    flag = ContingencyFlagFactory(provider=ProviderFactory())
    holder_record = DirectPaymentHolderFactory()
    holder = holder_record.user
    # Reviews and back-up plans: an agreement with an approved entry, a published review, an absence and its alert.
    reviewed_agreement = AgreementFactory(holder=holder_record, provider=provider)
    TimesheetEntryFactory(agreement=reviewed_agreement, status="approved")
    review = review_write(
        agreement=reviewed_agreement, by=holder, rating=4, text="Kind, on time and careful.", author_name="Jo"
    )
    review_moderate(review=review, by=commissioner_user, decision="published")
    waiting_agreement = AgreementFactory(provider=provider)
    TimesheetEntryFactory(agreement=waiting_agreement, status="approved")
    waiting = review_write(
        agreement=waiting_agreement,
        by=waiting_agreement.holder.user,
        rating=2,
        text="Late twice in one week.",
        author_name="Al",
    )
    today = timezone.localdate()
    absence = absence_mark(provider=provider, by=owner, starts_on=today, ends_on=today, reason="Ill", today=today)
    agreement = AgreementFactory(holder=holder_record, provider=provider, version__start_on=datetime.date(2026, 1, 5))
    entry = TimesheetEntryFactory(agreement=agreement, worked_on=datetime.date(2026, 1, 6))
    invoiced = TimesheetEntryFactory(agreement=agreement, worked_on=datetime.date(2026, 1, 7), status="approved")
    invoice = agreement_invoice_issue(
        agreement=agreement, by=owner, up_to=invoiced.worked_on, today=datetime.date(2026, 1, 9), now=AGREEMENT_MOMENT
    )
    for user in (owner, holder, commissioner_user, editor_user):
        account_email_mark_verified(user=user)

    def pk_for(route: str) -> int:
        for fragment, pk in (
            ("monitoring/visits", visit.pk),
            ("monitoring/members", membership.pk),
            ("monitoring/arrangements", membership.arrangement_id),
            ("monitoring/feedback", feedback.pk),
            ("contingency", flag.pk),
            ("admin/reviews", waiting.pk),
            ("checktype", check.check_type_id),
        ):
            if fragment in route:
                return pk
        return provider.pk

    return {
        "provider": provider.uuid,
        "check": check.uuid,
        "evidence": evidence.uuid,
        "worker": worker.pk,
        "membership": owner_membership.pk,
        "slug": provider.slug,
        "agreement": agreement.uuid,
        "review": review.uuid,
        "absence": absence.uuid,
        "alert": absence.alerts.get(holder=holder_record).uuid,
        "entry": entry.uuid,
        "invoice": invoice.uuid,
        "pk_for": pk_for,
        "roles": {
            "anonymous": None,
            "direct payment holder": holder,
            "provider owner": owner,
            "editor": editor_user,
            "commissioner": commissioner_user,
        },
    }


def test_no_hostile_request_gets_a_5xx(world: dict[str, Any], site: Any) -> None:
    rng = random.Random(SEED)
    urls = concrete_urls(world)
    failures: list[str] = []
    exceptions: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        frames = [line for line in traceback.format_exc().splitlines() if "site-packages/django/" not in line]
        exceptions.append("\n".join(frames[-12:]))

    got_request_exception.connect(record)
    sent = 0
    started = time.monotonic()

    def check(role: str, method: str, path: str, response: Any) -> None:
        nonlocal sent
        sent += 1
        if response.status_code >= 500:
            detail = exceptions[-1] if exceptions else ""
            failures.append(f"{role} {method} {path[:120]} -> {response.status_code}\n{detail}")
        exceptions.clear()

    try:
        for role, user in world["roles"].items():
            client = Client(raise_request_exception=False)
            strict = Client(raise_request_exception=False, enforce_csrf_checks=True)
            for number, (path, _name) in enumerate(urls):
                if user is not None:
                    client.force_login(user)
                page = client.get(path, hostile_query(rng))
                check(role, "GET", path, page)
                if number % 7 == 0:
                    check(role, "PUT", path, client.put(path, data=LONG))
                if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                    continue
                parser = FormParser()
                parser.feed(page.content.decode("utf-8", "replace"))
                for form in parser.forms[:3]:
                    target = form["action"] or path
                    if not target.startswith("/") or "logout" in target:
                        continue
                    if target.lstrip("/").startswith(SKIP_PREFIXES):
                        continue  # Wagtail's own screens, skipped above, reached through a form on another page
                    data = hostile_data(form, rng)
                    if form["method"] == "post":
                        check(role, "POST", target, client.post(target, data))
                        if user is not None and number % 11 == 0:
                            strict.force_login(user)
                            check(role, "POST no CSRF", target, strict.post(target, data))
                    else:
                        check(role, "GET form", target, client.get(target, data))
    finally:
        got_request_exception.disconnect(record)

    elapsed = time.monotonic() - started
    print(f"\nhostile input: {sent} requests over {len(urls)} URLs as {len(world['roles'])} roles in {elapsed:.0f} s")
    assert not failures, f"{len(failures)} of {sent} requests answered 5xx:\n" + "\n".join(failures[:40])
