"""Shortlists, enquiries and conversations for the demo county.

Called once at the end of `builder.demo_county_build`, with the planner's
`today` and `now` (never the real clock). Wendleshire gets:

- about two holders in five with a shortlist (one to six providers, some
  with a private note), and about one in four with enquiries (usually to
  two or three providers at once, sometimes sent by someone acting for them);
  providers reply to most, accept some and decline a few with a reason, and a
  few people have shared their contact details;
- Margaret Hollis (dp-holder@demo.example): four personal assistants on her
  shortlist, two with notes David wrote; one enquiry she sent to three
  providers (the demo PA, the demo micro-provider and one more: the PA said
  yes and she shared her details, the micro-provider asked a question, the
  third declined), and a second David sent for her, so "sent by David Hollis on
  behalf of Margaret Hollis" appears; David (family@demo.example) sees all of
  it and may message for her;
- pa@demo.example's and provider@demo.example's listings each with several
  enquiries in their inbox, some new;
- one message reported to the safeguarding queue, waiting for review.

Rows are written directly (no emails are sent), with who did what for whom as
the services would record it. Deterministic for a seed.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cms.models import ManagedServiceRate
from marketplace.accounts.models import ActingFor, DirectPaymentHolder, User
from marketplace.engagement.models import Enquiry, Message, MessageReport, ShortlistEntry
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderMembership, ServiceType

SHARE_WITH_SHORTLIST = 0.4
SHARE_WITH_ENQUIRIES = 0.25
SHARE_REPLIED = 0.7
SHARE_DECLINED = 0.15

ENQUIRY_MESSAGES = (
    "I am looking for help getting up and dressed in the mornings. I use a walking frame and need someone patient.",
    "My mum needs help with a shower twice a week and some company. She likes to chat about gardening.",
    "I would like someone to help me with shopping and cooking a hot meal. I am vegetarian.",
    "I need support to get out to my day centre and back, and help with lunch on those days.",
    "Looking for a regular PA for evenings: help with tea, medication prompts and getting ready for bed.",
)
PROVIDER_REPLIES = (
    "Thank you for getting in touch. I have those mornings free from next month. Would you like me to visit first?",
    "Hello, yes I can help. I have supported people with similar needs for several years.",
    "Thanks for your message. Could you tell me which part of town you live in, so I can plan travel?",
    "I would be glad to help. I can start on the date you gave and I am flexible on times.",
)
DECLINE_REASONS = (
    "I am sorry, I am fully booked on those days until the summer.",
    "I do not cover that area, I am afraid. The council's directory lists PAs closer to you.",
    "Unfortunately I cannot do overnight support at the moment.",
)
HOLDER_REPLIES = (
    "That sounds good. Tuesday afternoon would suit for a first visit.",
    "Thank you. I live near the town centre, close to the library.",
    "Lovely, thank you. I will share my phone number so we can arrange a time.",
)
NOTES = (
    "Friendly on the phone, speaks Gujarati as well.",
    "Has a car, so could take Mum to the day centre.",
    "A bit more expensive but very experienced with dementia.",
    "Recommended by the neighbours.",
)


@dataclass(frozen=True)
class EngagementDemoResult:
    shortlist_entries: int
    enquiries: int
    messages: int
    reports: int


class _Writer:
    def __init__(self, *, seed: int, today: date, now: datetime) -> None:
        self.rng = random.Random(f"engagement-{seed}")
        self.today = today
        self.now = now
        self.entries: list[ShortlistEntry] = []
        self.enquiries: list[Enquiry] = []
        self.messages: list[tuple[Enquiry, Message]] = []
        self.rates = {
            rate.service_id: int(rate.amount * 100) for rate in ManagedServiceRate.objects.filter(unit="hour")
        }

    def ago(self, low_hours: int, high_hours: int) -> datetime:
        return self.now - timedelta(hours=self.rng.randint(low_hours, high_hours), minutes=self.rng.randint(0, 59))

    def mask(self) -> int:
        days = self.rng.sample(list(Day)[:5], k=self.rng.randint(1, 3))
        parts = self.rng.sample([PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING], k=self.rng.randint(1, 2))
        return WeeklyAvailability.from_slots((day, part) for day in days for part in parts).mask

    def shortlist(
        self,
        holder: DirectPaymentHolder,
        provider: Provider,
        *,
        by: User | None,
        note: str = "",
        note_by: User | None = None,
    ) -> None:
        added = self.ago(24, 24 * 40)
        self.entries.append(
            ShortlistEntry(
                holder=holder,
                provider=provider,
                added_by=by,
                added_at=added,
                note=note,
                note_changed_by=(note_by or by) if note else None,
                note_changed_at=added + timedelta(hours=1) if note else None,
            )
        )

    def enquire(
        self,
        holder: DirectPaymentHolder,
        providers: list[Provider],
        *,
        by: User | None,
        service: ServiceType,
        sent_at: datetime,
    ) -> list[Enquiry]:
        together = uuid.uuid4()
        on_behalf = holder if by is not None and by.pk != holder.user_id else None
        body = self.rng.choice(ENQUIRY_MESSAGES)
        made = []
        for provider in providers:
            enquiry = Enquiry(
                sent_together=together,
                holder=holder,
                provider=provider,
                sent_by=by,
                service=service,
                availability_mask=self.mask(),
                hours_per_week=self.rng.choice([4, 6, 8, 10, 12, 15]),
                start_on=self.today + timedelta(days=self.rng.randint(7, 45)),
                rate_pence=self.rates.get(service.pk, 2000),
                created_at=sent_at,
                last_message_at=sent_at,
                last_message_side=Message.Side.HOLDER,
                holder_read_at=sent_at,
            )
            self.enquiries.append(enquiry)
            self.messages.append(
                (
                    enquiry,
                    Message(
                        side=Message.Side.HOLDER,
                        kind=Message.Kind.ENQUIRY,
                        sent_by=by,
                        on_behalf_of=on_behalf,
                        body=body,
                        sent_at=sent_at,
                    ),
                )
            )
            made.append(enquiry)
        return made

    def reply(self, enquiry: Enquiry, *, by: User | None, kind: str, body: str, at: datetime) -> None:
        self.messages.append(
            (enquiry, Message(side=Message.Side.PROVIDER, kind=kind, sent_by=by, body=body, sent_at=at))
        )
        enquiry.last_message_at, enquiry.last_message_side = at, Message.Side.PROVIDER
        if kind == Message.Kind.ACCEPTED:
            enquiry.status, enquiry.decided_by, enquiry.decided_at = Enquiry.Status.ACCEPTED, by, at
        elif kind == Message.Kind.DECLINED:
            enquiry.status, enquiry.decided_by, enquiry.decided_at = Enquiry.Status.DECLINED, by, at
            enquiry.decline_reason = body

    def holder_message(self, enquiry: Enquiry, *, by: User | None, kind: str, body: str, at: datetime) -> None:
        on_behalf = enquiry.holder if by is not None and by.pk != enquiry.holder.user_id else None
        self.messages.append(
            (
                enquiry,
                Message(
                    side=Message.Side.HOLDER, kind=kind, sent_by=by, on_behalf_of=on_behalf, body=body, sent_at=at
                ),
            )
        )
        enquiry.last_message_at, enquiry.last_message_side, enquiry.holder_read_at = at, Message.Side.HOLDER, at

    def write(self) -> list[Message]:
        ShortlistEntry.objects.bulk_create(self.entries, batch_size=500, ignore_conflicts=True)
        Enquiry.objects.bulk_create(self.enquiries, batch_size=500)
        rows = []
        for enquiry, message in self.messages:
            message.enquiry = enquiry
            rows.append(message)
        Message.objects.bulk_create(rows, batch_size=500)
        return rows


def build_engagement_demo(*, seed: int, today: date, now: datetime) -> EngagementDemoResult:
    """Shortlists, enquiries with replies and a reported message, for the demo county."""
    writer = _Writer(seed=seed, today=today, now=now)
    rng = writer.rng
    services = {term.slug: term for term in ServiceType.objects.all()}
    personal_care = services.get("personal-care") or next(iter(services.values()))
    published = list(Provider.objects.published().prefetch_related("services").order_by("pk"))
    if not published:
        return EngagementDemoResult(0, 0, 0, 0)
    members: dict[int, User] = {}
    for membership in ProviderMembership.objects.select_related("user").order_by("-role", "pk"):
        members[membership.provider_id] = membership.user
    login_provider_ids = list(
        ProviderMembership.objects.filter(user__email__in=["pa@demo.example", "provider@demo.example"])
        .order_by("user__email")
        .values_list("provider_id", flat=True)
    )
    login_providers = [provider for provider in published if provider.pk in login_provider_ids]
    assistants = [provider for provider in published if provider.kind == Provider.Kind.PERSONAL_ASSISTANT]
    agents_by_holder: dict[int, User] = {
        link.holder_id: link.agent
        for link in ActingFor.objects.filter(ended_on__isnull=True, may_message=True).select_related("agent")
    }

    margaret = (
        DirectPaymentHolder.objects.filter(user__email="dp-holder@demo.example")
        .select_related("user", "locality")
        .first()
    )
    others_query = DirectPaymentHolder.objects.select_related("user").order_by("pk")
    if margaret is not None:
        others_query = others_query.exclude(pk=margaret.pk)
    others = list(others_query)

    # Margaret and David: everything true for both of them.
    if margaret is not None:
        david = agents_by_holder.get(margaret.pk)
        near = [provider for provider in assistants if provider.locality_id == margaret.locality_id] or assistants
        offering_care = [provider for provider in near if personal_care in provider.services.all()] or near
        chosen = [provider for provider in offering_care if provider not in login_providers][:4]
        for index, provider in enumerate(chosen):
            writer.shortlist(
                margaret, provider, by=margaret.user, note=NOTES[index] if index < 2 else "", note_by=david
            )
        recipients = (login_providers + [provider for provider in chosen if provider not in login_providers])[:3]
        first = writer.enquire(
            margaret, recipients, by=margaret.user, service=personal_care, sent_at=writer.ago(72, 96)
        )
        for position, enquiry in enumerate(first):
            team = members.get(enquiry.provider_id)
            if position == 0:
                writer.reply(
                    enquiry, by=team, kind=Message.Kind.ACCEPTED, body=PROVIDER_REPLIES[0], at=writer.ago(48, 60)
                )
                shared_at = writer.ago(30, 40)
                writer.holder_message(
                    enquiry, by=margaret.user, kind=Message.Kind.CONTACT_SHARED, body="", at=shared_at
                )
                enquiry.contact_shared_at, enquiry.contact_shared_by = shared_at, margaret.user
                enquiry.contact_name, enquiry.contact_email = "Margaret Hollis", "dp-holder@demo.example"
                enquiry.contact_phone = "01632 960418"
            elif position == 1:
                writer.reply(
                    enquiry, by=team, kind=Message.Kind.MESSAGE, body=PROVIDER_REPLIES[2], at=writer.ago(5, 20)
                )
            else:
                writer.reply(
                    enquiry, by=team, kind=Message.Kind.DECLINED, body=DECLINE_REASONS[0], at=writer.ago(40, 70)
                )
        if david is not None:
            extra = [provider for provider in chosen if provider not in recipients][:1] or chosen[:1]
            writer.enquire(margaret, extra, by=david, service=personal_care, sent_at=writer.ago(2, 10))

    # Everyone else, in realistic proportions.
    for holder in others:
        agent = agents_by_holder.get(holder.pk)
        actor = holder.user if holder.user_id is not None else agent
        if actor is None:
            continue  # nobody signs in for them, so nobody shortlists or writes
        if rng.random() < SHARE_WITH_SHORTLIST:
            for provider in rng.sample(published, k=min(len(published), rng.randint(1, 6))):
                note = rng.choice(NOTES) if rng.random() < 0.3 else ""
                writer.shortlist(holder, provider, by=actor, note=note)
        if rng.random() < SHARE_WITH_ENQUIRIES:
            pool = assistants if rng.random() < 0.7 else published
            targets = rng.sample(pool, k=min(len(pool), rng.choice([1, 2, 2, 3, 3, 4])))
            if rng.random() < 0.3 and login_providers:
                targets = [*targets[:-1], rng.choice(login_providers)]
            service = rng.choice([personal_care, *services.values()]) if rng.random() < 0.4 else personal_care
            sent_at = writer.ago(6, 24 * 30)
            for enquiry in writer.enquire(
                holder, list(dict.fromkeys(targets)), by=actor, service=service, sent_at=sent_at
            ):
                if rng.random() > SHARE_REPLIED:
                    continue
                team = members.get(enquiry.provider_id)
                answered = sent_at + timedelta(hours=rng.randint(2, 72))
                if answered >= now:
                    continue
                roll = rng.random()
                if roll < SHARE_DECLINED:
                    writer.reply(
                        enquiry, by=team, kind=Message.Kind.DECLINED, body=rng.choice(DECLINE_REASONS), at=answered
                    )
                elif roll < 0.55:
                    writer.reply(
                        enquiry, by=team, kind=Message.Kind.ACCEPTED, body=rng.choice(PROVIDER_REPLIES), at=answered
                    )
                    later = answered + timedelta(hours=rng.randint(1, 48))
                    if later < now and rng.random() < 0.5:
                        writer.holder_message(
                            enquiry, by=actor, kind=Message.Kind.MESSAGE, body=rng.choice(HOLDER_REPLIES), at=later
                        )
                else:
                    writer.reply(
                        enquiry, by=team, kind=Message.Kind.MESSAGE, body=rng.choice(PROVIDER_REPLIES), at=answered
                    )
                if enquiry.last_message_side == Message.Side.PROVIDER and rng.random() < 0.5:
                    enquiry.holder_read_at = enquiry.last_message_at + timedelta(hours=1)

    written = writer.write()
    # One message in the safeguarding queue: a provider reply someone found worrying.
    candidates = [
        message
        for message in written
        if message.side == Message.Side.PROVIDER and message.kind == Message.Kind.MESSAGE
    ]
    reports = 0
    if candidates:
        report_target = candidates[len(candidates) // 2]
        Message.objects.filter(pk=report_target.pk).update(
            body="Before I visit I need £50 in cash up front. Best not to mention it to the council."
        )
        holder_user = report_target.enquiry.holder.user or agents_by_holder.get(report_target.enquiry.holder_id)
        MessageReport.objects.create(
            message=report_target,
            reported_by=holder_user,
            reporter_side=Message.Side.HOLDER,
            reason="They asked me to pay in cash before any visit and to keep it from the council.",
            reported_at=min(now, report_target.sent_at + timedelta(hours=3)),
        )
        reports = 1
    return EngagementDemoResult(
        shortlist_entries=ShortlistEntry.objects.count(),
        enquiries=len(writer.enquiries),
        messages=len(written),
        reports=reports,
    )
