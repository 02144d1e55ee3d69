"""Every write to pooled agreements: several holders sharing one provider's support, each paying a share.

A pool grows from an agreement both sides have accepted. The provider's team,
or whoever holds the money right for a member, invites another holder; that
holder joins (or declines) through whoever holds the money right for them.
Shares are equal parts unless the provider sets them in basis points that add
up to 10,000. A member leaves with a last day: support given after it is shared
by those who stay, in their parts; invoices already issued never change. When
one member is left the agreement is theirs alone again, and a leaver can ask
for an individual agreement on the same terms.

Invoicing a pool is `services.invoices_issue`; the arithmetic is
`services.pool_shares` and `money.split_by_shares`.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from marketplace.accounts.models import ActingFor, DirectPaymentHolder, User
from marketplace.accounts.selectors import holder_email_addresses
from marketplace.core.notifications import email_send
from marketplace.providers.selectors import provider_email_addresses

from .models import Agreement, PoolMember, Side
from .services import (
    MAX_TEXT,
    AgreementError,
    AgreementTerms,
    agreement_propose,
)

WHOLE_IN_BASIS_POINTS = 10_000
LIVE_STATUSES = (PoolMember.Status.INVITED, PoolMember.Status.JOINED)


def _tell_holder(holder: DirectPaymentHolder, agreement: Agreement, *, what: str, subject: str) -> None:
    """Email whoever holds the money right for a member: a link only, no names of the others, no amounts."""
    email_send(
        to=holder_email_addresses(holder, right="may_see_money"),
        subject=subject,
        template="agreements_needs_you",
        context={"what": what, "path": reverse("agreements:agreement", kwargs={"agreement_uuid": agreement.uuid})},
    )


def _tell_provider(agreement: Agreement, *, what: str, subject: str) -> None:
    email_send(
        to=provider_email_addresses(agreement.provider, or_contact_address=False),
        subject=subject,
        template="agreements_needs_you",
        context={
            "what": what,
            "path": reverse("agreements:provider_agreement", kwargs={"agreement_uuid": agreement.uuid}),
        },
    )


def _lock(agreement: Agreement) -> Agreement:
    # `of=self`: the terms in force are joined for reading; PostgreSQL locks no row on that outer join's side.
    return Agreement.objects.select_for_update(of=("self",)).select_related("holder", "in_force").get(pk=agreement.pk)


def _joined(agreement: Agreement) -> list[PoolMember]:
    return list(agreement.pool_members.filter(status=PoolMember.Status.JOINED).order_by("invited_at", "pk"))


@transaction.atomic
def pool_invite(
    *, agreement: Agreement, holder: DirectPaymentHolder, by: User, side: str, shares_from: date, today: date,
    now: datetime,
) -> PoolMember:  # fmt: skip
    """Invite another holder to share the agreement from `shares_from`; they join through their money right.

    The first invitation makes the agreement a pool, with its holder as the
    first member, sharing all the support since the agreement started.
    """
    locked = _lock(agreement)
    if side not in Side.values:
        raise AgreementError("Say which side is inviting.")
    if locked.status != Agreement.Status.LIVE or locked.in_force is None:
        raise AgreementError("Only an agreement both sides have accepted, and not ended, can be shared.")
    if shares_from < today:
        raise AgreementError("Sharing can start today at the earliest.", field="shares_from")
    if shares_from > today + timedelta(days=366):
        raise AgreementError("Sharing must start within a year.", field="shares_from")
    if locked.ended_on is not None and shares_from > locked.ended_on:
        raise AgreementError("The agreement ends before then.", field="shares_from")
    if not locked.pool_members.exists():
        first_version = locked.versions.filter(holder_accepted_at__isnull=False, provider_accepted_at__isnull=False)
        PoolMember.objects.create(
            agreement=locked,
            holder=locked.holder,
            status=PoolMember.Status.JOINED,
            shares_from=first_version.order_by("number").values_list("start_on", flat=True).first() or today,
            invited_by=by,
            invited_by_side=side,
            invited_at=now,
            decided_at=now,
            decided_by=by,
        )
    if locked.pool_members.filter(holder=holder, status__in=LIVE_STATUSES).exists():
        raise AgreementError("That person is already sharing this agreement or has been invited.", field="holder")
    member = PoolMember.objects.create(
        agreement=locked,
        holder=holder,
        status=PoolMember.Status.INVITED,
        share_parts=1,
        shares_from=shares_from,
        invited_by=by,
        invited_by_side=side,
        invited_at=now,
    )
    _equal_shares_unless_set(locked)
    _tell_holder(
        holder,
        locked,
        what="You are invited to share support with other people. "
        "Read the agreement and your share, then join it or say no.",
        subject="An invitation to share support",
    )
    return member


def _equal_shares_unless_set(agreement: Agreement) -> None:
    """A new member gets an equal part; when the provider had set shares in basis points, everyone goes back to equal.

    Set shares were agreed for the people then in the pool; a newcomer
    changes the sums, so the provider sets them again if equal is not right.
    """
    members = agreement.pool_members.filter(status__in=LIVE_STATUSES)
    if members.exclude(share_parts=1).exists():
        members.update(share_parts=1)


@transaction.atomic
def pool_join(*, member: PoolMember, by: User, today: date, now: datetime) -> PoolMember:
    """An invited holder joins, through whoever holds their money right: they share support from then on."""
    locked = PoolMember.objects.select_for_update().select_related("agreement").get(pk=member.pk)
    if locked.status != PoolMember.Status.INVITED:
        raise AgreementError("This invitation has already been answered.")
    if locked.agreement.status == Agreement.Status.ENDED:
        raise AgreementError("This agreement has ended.")
    locked.status = PoolMember.Status.JOINED
    locked.shares_from = max(locked.shares_from, today)
    locked.decided_at, locked.decided_by = now, by
    locked.save(update_fields=["status", "shares_from", "decided_at", "decided_by"])
    Agreement.objects.filter(pk=locked.agreement_id).update(is_pooled=True)
    _tell_provider(
        locked.agreement,
        what=f"{locked.holder.display_name} joined the shared support from {locked.shares_from:%-d %B %Y}.",
        subject="Someone joined shared support",
    )
    return locked


@transaction.atomic
def pool_decline(*, member: PoolMember, by: User, now: datetime) -> PoolMember:
    locked = PoolMember.objects.select_for_update().select_related("agreement").get(pk=member.pk)
    if locked.status != PoolMember.Status.INVITED:
        raise AgreementError("This invitation has already been answered.")
    locked.status = PoolMember.Status.DECLINED
    locked.decided_at, locked.decided_by = now, by
    locked.save(update_fields=["status", "decided_at", "decided_by"])
    _tell_provider(
        locked.agreement,
        what=f"{locked.holder.display_name} will not share the support.",
        subject="An invitation to share support was declined",
    )
    return locked


@transaction.atomic
def pool_set_shares(*, agreement: Agreement, by: User, basis_points: dict[int, int] | None, now: datetime) -> None:
    """The provider sets each member's share: None for equal parts, else basis points per member that sum to 10,000.

    `basis_points` is keyed by member id and must name every member sharing or
    invited. Applies to support not yet invoiced; every member is told.
    """
    locked = _lock(agreement)
    if locked.status == Agreement.Status.ENDED:
        raise AgreementError("This agreement has ended.")
    members = list(locked.pool_members.select_for_update().filter(status__in=LIVE_STATUSES))
    if len(members) < 2:
        raise AgreementError("Shares are for an agreement shared by two people or more.")
    if basis_points is None:
        parts = {member.pk: 1 for member in members}
    else:
        if set(basis_points) != {member.pk for member in members}:
            raise AgreementError("Give a share for everyone in the pool.")
        if any(points < 1 for points in basis_points.values()):
            raise AgreementError("Every share must be more than 0%.", field="shares")
        total = sum(basis_points.values())
        if total != WHOLE_IN_BASIS_POINTS:
            raise AgreementError(f"The shares must add up to 100%. They add up to {total / 100:g}%.", field="shares")
        parts = basis_points
    for member in members:
        if member.share_parts != parts[member.pk]:
            member.share_parts = parts[member.pk]
            member.save(update_fields=["share_parts"])
    for member in members:
        _tell_holder(
            member.holder,
            locked,
            what="The shares of your shared support have changed. Read your share on the agreement page.",
            subject="Your share of shared support has changed",
        )


@transaction.atomic
def pool_leave(*, member: PoolMember, by: User, last_day: date, reason: str, today: date, now: datetime) -> PoolMember:
    """A member leaves after `last_day`: they share the support up to it; the others share what comes after.

    If the member whose side agreed the terms leaves, the next member who
    joined takes that place. When one member is left the agreement is theirs
    alone again (`is_pooled` is cleared; their next invoices have no transfer group).
    """
    agreement = _lock(member.agreement)
    locked = PoolMember.objects.select_for_update().get(pk=member.pk)
    if locked.status != PoolMember.Status.JOINED:
        raise AgreementError("Only someone sharing the support can leave it.")
    if agreement.status == Agreement.Status.ENDED:
        raise AgreementError("This agreement has ended.")
    reason = reason.strip()
    if len(reason) > MAX_TEXT:
        raise AgreementError(f"The reason must be {MAX_TEXT} characters or fewer.", field="reason")
    if last_day < today:
        raise AgreementError("The last day cannot be in the past.", field="last_day")
    if last_day > today + timedelta(days=366):
        raise AgreementError("The last day must be within a year.", field="last_day")
    staying = [other for other in _joined(agreement) if other.pk != locked.pk]
    if not staying:
        raise AgreementError("You are the only person sharing this support: end the agreement instead.")
    locked.status = PoolMember.Status.LEFT
    locked.last_day = last_day
    locked.left_at, locked.left_by, locked.left_reason = now, by, reason
    locked.save(update_fields=["status", "last_day", "left_at", "left_by", "left_reason"])
    updates = []
    if agreement.holder_id == locked.holder_id:
        agreement.holder_id = staying[0].holder_id
        updates.append("holder")
    if len(staying) == 1:
        agreement.is_pooled = False
        updates.append("is_pooled")
    if updates:
        agreement.save(update_fields=updates)
    for other in staying:
        _tell_holder(
            other.holder,
            agreement,
            what=f"Someone is leaving your shared support after {last_day:%-d %B %Y}. "
            "Your share of the support after that day is larger. Read it on the agreement page.",
            subject="Your share of shared support is changing",
        )
    _tell_provider(
        agreement,
        what=f"{locked.holder.display_name} is leaving the shared support after {last_day:%-d %B %Y}.",
        subject="Someone is leaving shared support",
    )
    return locked


def pool_leaver_propose_individual(*, member: PoolMember, by: User, now: datetime) -> Agreement:
    """After leaving, propose an individual agreement with the provider on the terms in force, from the next day.

    The leaver's side proposes (and so accepts); the provider accepts as usual.
    """
    if member.status != PoolMember.Status.LEFT or member.last_day is None:
        raise AgreementError("Leave the shared support first.")
    agreement = Agreement.objects.select_related("provider", "in_force").get(pk=member.agreement_id)
    version = agreement.in_force
    if version is None:
        raise AgreementError("The shared agreement has no terms in force to copy.")
    terms = AgreementTerms(
        services=list(version.services.all()),
        availability_mask=version.availability_mask,
        unit=version.unit,
        units_per_week=version.units_per_week,
        rate_pence=version.rate_pence,
        start_on=member.last_day + timedelta(days=1),
        employment=version.employment,
        notice_weeks=version.notice_weeks,
        bank_holiday_rate_pence=version.bank_holiday_rate_pence,
        rate_includes=version.rate_includes,
        topup_pence=version.topup_pence,
        cancellation_terms=version.cancellation_terms,
    )
    return agreement_propose(
        holder=member.holder, provider=agreement.provider, by=by, side=Side.HOLDER, terms=terms, now=now
    )


def holders_to_invite_for_provider(agreement: Agreement) -> list[DirectPaymentHolder]:
    """Holders the provider already knows (an enquiry or an agreement with them), not already in this pool."""
    taken = agreement.pool_members.filter(status__in=LIVE_STATUSES).values("holder")
    return list(
        DirectPaymentHolder.objects.filter(
            Q(enquiries__provider_id=agreement.provider_id) | Q(agreements__provider_id=agreement.provider_id)
        )
        .exclude(pk=agreement.holder_id)
        .exclude(pk__in=taken)
        .distinct()
        .order_by("display_name", "pk")
    )


def holders_to_invite_for_user(agreement: Agreement, user: User) -> list[DirectPaymentHolder]:
    """Holders this person holds the money right for (themselves included), not already in this pool."""
    taken = agreement.pool_members.filter(status__in=LIVE_STATUSES).values("holder")
    links = ActingFor.objects.filter(agent=user, ended_on__isnull=True, may_see_money=True).values("holder")
    return list(
        DirectPaymentHolder.objects.filter(Q(user=user) | Q(pk__in=links))
        .exclude(pk=agreement.holder_id)
        .exclude(pk__in=taken)
        .order_by("display_name", "pk")
    )
