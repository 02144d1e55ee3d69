"""Vetting checks, evidence and accreditation decisions for the demo county.

Called once from `builder.demo_county_build`, after the providers and the demo
logins exist and before the monitoring and contingency demos (which read
`Provider.is_accredited`). It gives every provider the checks its kind
requires (`accreditation.requirements`; micro-providers and day services first
get one to four named workers), then one of these states, in about these
shares:

- **accredited** (the listings the builder marked accredited, about 40% of
  published): every required check verified with realistic dates (DBS issued
  up to three years ago, most on the Update Service; insurance and policies
  renewed yearly; training within its validity), an application and the demo
  commissioner's decision, and each check's history. About 6.5% of them have
  one check expiring within 60 days, with the reminders the daily job would
  already have sent;
- **pending** (about 5% of published, and every listing submitted for
  review): applied 1 to 40 days ago, every check sent, some already verified,
  so the review queue shows realistic days waiting;
- **refused** (about 1.5% of published): a check rejected and the application
  refused, each with a plain reason;
- **lapsed** (about 1% of published): accredited before, then a required
  check expired; the lapse is the system's decision (no `decided_by`);
- **suspended**: half the suspended listings, and accredited home care
  agencies the CQC rates Inadequate;
- the rest have not applied; about a quarter have started their checks.

Day services get `serves_food` and `carries_out_regulated_activity` (when
registered with the CQC), so their food hygiene and CQC checks apply.

Evidence files: only where someone will open them. Every check waiting for
review (the review queue), every check of a pending provider, and every check
of the two demo provider logins' listings has a small real document in the
private storage (a one-page PDF made here, or a PNG drawn with Pillow), with
its size, sha256 and content type. The verified checks of the other providers
have none: their documents were seen before the platform existed (the council
moved its accredited list over, not the paper). That keeps the demo load
fast: a few hundred files at scale 1. Above scale 1 the share of evidence
drawn as a PNG is divided by the scale (the rest are PDFs, which cost next to
nothing to make), so the pictures stay about the scale-1 number (decision 0046).

Rows are written with bulk_create (the encrypted DBS numbers go through
`EncryptedTextField.get_prep_value` there too). Deterministic for a seed: one
random stream, providers in the order they were created.
"""

import hashlib
import io
import random
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker
from PIL import Image, ImageDraw

from marketplace.accounts.models import User
from marketplace.accreditation.models import (
    Accreditation,
    AccreditationDecision,
    CheckDecision,
    CheckRequirement,
    CheckType,
    Evidence,
    ExpiryReminder,
    ProviderCheck,
    Worker,
)
from marketplace.accreditation.requirements import MOVING_AND_HANDLING_SLUG, condition_holds
from marketplace.accreditation.services import REMINDER_DAYS, add_months
from marketplace.core.storage import private_storage
from marketplace.providers.models import Provider, ProviderMembership

from .names import NameGenerator

Kind = Provider.Kind
Status = ProviderCheck.Status

# Shares (see the module docstring).
PENDING_SHARE_OF_PUBLISHED = 0.05
REFUSED_SHARE_OF_PUBLISHED = 0.015
LAPSED_SHARE_OF_ACCREDITED = 0.025  # of the 40% accredited: about 1% of published
LAPSING_SOON_SHARE_OF_ACCREDITED = 0.065
SUSPENDED_LISTING_SUSPENDED_SHARE = 0.5
STARTED_SHARE = 0.25
SUBMITTED_SHARE_OF_STARTED_CHECKS = 0.2
UPDATE_SERVICE_SHARE = 0.8
SERVES_FOOD_SHARE = 0.75
PNG_EVIDENCE_SHARE = 0.25
# A check not meant to be "lapsing soon" expires after the first reminder (60 days).
SAFE_DAYS = max(REMINDER_DAYS) + 1
LAPSING_WITHIN_DAYS = max(REMINDER_DAYS)

PROVIDER_LOGIN = "provider@demo.example"
PA_LOGIN = "pa@demo.example"

WORKER_ROLES: dict[str, tuple[str, ...]] = {
    Kind.MICRO_PROVIDER: ("Support worker", "Care and support worker", "Personal assistant"),
    Kind.DAY_SERVICE: ("Activities coordinator", "Support worker", "Day service assistant", "Cook and support worker"),
}
REJECTION_REASONS = {
    "reference-1": "The reference is from the applicant's sister. References must not come from relatives.",
    "reference-2": "The referee has not answered our two emails and a phone call. Give another referee.",
    "enhanced-dbs": "The certificate is a basic DBS check. Working with adults needs an enhanced check with the "
    "adults' barred list.",
    "right-to-work": "The share code had expired when we checked it. Send a new share code.",
    "public-liability-insurance": "The schedule shows cover of £1 million. The council asks for at least £5 million.",
    "safeguarding-adults-training": "The certificate is for safeguarding children. Send one for adults.",
    "first-aid-training": "The certificate has no date on it. Send one that shows when the course was taken.",
}
DEFAULT_REJECTION = "The document was hard to read. Upload a clear copy of every page."
SUSPENSION_REASONS = (
    "A safeguarding enquiry is open. Accreditation is suspended until it is concluded.",
    "Two complaints about missed visits are being investigated.",
    "The provider has not answered the council's letters about its insurance.",
)
INADEQUATE_SUSPENSION = "The CQC rated the service Inadequate. Accreditation is suspended until it improves."
SAFEGUARDING_LEVELS = {"Level 2": 0.65, "Level 1": 0.2, "Level 3": 0.15}
FOOD_HYGIENE_RATINGS = {"5": 0.72, "4": 0.2, "3": 0.08}
CQC_RATING_LABELS = {rating.value: rating.label for rating in Provider.CqcRating}
SHARE_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class AccreditationDemoResult:
    states: dict[str, int]
    workers: int
    checks: int
    evidence_files: int
    lapsing_soon: int
    reminders: int
    seconds: float = 0.0


@dataclass
class PlannedCheck:
    check: ProviderCheck
    decisions: list[CheckDecision] = field(default_factory=list)
    reminders: list[ExpiryReminder] = field(default_factory=list)
    has_evidence: bool = False
    holder: str = ""


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _ascii(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# --- Documents ------------------------------------------------------------------------------------------------


def demo_pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF (Helvetica text) with a correct cross-reference table."""

    def escape(line: str) -> str:
        return _ascii(line).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = ("BT /F1 13 Tf 64 770 Td 20 TL " + " ".join(f"({escape(line)}) '" for line in lines) + " ET").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def demo_png(lines: list[str]) -> bytes:
    """A small PNG 'photo' of a document, drawn with Pillow.

    Greyscale and light compression: the demo county draws hundreds of these
    (thousands at scale 10), and colour and the default compression made them
    more than twice as slow for a picture nobody looks at closely.
    """
    image = Image.new("L", (480, 300), 248)
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 471, 291), outline=60, width=3)
    for index, line in enumerate(lines):
        draw.text((24, 24 + index * 22), _ascii(line), fill=20)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


# --- Planning -------------------------------------------------------------------------------------------------


class AccreditationPlanner:
    def __init__(self, *, seed: int, today: date, commissioner: User | None) -> None:
        self.rng = random.Random(f"accreditation-{seed}")
        faker = Faker("en_GB")
        faker.seed_instance(f"accreditation-{seed}")
        self.faker = faker
        self.names = NameGenerator(rng=self.rng, faker=faker)
        self.today = today
        self.commissioner = commissioner
        self.checks: list[PlannedCheck] = []
        self.accreditations: list[Accreditation] = []
        self.decisions: list[AccreditationDecision] = []

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick(self, shares: dict[str, float]) -> str:
        return self.rng.choices(list(shares), weights=list(shares.values()))[0]

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def between(self, low: date, high: date) -> date:
        if high <= low:
            return low
        return low + timedelta(days=self.rng.randint(0, (high - low).days))

    # Dates -----------------------------------------------------------------------------------------------------

    def current_dates(self, check_type: CheckType, *, issued_before: date) -> tuple[date, date | None]:
        """Issue and expiry dates of a document in date for at least another 60 days."""
        months = check_type.default_validity_months
        if check_type.has_expiry and months:
            earliest = add_months(self.today, -months) + timedelta(days=SAFE_DAYS + 1)
            latest = min(issued_before, self.today - timedelta(days=2))
            if latest < earliest:
                latest = self.today - timedelta(days=2)  # renewed since
            issued = self.between(earliest, latest)
            return issued, add_months(issued, months)
        issued = self.between(issued_before - timedelta(days=400), issued_before)
        if check_type.has_expiry and self.chance(0.15):
            # Right to work with a time limit.
            return issued, self.today + timedelta(days=self.rng.randint(SAFE_DAYS + 30, 1100))
        return issued, None

    def dates_expiring_on(self, check_type: CheckType, expires_on: date) -> tuple[date, date]:
        months = check_type.default_validity_months or 12
        return add_months(expires_on, -months), expires_on

    # Details -----------------------------------------------------------------------------------------------------

    def details(self, check: ProviderCheck, check_type: CheckType, provider: Provider, holder: str) -> None:
        if check_type.has_certificate_number:
            number = f"00{self.rng.randint(1, 9)}{self.rng.randint(0, 999_999_999):09d}"
            check.certificate_number = number
            check.certificate_number_last_digits = number[-4:]
            if self.chance(UPDATE_SERVICE_SHARE):
                check.is_on_update_service = True
                check.holder_surname = holder.split()[-1] if holder else "Smith"
                check.holder_date_of_birth = date(
                    self.rng.randint(1958, 2003), self.rng.randint(1, 12), self.rng.randint(1, 28)
                ).isoformat()
        if check_type.has_level:
            check.level = self.pick(SAFEGUARDING_LEVELS)
        if check_type.has_rating:
            if check_type.code == "cqc-registration":
                check.rating = CQC_RATING_LABELS.get(provider.cqc_rating, "Not yet rated")
            else:
                check.rating = self.pick(FOOD_HYGIENE_RATINGS)
        match check_type.code:
            case "reference-1" | "reference-2":
                check.reference = str(self.faker.name())
            case "right-to-work":
                if self.chance(0.2):
                    code = "W" + "".join(self.rng.choice(SHARE_CODE_LETTERS) for _ in range(8))
                    check.reference = f"{code[:3]} {code[3:6]} {code[6:]}"
            case "public-liability-insurance":
                check.reference = f"PL{self.rng.randint(1_000_000, 9_999_999)}"
            case "employers-liability-insurance":
                check.reference = f"EL{self.rng.randint(1_000_000, 9_999_999)}"
            case "cqc-registration":
                check.reference = provider.cqc_location_id

    # One check -------------------------------------------------------------------------------------------------

    def check(
        self,
        *,
        provider: Provider,
        check_type: CheckType,
        worker: Worker | None,
        holder: str,
        status: str,
        issued_on: date | None = None,
        expires_on: date | None = None,
        submitted_on: date | None = None,
        verified_on: date | None = None,
        by: User | None = None,
    ) -> PlannedCheck:
        check = ProviderCheck(provider=provider, worker=worker, check_type=check_type, status=status)
        planned = PlannedCheck(check=check, holder=holder)
        self.checks.append(planned)
        if status == Status.NOT_STARTED:
            return planned
        assert issued_on is not None
        assert submitted_on is not None
        check.issued_on = issued_on
        check.expires_on = expires_on
        self.details(check, check_type, provider, holder)
        check.submitted_at = _at(submitted_on, self.rng.randint(8, 20), self.rng.randint(0, 59))
        planned.decisions.append(
            CheckDecision(outcome=CheckDecision.Outcome.SUBMITTED, decided_by=by, decided_at=check.submitted_at)
        )
        if verified_on is not None:
            verified_at = max(_at(verified_on, self.rng.randint(9, 17), self.rng.randint(0, 59)), check.submitted_at)
            check.verified_at = verified_at
            check.verified_by = self.commissioner
            check.verified_expires_on = expires_on
            planned.decisions.append(
                CheckDecision(
                    outcome=CheckDecision.Outcome.VERIFIED, decided_by=self.commissioner, decided_at=verified_at
                )
            )
        return planned

    def verified_check(
        self,
        *,
        provider: Provider,
        check_type: CheckType,
        worker: Worker | None,
        holder: str,
        applied_on: date,
        decided_on: date,
        by: User | None,
        expires_on: date | None = None,
    ) -> PlannedCheck:
        """A check verified for an application made on applied_on (or renewed since)."""
        expires: date | None
        if expires_on is not None:
            issued_on, expires = self.dates_expiring_on(check_type, expires_on)
        else:
            issued_on, expires = self.current_dates(check_type, issued_before=applied_on - timedelta(days=3))
        if issued_on < applied_on:
            submitted_on = min(issued_on + timedelta(days=self.rng.randint(0, 14)), applied_on)
            verified_on = self.between(submitted_on, decided_on)
        else:  # renewed after the decision
            submitted_on = min(issued_on + timedelta(days=self.rng.randint(0, 14)), self.today - timedelta(days=1))
            verified_on = min(submitted_on + timedelta(days=self.rng.randint(1, 10)), self.today)
        return self.check(
            provider=provider,
            check_type=check_type,
            worker=worker,
            holder=holder,
            status=Status.VERIFIED,
            issued_on=issued_on,
            expires_on=expires,
            submitted_on=submitted_on,
            verified_on=verified_on,
            by=by,
        )

    # Accreditation rows ------------------------------------------------------------------------------------------

    def accreditation(self, provider: Provider, status: str, **dates: object) -> None:
        self.accreditations.append(Accreditation(provider=provider, status=status, **dates))

    def decision(self, provider: Provider, outcome: str, at: datetime, *, by: User | None, reason: str = "") -> None:
        self.decisions.append(
            AccreditationDecision(provider=provider, outcome=outcome, reason=reason, decided_by=by, decided_at=at)
        )


Required = list[tuple[CheckType, Worker | None]]


def _holder(provider: Provider, worker: Worker | None) -> str:
    return worker.full_name if worker is not None else provider.contact_name


def _label(check_type: CheckType, worker: Worker | None) -> str:
    return f"{check_type.name} ({worker.full_name})" if worker is not None else check_type.name


class ProviderStory:
    """Writes one provider's checks and decisions for the state it was given."""

    def __init__(self, planner: AccreditationPlanner, provider: Provider, required: Required, by: User | None):
        self.planner = planner
        self.provider = provider
        self.required = required
        self.by = by

    @property
    def rng(self) -> random.Random:
        return self.planner.rng

    def accredited(self, *, lapsing_soon: bool, accredited_on: date | None = None) -> list[PlannedCheck]:
        planner, provider = self.planner, self.provider
        accredited_on = accredited_on or provider.accredited_since or planner.days_ago(14, 1000)
        applied_on = accredited_on - timedelta(days=self.rng.randint(3, 30))
        expiring = [index for index, (check_type, _) in enumerate(self.required) if check_type.default_validity_months]
        soon = self.rng.choice(expiring) if lapsing_soon and expiring else None
        planned = []
        for index, (check_type, worker) in enumerate(self.required):
            expires_on = None
            if index == soon:
                expires_on = planner.today + timedelta(days=self.rng.randint(1, LAPSING_WITHIN_DAYS))
            item = planner.verified_check(
                provider=provider,
                check_type=check_type,
                worker=worker,
                holder=_holder(provider, worker),
                applied_on=applied_on,
                decided_on=accredited_on,
                by=self.by,
                expires_on=expires_on,
            )
            if expires_on is not None:
                self.reminders_sent(item)
            planned.append(item)
        planner.accreditation(
            provider,
            Accreditation.Status.ACCREDITED,
            applied_at=_at(applied_on, 10),
            decided_at=_at(accredited_on, 14),
            accredited_since=accredited_on,
        )
        planner.decision(provider, AccreditationDecision.Outcome.APPLIED, _at(applied_on, 10), by=self.by)
        planner.decision(
            provider, AccreditationDecision.Outcome.ACCREDITED, _at(accredited_on, 14), by=planner.commissioner
        )
        return planned

    def reminders_sent(self, item: PlannedCheck) -> None:
        """The reminders the daily job sent before today (today's are left for today's run)."""
        expires_on = item.check.expires_on
        assert expires_on is not None
        days_left = (expires_on - self.planner.today).days
        due = [days for days in REMINDER_DAYS if days_left < days]
        if days_left < 0:
            due = list(REMINDER_DAYS)
        for days in due:
            item.reminders.append(
                ExpiryReminder(expires_on=expires_on, days_before=days, sent_at=_at(expires_on - timedelta(days), 6))
            )

    def suspended(self, reason: str) -> None:
        planner, provider = self.planner, self.provider
        self.accredited(lapsing_soon=False, accredited_on=planner.days_ago(120, 900))
        accreditation = planner.accreditations[-1]
        decided_on = planner.days_ago(3, 90)
        accreditation.status = Accreditation.Status.SUSPENDED
        accreditation.decided_at = _at(decided_on, 15)
        accreditation.accredited_since = None
        planner.decision(
            provider,
            AccreditationDecision.Outcome.SUSPENDED,
            _at(decided_on, 15),
            by=planner.commissioner,
            reason=reason,
        )

    def lapsed(self) -> None:
        planner, provider = self.planner, self.provider
        accredited_on = planner.days_ago(150, 900)
        applied_on = accredited_on - timedelta(days=self.rng.randint(3, 30))
        yearly = [
            index
            for index, (check_type, _) in enumerate(self.required)
            if check_type.default_validity_months == 12 and check_type.code.endswith("insurance")
        ] or [index for index, (check_type, _) in enumerate(self.required) if check_type.default_validity_months]
        gone = self.rng.choice(yearly)
        lapsed_label = _label(*self.required[gone])
        expired_on = planner.today - timedelta(days=self.rng.randint(1, 45))
        for index, (check_type, worker) in enumerate(self.required):
            item = planner.verified_check(
                provider=provider,
                check_type=check_type,
                worker=worker,
                holder=_holder(provider, worker),
                applied_on=applied_on,
                decided_on=accredited_on,
                by=self.by,
                expires_on=expired_on if index == gone else None,
            )
            if index == gone:
                item.check.status = Status.EXPIRED
                item.decisions.append(
                    CheckDecision(
                        outcome=CheckDecision.Outcome.EXPIRED,
                        reason=f"Expired on {expired_on:%-d %B %Y}.",
                        decided_by=None,
                        decided_at=_at(expired_on + timedelta(days=1), 6),
                    )
                )
                self.reminders_sent(item)
        lapsed_at = _at(expired_on + timedelta(days=1), 6, 1)
        planner.accreditation(
            provider,
            Accreditation.Status.LAPSED,
            applied_at=_at(applied_on, 10),
            decided_at=lapsed_at,
            accredited_since=None,
        )
        planner.decision(provider, AccreditationDecision.Outcome.APPLIED, _at(applied_on, 10), by=self.by)
        planner.decision(
            provider, AccreditationDecision.Outcome.ACCREDITED, _at(accredited_on, 14), by=planner.commissioner
        )
        planner.decision(
            provider,
            AccreditationDecision.Outcome.LAPSED,
            lapsed_at,
            by=None,
            reason=f"Not verified and in date: {lapsed_label}.",
        )

    def pending(self) -> list[PlannedCheck]:
        planner, provider = self.planner, self.provider
        applied_on = planner.days_ago(1, 40)
        # Some already verified, never all: the queue has checks to review.
        verified_share = self.rng.choice((0.0, 0.0, 0.2, 0.4, 0.6))
        planned = []
        for check_type, worker in self.required:
            issued_on, expires_on = planner.current_dates(check_type, issued_before=applied_on - timedelta(days=1))
            submitted_on = self.planner.between(max(issued_on, applied_on - timedelta(days=21)), applied_on)
            is_verified = planner.chance(verified_share)
            verified_on = planner.between(submitted_on, planner.today) if is_verified else None
            planned.append(
                planner.check(
                    provider=provider,
                    check_type=check_type,
                    worker=worker,
                    holder=_holder(provider, worker),
                    status=Status.VERIFIED if is_verified else Status.SUBMITTED,
                    issued_on=issued_on,
                    expires_on=expires_on,
                    submitted_on=submitted_on,
                    verified_on=verified_on,
                    by=self.by,
                )
            )
        if all(item.check.status == Status.VERIFIED for item in planned):
            self._unverify(planned[-1])
        planner.accreditation(provider, Accreditation.Status.APPLIED, applied_at=_at(applied_on, 11))
        planner.decision(provider, AccreditationDecision.Outcome.APPLIED, _at(applied_on, 11), by=self.by)
        return planned

    @staticmethod
    def _unverify(item: PlannedCheck) -> None:
        item.check.status = Status.SUBMITTED
        item.check.verified_at = None
        item.check.verified_by = None
        item.check.verified_expires_on = None
        item.decisions = item.decisions[:1]

    def refused(self) -> None:
        planner, provider = self.planner, self.provider
        applied_on = planner.days_ago(20, 250)
        decided_on = min(applied_on + timedelta(days=self.rng.randint(5, 20)), planner.today)
        rejected = self.rng.randrange(len(self.required))
        rejected_type, rejected_worker = self.required[rejected]
        check_reason = REJECTION_REASONS.get(rejected_type.code, DEFAULT_REJECTION)
        reason = (
            f"{_label(rejected_type, rejected_worker)} was not accepted: {check_reason} "
            "Send a new one and apply again when it is ready."
        )
        for index, (check_type, worker) in enumerate(self.required):
            item = planner.verified_check(
                provider=provider,
                check_type=check_type,
                worker=worker,
                holder=_holder(provider, worker),
                applied_on=applied_on,
                decided_on=decided_on,
                by=self.by,
            )
            if index == rejected:
                self._unverify(item)
                item.check.status = Status.REJECTED
                item.decisions.append(
                    CheckDecision(
                        outcome=CheckDecision.Outcome.REJECTED,
                        reason=check_reason,
                        decided_by=planner.commissioner,
                        decided_at=_at(decided_on, 13),
                    )
                )
        planner.accreditation(
            provider, Accreditation.Status.REFUSED, applied_at=_at(applied_on, 10), decided_at=_at(decided_on, 14)
        )
        planner.decision(provider, AccreditationDecision.Outcome.APPLIED, _at(applied_on, 10), by=self.by)
        planner.decision(
            provider,
            AccreditationDecision.Outcome.REFUSED,
            _at(decided_on, 14),
            by=planner.commissioner,
            reason=reason,
        )

    def started(self, *, sent: int | None = None, waiting: int | None = None) -> list[PlannedCheck]:
        """Rows for every required check (as the vetting page makes them), a few sent, most of those verified."""
        planner, provider = self.planner, self.provider
        sent = sent if sent is not None else self.rng.randint(1, max(1, len(self.required) // 2))
        planned = []
        for index, (check_type, worker) in enumerate(self.required):
            holder = _holder(provider, worker)
            if index >= sent:
                planned.append(
                    planner.check(
                        provider=provider,
                        check_type=check_type,
                        worker=worker,
                        holder=holder,
                        status=Status.NOT_STARTED,
                    )
                )
                continue
            issued_on, expires_on = planner.current_dates(check_type, issued_before=planner.today - timedelta(days=10))
            submitted_on = planner.between(max(issued_on, planner.today - timedelta(days=120)), planner.today)
            is_waiting = index < waiting if waiting is not None else planner.chance(SUBMITTED_SHARE_OF_STARTED_CHECKS)
            verified_on = None if is_waiting else planner.between(submitted_on, planner.today)
            planned.append(
                planner.check(
                    provider=provider,
                    check_type=check_type,
                    worker=worker,
                    holder=holder,
                    status=Status.SUBMITTED if is_waiting else Status.VERIFIED,
                    issued_on=issued_on,
                    expires_on=expires_on,
                    submitted_on=submitted_on,
                    verified_on=verified_on,
                    by=self.by,
                )
            )
        return planned


# --- Reading what the builder made ----------------------------------------------------------------------------


def _requirements_by_kind() -> dict[str, list[CheckRequirement]]:
    by_kind: dict[str, list[CheckRequirement]] = defaultdict(list)
    for requirement in CheckRequirement.objects.select_related("check_type").order_by(
        "check_type__sort_order", "check_type__name"
    ):
        by_kind[requirement.provider_kind].append(requirement)
    return by_kind


def _moving_and_handling_ids() -> set[int]:
    """Providers offering moving and handling: the same test as requirements.offers_moving_and_handling, in bulk."""
    return set(
        Provider.objects.filter(specialisms__slug__contains=MOVING_AND_HANDLING_SLUG).values_list("pk", flat=True)
    ) | set(Provider.objects.filter(services__slug__contains=MOVING_AND_HANDLING_SLUG).values_list("pk", flat=True))


def _required_checks(
    provider: Provider,
    requirements: list[CheckRequirement],
    offers_moving_and_handling: bool,
    workers: list[Worker],
) -> Required:
    """requirements.required_checks for one provider without a query per provider (same order)."""

    def holds(requirement: CheckRequirement) -> bool:
        if requirement.condition == CheckRequirement.Condition.OFFERS_MOVING_AND_HANDLING:
            return offers_moving_and_handling
        return condition_holds(requirement.condition, provider)

    chosen = [requirement for requirement in requirements if holds(requirement)]
    provider_level: Required = [
        (requirement.check_type, None)
        for requirement in chosen
        if requirement.applies_to == CheckRequirement.AppliesTo.PROVIDER
    ]
    worker_types = [
        requirement.check_type
        for requirement in chosen
        if requirement.applies_to == CheckRequirement.AppliesTo.EACH_WORKER
    ]
    worker_level: Required = [
        (check_type, worker)
        for worker in sorted(workers, key=lambda worker: (worker.full_name, worker.pk))
        for check_type in worker_types
    ]
    return provider_level + worker_level


def _create_workers(planner: AccreditationPlanner, providers: list[Provider]) -> dict[int, list[Worker]]:
    workers: list[Worker] = []
    for provider in providers:
        if provider.kind not in WORKER_ROLES:
            continue
        count = planner.rng.randint(1, 4) if provider.kind == Kind.MICRO_PROVIDER else planner.rng.randint(2, 4)
        if provider.kind == Kind.MICRO_PROVIDER and provider.contact_name:
            # The owner of a micro-provider usually does the work too.
            workers.append(Worker(provider=provider, full_name=provider.contact_name, role="Owner"))
            count -= 1
        names = {worker.full_name for worker in workers if worker.provider is provider}
        while count > 0:
            name = planner.names.person(is_female=planner.chance(0.8)).full_name
            if name in names:
                continue
            names.add(name)
            role = planner.rng.choice(WORKER_ROLES[provider.kind])
            workers.append(Worker(provider=provider, full_name=name, role=role))
            count -= 1
    Worker.objects.bulk_create(workers, batch_size=1000)
    by_provider: dict[int, list[Worker]] = defaultdict(list)
    for worker in workers:
        by_provider[worker.provider_id].append(worker)
    return by_provider


def _day_service_conditions(planner: AccreditationPlanner, providers: list[Provider]) -> None:
    changed = []
    for provider in providers:
        if provider.kind != Kind.DAY_SERVICE:
            continue
        provider.serves_food = planner.chance(SERVES_FOOD_SHARE)
        provider.carries_out_regulated_activity = bool(provider.cqc_location_id)
        changed.append(provider)
    Provider.objects.bulk_update(changed, ["serves_food", "carries_out_regulated_activity"], batch_size=500)


def _login_users() -> dict[int, User]:
    """The provider each demo provider login owns, and the login."""
    return {
        membership.provider_id: membership.user
        for membership in ProviderMembership.objects.filter(user__email__in=[PROVIDER_LOGIN, PA_LOGIN])
        .select_related("user")
        .order_by("pk")
    }


# --- Evidence -----------------------------------------------------------------------------------------------


def _evidence(
    planner: AccreditationPlanner, items: list[PlannedCheck], users: dict[int, User], *, scale: float = 1.0
) -> list[Evidence]:
    png_share = PNG_EVIDENCE_SHARE / max(1.0, scale)
    rows = []
    for item in items:
        check = item.check
        check_type = check.check_type
        lines = [
            "DEMONSTRATION DOCUMENT - not a real certificate",
            "Wendleshire demo county",
            "",
            check_type.name,
            f"Name: {item.holder or check.provider.name}",
            f"Issued: {check.issued_on:%d %B %Y}" if check.issued_on else "",
            f"Valid until: {check.expires_on:%d %B %Y}" if check.expires_on else "",
            f"Reference: {check.reference}" if check.reference else "",
            f"Level: {check.level}" if check.level else "",
            f"Rating: {check.rating}" if check.rating else "",
        ]
        lines = [line for line in lines if line]
        as_png = planner.chance(png_share)
        data = demo_png(lines) if as_png else demo_pdf(lines)
        extension, content_type = ("png", "image/png") if as_png else ("pdf", "application/pdf")
        stem = slugify(_ascii(check_type.name))[:60] or "document"
        if check.worker is not None:
            stem = f"{stem}-{slugify(_ascii(check.worker.full_name.split()[0]))}"
        assert check.submitted_at is not None
        evidence = Evidence(
            provider_check=check,
            original_name=f"{stem}.{extension}",
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=users.get(check.provider_id),
            uploaded_at=check.submitted_at - timedelta(minutes=planner.rng.randint(1, 30)),
        )
        evidence.file.save(f"upload.{extension}", ContentFile(data), save=False)
        rows.append(evidence)
    Evidence.objects.bulk_create(rows, batch_size=500)
    return rows


def accreditation_demo_clear() -> None:
    """Delete every check, decision and accreditation, and (once the transaction commits) the evidence files."""
    names = [name for name in Evidence.objects.values_list("file", flat=True) if name]
    ProviderCheck.objects.all().delete()  # with their decisions, evidence, views and reminders
    AccreditationDecision.objects.all().delete()
    Accreditation.objects.all().delete()
    Worker.objects.all().delete()

    def delete_files() -> None:
        storage = private_storage()
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


# --- The build --------------------------------------------------------------------------------------------------


def _tell_story(
    planner: AccreditationPlanner, story: ProviderStory, provider: Provider, required: Required, user_email: str
) -> tuple[str, list[PlannedCheck], bool]:
    """Where one provider's vetting stands in the demo county: its state, the checks whose files to write,
    and whether its accreditation lapses soon. Draws from the planner's random numbers in a fixed order."""
    if user_email == PROVIDER_LOGIN:
        # The demo owner: accredited, with one check to renew soon.
        return "accredited", story.accredited(lapsing_soon=True), True
    if user_email == PA_LOGIN:
        # The demo PA: halfway through, one check waiting for review.
        sent = story.started(sent=max(1, len(required) // 2), waiting=1)
        return "started", [item for item in sent if item.check.status != Status.NOT_STARTED], False
    roll = planner.rng.random()
    if provider.status == Provider.Status.PUBLISHED and provider.is_accredited:
        if provider.kind == Kind.HOME_CARE_AGENCY and provider.cqc_rating == Provider.CqcRating.INADEQUATE:
            story.suspended(INADEQUATE_SUSPENSION)
            return "suspended", [], False
        if roll < LAPSED_SHARE_OF_ACCREDITED and any(t.default_validity_months for t, _ in required):
            story.lapsed()
            return "lapsed", [], False
        is_soon = planner.chance(LAPSING_SOON_SHARE_OF_ACCREDITED)
        story.accredited(lapsing_soon=is_soon)
        return "accredited", [], is_soon
    if provider.status == Provider.Status.SUBMITTED:
        return "pending", story.pending(), False
    if provider.status == Provider.Status.PUBLISHED:
        # Of the 60% of published listings not accredited.
        pending_share = PENDING_SHARE_OF_PUBLISHED / 0.6
        refused_share = REFUSED_SHARE_OF_PUBLISHED / 0.6
        if roll < pending_share:
            return "pending", story.pending(), False
        if roll < pending_share + refused_share:
            story.refused()
            return "refused", [], False
        if planner.chance(STARTED_SHARE):
            return "started", [item for item in story.started() if item.check.status == Status.SUBMITTED], False
        return "not_applied", [], False
    if provider.status == Provider.Status.SUSPENDED and roll < SUSPENDED_LISTING_SUSPENDED_SHARE:
        story.suspended(planner.rng.choice(SUSPENSION_REASONS))
        return "suspended", [], False
    if planner.chance(STARTED_SHARE):
        return "started", [item for item in story.started() if item.check.status == Status.SUBMITTED], False
    return "not_applied", [], False


def build_accreditation_demo(
    *, seed: int, today: date, commissioner: User | None, scale: float = 1.0
) -> AccreditationDemoResult:
    """Checks, evidence, applications and decisions for every demo provider; keeps the badge true to them."""
    started_at = monotonic()
    accreditation_demo_clear()
    planner = AccreditationPlanner(seed=seed, today=today, commissioner=commissioner)
    providers = list(
        Provider.objects.only(
            "pk",
            "kind",
            "status",
            "name",
            "contact_name",
            "is_accredited",
            "accredited_since",
            "serves_food",
            "carries_out_regulated_activity",
            "company_number",
            "cqc_location_id",
            "cqc_rating",
        ).order_by("pk")
    )
    _day_service_conditions(planner, providers)
    workers = _create_workers(planner, providers)
    requirements = _requirements_by_kind()
    moving_and_handling = _moving_and_handling_ids()
    users = _login_users()

    states: Counter[str] = Counter()
    with_files: list[PlannedCheck] = []
    lapsing_soon = 0
    for provider in providers:
        required = _required_checks(
            provider, requirements.get(provider.kind, []), provider.pk in moving_and_handling, workers[provider.pk]
        )
        by = users.get(provider.pk)
        story = ProviderStory(planner, provider, required, by)
        if not required:
            states["not_applied"] += 1
            continue
        state, story_files, is_soon = _tell_story(
            planner, story, provider, required, by.email if by is not None else ""
        )
        states[state] += 1
        with_files += story_files
        lapsing_soon += is_soon

    _write(planner, providers)
    files = _evidence(planner, with_files, users, scale=scale)
    return AccreditationDemoResult(
        states=dict(states),
        workers=sum(len(rows) for rows in workers.values()),
        checks=len(planner.checks),
        evidence_files=len(files),
        lapsing_soon=lapsing_soon,
        reminders=sum(len(item.reminders) for item in planner.checks),
        seconds=monotonic() - started_at,
    )


def _write(planner: AccreditationPlanner, providers: list[Provider]) -> None:
    ProviderCheck.objects.bulk_create([item.check for item in planner.checks], batch_size=1000)
    decisions: list[CheckDecision] = []
    reminders: list[ExpiryReminder] = []
    for item in planner.checks:
        for decision in item.decisions:
            decision.provider_check = item.check
            decisions.append(decision)
        for reminder in item.reminders:
            reminder.provider_check = item.check
            reminders.append(reminder)
    CheckDecision.objects.bulk_create(decisions, batch_size=2000)
    ExpiryReminder.objects.bulk_create(reminders, batch_size=1000)
    Accreditation.objects.bulk_create(planner.accreditations, batch_size=1000)
    AccreditationDecision.objects.bulk_create(planner.decisions, batch_size=2000)

    # The badge follows the accreditation, never the other way round.
    accredited = {
        accreditation.provider.pk: accreditation.accredited_since
        for accreditation in planner.accreditations
        if accreditation.status == Accreditation.Status.ACCREDITED
    }
    changed = []
    for provider in providers:
        since = accredited.get(provider.pk)
        is_accredited = provider.pk in accredited
        if provider.is_accredited != is_accredited or provider.accredited_since != since:
            provider.is_accredited = is_accredited
            provider.accredited_since = since
            changed.append(provider)
    Provider.objects.bulk_update(changed, ["is_accredited", "accredited_since"], batch_size=500)
