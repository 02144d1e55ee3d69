"""Hostile requests to every page and form, as any role, over any transport: the generator and the loop.

Used twice:

- in process by `tests/test_hostile_input.py` (Django's test client, on the
  test database: part of every CI run);
- from outside by `tests/hostile_outside.py` (plain HTTP against a running
  server: `scripts/hostile-outside.sh http://127.0.0.1:8000`).

It discovers every URL from the URL configuration (the Wagtail admin's
included), fills its parameters with real ids, nonsense and ids too large for
any column, requests each page with hostile query parameters, then fills every
form it finds on the page with generated hostile values (long, control and
invalid text, huge, negative and non-numeric numbers, impossible dates, unknown
choices, repeated parameters, malformed uploads) and sends it, plus requests
with wrong methods and without a CSRF token. Deterministic (a seeded
generator): the same world gives the same requests.
"""

import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

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
    for form_field in form["fields"]:
        data[form_field["name"]] = hostile_value(form_field, rng)
    if rng.random() < 0.3:
        data["unexpected_" + str(rng.randrange(100))] = [LONG, LONG]
    return data


def hostile_query(rng: random.Random) -> dict[str, Any]:
    names = rng.sample(QUERY_NAMES, 4)
    return {
        name: rng.choice([rng.choice(HOSTILE_TEXT), rng.choice(HOSTILE_NUMBERS), [HUGE, "x", HUGE]]) for name in names
    }


# --- The world: which real ids to put in URLs ---------------------------------------------------------------------


def hostile_world(
    *,
    provider: Any,
    owner_membership: Any,
    worker: Any,
    check: Any,
    evidence: Any,
    visit: Any,
    membership: Any,
    feedback: Any,
    flag: Any,
    roles: dict[str, Any],
    more_ids: dict[str, Any] | None = None,
    more_pks: tuple[tuple[str, int], ...] = (),
) -> dict[str, Any]:
    """Real records for URL parameters (each admin area's own kind of id), and the roles to send as.

    `more_ids` gives further URL parameters by name (for example {"invoice": invoice.uuid}); `more_pks`
    further admin areas' integer ids by a fragment of their route (("admin/reviews", review.pk)).
    """

    def pk_for(route: str) -> int:
        for fragment, pk in (
            ("monitoring/visits", visit.pk),
            ("monitoring/members", membership.pk),
            ("monitoring/arrangements", membership.arrangement_id),
            ("monitoring/feedback", feedback.pk),
            ("contingency", flag.pk),
            *more_pks,
            ("checktype", check.check_type_id),
        ):
            if fragment in route:
                return int(pk)
        return int(provider.pk)

    return {
        "provider": provider.uuid,
        "check": check.uuid,
        "evidence": evidence.uuid,
        "worker": worker.pk,
        "membership": owner_membership.pk,
        "slug": provider.slug,
        **(more_ids or {}),
        "pk_for": pk_for,
        "roles": roles,
    }


# --- The loop, over any transport ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    content_type: str
    text: str


class Transport(Protocol):
    """One role's way of sending requests: in process (test client) or over HTTP."""

    signed_in: bool

    def keep_signed_in(self) -> None: ...

    def get(self, path: str, data: dict[str, Any]) -> Answer: ...

    def post(self, path: str, data: dict[str, Any], *, with_csrf: bool = True) -> Answer: ...

    def put(self, path: str, body: str) -> Answer: ...

    def last_error(self) -> str: ...


@dataclass
class HostileReport:
    urls: int
    roles: int
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    elapsed: float = 0.0

    def summary(self) -> str:
        server_errors = sum(count for status, count in self.statuses.items() if status >= 500 or status == 0)
        return (
            f"hostile input: {self.sent} requests over {self.urls} URLs as {self.roles} roles in "
            f"{self.elapsed:.0f} s; responses >= 500: {server_errors}"
        )


def send_hostile_requests(
    *,
    urls: list[tuple[str, str]],
    roles: dict[str, Transport],
    seed: int = SEED,
    progress: Callable[[str, int, int], None] | None = None,
) -> HostileReport:
    """Every URL as every role: the page with hostile query parameters, then up to three of its forms filled."""
    rng = random.Random(seed)
    report = HostileReport(urls=len(urls), roles=len(roles))
    started = time.monotonic()

    def check(role: str, method: str, path: str, transport: Transport, answer: Answer) -> None:
        report.sent += 1
        report.statuses[answer.status] += 1
        if answer.status >= 500 or answer.status == 0:  # 0: no answer at all
            report.failures.append(f"{role} {method} {path[:120]} -> {answer.status}\n{transport.last_error()}")

    for role, transport in roles.items():
        for number, (path, _name) in enumerate(urls):
            if progress is not None and number % 50 == 0:
                progress(role, number, len(urls))
            transport.keep_signed_in()
            page = transport.get(path, hostile_query(rng))
            check(role, "GET", path, transport, page)
            if number % 7 == 0:
                check(role, "PUT", path, transport, transport.put(path, LONG))
            if page.status != 200 or "html" not in page.content_type:
                continue
            parser = FormParser()
            parser.feed(page.text)
            for form in parser.forms[:3]:
                target = form["action"] or path
                if not target.startswith("/") or "logout" in target:
                    continue
                if target.lstrip("/").startswith(SKIP_PREFIXES):
                    continue  # Wagtail's own screens, skipped above, reached through a form on another page
                data = hostile_data(form, rng)
                if form["method"] == "post":
                    check(role, "POST", target, transport, transport.post(target, data))
                    if transport.signed_in and number % 11 == 0:
                        check(role, "POST no CSRF", target, transport, transport.post(target, data, with_csrf=False))
                else:
                    check(role, "GET form", target, transport, transport.get(target, data))
    report.elapsed = time.monotonic() - started
    return report
