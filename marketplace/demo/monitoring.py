"""Contract monitoring for the demo county: arrangements, members, visit histories, actions and feedback.

Called once at the end of `builder.demo_county_build`. It gives Wendleshire:

- four arrangements: the home care framework, the day services approved list,
  the direct payment accredited supplier list (personal assistants and
  micro-providers, monitored every two years, mostly by desktop review) and
  spot contracts for a few other providers;
- for most members a history of visits, each followed by the next one when
  the schedule says (sooner after a weak rating), with some providers visited
  late so the due-and-overdue report has work in it, and a few never visited;
- overall ratings close to a county's usual spread (about one in ten
  Excellent, six in ten Good, a fifth Requires improvement, a few Poor), by
  the real rule in `monitoring/rating.py`; decisions appended as the services
  would; action plans after weak visits, old ones closed, recent ones open,
  some overdue and some answered by the provider;
- feedback from people who use services, some waiting for moderation.

The demo provider login's listing always has a published outcome with open
actions to answer. Rows are written in bulk: about 1,200 visits at scale 1
in two to three seconds. Nothing here calls the contingency app: its own demo data decides
which providers are flagged.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.roles import COMMISSIONERS
from marketplace.monitoring.models import (
    DOMAIN_FIELDS,
    Action,
    ActionUpdate,
    Arrangement,
    ArrangementMembership,
    Domain,
    Feedback,
    MonitoringVisit,
    Rating,
    RatingDecision,
)
from marketplace.monitoring.rating import overall_rating
from marketplace.monitoring.schedule import ScheduleFacts, next_monitoring_due
from marketplace.providers.models import Provider, ProviderMembership

Kind = Provider.Kind
VisitType = MonitoringVisit.VisitType

# The overall rating a visit aims at (the rule decides the real one from the domains).
TARGET_SHARES = {Rating.EXCELLENT: 0.10, Rating.GOOD: 0.62, Rating.REQUIRES_IMPROVEMENT: 0.22, Rating.POOR: 0.06}
# After a weak visit, providers usually improve.
TARGET_AFTER_POOR = {Rating.GOOD: 0.45, Rating.REQUIRES_IMPROVEMENT: 0.40, Rating.POOR: 0.15}
TARGET_AFTER_REQUIRES_IMPROVEMENT = {Rating.GOOD: 0.60, Rating.REQUIRES_IMPROVEMENT: 0.32, Rating.POOR: 0.08}
ORGANISATION_VISIT_TYPES = {
    VisitType.ANNOUNCED: 0.55,
    VisitType.UNANNOUNCED: 0.25,
    VisitType.DESKTOP_REVIEW: 0.10,
    VisitType.COMPLAINT: 0.07,
    VisitType.SAFEGUARDING: 0.03,
}
PA_VISIT_TYPES = {VisitType.DESKTOP_REVIEW: 0.75, VisitType.ANNOUNCED: 0.22, VisitType.COMPLAINT: 0.03}
NEVER_VISITED_SHARE = 0.03
LATE_VISIT_SHARE = 0.08
HISTORY_YEARS = 3
FEEDBACK_SHARE_OF_PUBLISHED = 0.12
COMPLAINT_SHARE = 0.15

OFFICERS = (("quality.officer1", "Tom", "Ashworth"), ("quality.officer2", "Amina", "Begum"))

ACTION_TEXT: dict[str, tuple[str, ...]] = {
    Domain.ASSESSMENT_AND_CARE_PLANNING: (
        "Review every care plan with the person and their family, and record their outcomes in their own words.",
        "Update risk assessments for moving and handling when someone's needs change, within a week.",
        "Record each person's preferred times for calls and show how the rota meets them.",
    ),
    Domain.EXPERIENCE_OF_PEOPLE_SUPPORTED: (
        "Ask each person for their views every three months and show what changed as a result.",
        "Reduce late and missed calls: report call times monthly to the council.",
        "Make the complaints leaflet available in easy read and in the languages people speak.",
    ),
    Domain.WORKER_KNOWLEDGE: (
        "Make sure every worker has read and signed each person's care plan before supporting them.",
        "Give workers a short briefing on recognising and reporting safeguarding concerns.",
    ),
    Domain.STAFF_TRAINING_AND_RECRUITMENT: (
        "Complete moving and handling refresher training for all workers whose certificates have expired.",
        "Keep two written references and a DBS check on file for every worker before they start.",
        "Put the training matrix on file and review it monthly.",
    ),
    Domain.ENVIRONMENT_EQUIPMENT_AND_SAFETY: (
        "Service the hoists and record the service dates.",
        "Carry out a fire risk assessment of the premises and act on it.",
        "Keep medicines administration records complete: audit them weekly.",
    ),
    Domain.LEADERSHIP_AND_MANAGEMENT: (
        "Hold supervision with every worker at least every three months and keep a record.",
        "Send the council the business continuity plan, reviewed this year.",
        "Audit accidents and incidents monthly and show what was learned.",
    ),
}
PROVIDER_RESPONSES = (
    "Done: records updated and checked by the manager.",
    "Training booked for all staff; half have completed it so far.",
    "We have changed the rota and will send call times each month.",
    "Completed. Copies are on file for the next visit.",
    "In progress: new forms in use from this week.",
)
SUMMARIES = {
    Rating.EXCELLENT: "A very well run service. People spoke warmly about their support and records were excellent.",
    Rating.GOOD: "A good service. People are safe and well supported; see the action plan for small improvements.",
    Rating.REQUIRES_IMPROVEMENT: "Some areas need to improve. Please work through the action plan by the dates given.",
    Rating.POOR: "We found serious concerns. A follow-up visit will check the action plan within a month.",
}
EVIDENCE_NOTES = (
    "Met the manager and two workers; read four care plans, the rota for the last month and the training matrix.",
    "Spoke to three people who use the service by phone and one family member; read complaints log.",
    "Desktop review of policies, insurance, training records and call monitoring data.",
    "Observed lunchtime and an activity session; read medicines records and incident log.",
)
# Feedback fits the kind of provider: one person for a personal assistant, a team of carers for an
# agency or micro-provider, a group for those who run group sessions (never "the Tuesday group" on a PA).
FEEDBACK_TEXT_ONE_PERSON = (
    "Always on time and lets us know well ahead if anything changes.",
    "Reliable and respectful. My dad trusts her.",
    "Excellent support with my personal care; I feel listened to.",
    "He knows my routine now and never rushes me.",
)
FEEDBACK_TEXT_TEAM = (
    "The carers are kind and always let us know if they are running late.",
    "Reliable and respectful. My dad trusts them.",
    "Sometimes a different person comes and they don't know the routine.",
    "Excellent support with my personal care; I feel listened to.",
)
FEEDBACK_TEXT_GROUP = (
    "Mum really enjoys the Tuesday group and has made friends there.",
    "The staff are lovely but the minibus is often late.",
    "My brother looks forward to the sessions all week.",
)
# Other services (a sitting service, a men's shed, a befriending scheme): words that fit any of them.
FEEDBACK_TEXT_GENERAL = (
    "Friendly and welcoming, and they listen to what we want.",
    "Well organised; they always ring back when they say they will.",
)
COMPLAINT_TEXT_GENERAL = ("We were promised a call back about starting and nobody rang for three weeks.",)
COMPLAINT_TEXT_ONE_PERSON = (
    "Two visits were missed last month and nobody rang to tell us.",
    "My brother's medicines were not given at the right time on several days.",
)
COMPLAINT_TEXT_TEAM = (
    "Two visits were missed last month and nobody rang to tell us.",
    "My brother's medicines were not given at the right time on several days.",
    "We asked for a female carer for personal care but a man was sent twice.",
)
COMPLAINT_TEXT_GROUP = (
    "The minibus did not come twice last month and nobody rang to tell us.",
    "Dad was left sitting on his own for most of the afternoon session.",
)
REJECTION_REASONS = ("Names a member of staff", "Not about this provider", "Duplicate of earlier feedback")


@dataclass(frozen=True)
class MonitoringDemoResult:
    arrangements: int
    memberships: int
    visits: int
    actions: int
    feedback: int
    ratings: dict[str, int]


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class MonitoringPlanner:
    def __init__(self, *, seed: int, today: date, officers: list[User]) -> None:
        # Its own generator, so adding monitoring leaves the rest of the county exactly as it was.
        self.rng = random.Random(f"monitoring-{seed}")
        self.today = today
        self.officers = officers
        self.visits: list[MonitoringVisit] = []
        self.decisions: list[RatingDecision] = []
        self.actions: list[Action] = []
        self.action_notes: list[tuple[Action, list[ActionUpdate]]] = []
        self.follow_up_of: dict[int, int] = {}  # visit index -> index of the visit it follows up

    def pick(self, shares: dict[Any, float]) -> Any:
        return self.rng.choices(list(shares), weights=list(shares.values()))[0]

    def domains_for(self, target: str) -> dict[str, str]:
        """Six domain ratings that the rule turns into (about) the target overall rating."""
        domains = list(DOMAIN_FIELDS)
        self.rng.shuffle(domains)
        values = dict.fromkeys(DOMAIN_FIELDS, Rating.GOOD.value)
        if target == Rating.EXCELLENT:
            for domain in domains[: self.rng.randint(4, 6)]:
                values[domain] = Rating.EXCELLENT
        elif target == Rating.GOOD:
            for domain in domains[: self.rng.choice((0, 0, 1, 2))]:
                values[domain] = Rating.EXCELLENT
            if self.rng.random() < 0.35:
                values[domains[-1]] = Rating.REQUIRES_IMPROVEMENT
        elif target == Rating.REQUIRES_IMPROVEMENT:
            for domain in domains[: self.rng.randint(2, 4)]:
                values[domain] = Rating.REQUIRES_IMPROVEMENT
        else:
            count = self.rng.randint(1, 2)
            for domain in domains[:count]:
                values[domain] = Rating.POOR
            for domain in domains[count : count + self.rng.randint(1, 2)]:
                values[domain] = Rating.REQUIRES_IMPROVEMENT
        return values

    def target_after(self, previous: str, cqc_rating: str) -> str:
        if previous == Rating.POOR:
            return str(self.pick(TARGET_AFTER_POOR))
        if previous == Rating.REQUIRES_IMPROVEMENT:
            return str(self.pick(TARGET_AFTER_REQUIRES_IMPROVEMENT))
        target = str(self.pick(TARGET_SHARES))
        if cqc_rating == Provider.CqcRating.INADEQUATE and target in (Rating.EXCELLENT, Rating.GOOD):
            return Rating.POOR if self.rng.random() < 0.5 else Rating.REQUIRES_IMPROVEMENT
        return target

    def history(
        self, *, provider: Provider, arrangement: Arrangement, start_on: date, until: date | None = None
    ) -> None:
        """Visits from the provider joining until now (or `until`), each when the schedule said (or a little late)."""
        until = until or self.today - timedelta(days=3)
        if self.rng.random() < NEVER_VISITED_SHARE:
            return
        earliest = max(start_on, self.today - timedelta(days=365 * HISTORY_YEARS))
        visited_on = earliest + timedelta(days=self.rng.randint(7, 45))
        previous_index: int | None = None
        previous_rating = ""
        is_personal = provider.kind in (Kind.PERSONAL_ASSISTANT, Kind.MICRO_PROVIDER)
        while visited_on <= until:
            target = self.target_after(previous_rating, provider.cqc_rating)
            values = self.domains_for(target)
            result = overall_rating(values)
            is_follow_up = previous_rating == Rating.POOR
            visit_type = (
                VisitType.ANNOUNCED
                if is_follow_up
                else self.pick(PA_VISIT_TYPES if is_personal else ORGANISATION_VISIT_TYPES)
            )
            index = self.add_visit(
                provider=provider,
                arrangement=arrangement,
                visit_type=visit_type,
                visited_on=visited_on,
                values=values,
                overall=result.rating,
                explanation=result.explanation,
            )
            if is_follow_up and previous_index is not None:
                self.follow_up_of[index] = previous_index
            previous_index, previous_rating = index, result.rating
            due = next_monitoring_due(
                ScheduleFacts(
                    last_visited_on=visited_on,
                    last_overall_rating=result.rating,
                    frequency_months=arrangement.monitoring_frequency_months,
                ),
                today=self.today,
            ).due_on
            visited_on = due + timedelta(days=self.rng.randint(-25, 10))
            if self.rng.random() < LATE_VISIT_SHARE:
                visited_on += timedelta(days=self.rng.randint(30, 160))

    def add_visit(
        self,
        *,
        provider: Provider,
        arrangement: Arrangement,
        visit_type: str,
        visited_on: date,
        values: dict[str, str],
        overall: str,
        explanation: str,
        status: str = "",
    ) -> int:
        officer = self.rng.choice(self.officers)
        days_ago = (self.today - visited_on).days
        status = status or self.stage(days_ago)
        finalised_at = _aware(min(visited_on + timedelta(days=self.rng.randint(2, 10)), self.today), 15)
        published_at = _aware(min(finalised_at.date() + timedelta(days=self.rng.randint(1, 7)), self.today), 16)
        is_draft = status == MonitoringVisit.Status.DRAFT
        visit = MonitoringVisit(
            provider=provider,
            arrangement=arrangement,
            visit_type=visit_type,
            visited_on=visited_on,
            officer=officer,
            created_by=officer,
            status=status,
            evidence_notes=self.rng.choice(EVIDENCE_NOTES),
            summary_for_provider=SUMMARIES[Rating(overall)],
            overall_rating="" if is_draft else overall,
            finalised_by=None if is_draft else officer,
            finalised_at=None if is_draft else finalised_at,
            published_by=officer if status == MonitoringVisit.Status.PUBLISHED else None,
            published_at=published_at if status == MonitoringVisit.Status.PUBLISHED else None,
            **values,
        )
        index = len(self.visits)
        self.visits.append(visit)
        if not is_draft:
            self.decisions.append(
                RatingDecision(
                    visit=visit,
                    kind=RatingDecision.Kind.FINALISED,
                    rule_explanation=explanation[:300],
                    reason="As found on the day",
                    decided_by=officer,
                    decided_at=finalised_at,
                    overall_rating=overall,
                    **values,
                )
            )
        if status == MonitoringVisit.Status.PUBLISHED:
            self.decisions.append(
                RatingDecision(
                    visit=visit,
                    kind=RatingDecision.Kind.PUBLISHED,
                    rule_explanation=explanation[:300],
                    reason="Published to the provider",
                    decided_by=officer,
                    decided_at=published_at,
                    overall_rating=overall,
                    **values,
                )
            )
        self.plan_actions(visit, values, overall, published=status == MonitoringVisit.Status.PUBLISHED)
        return index

    def stage(self, days_ago: int) -> str:
        """The newest visits are still being written up, or waiting to be published."""
        if days_ago < 20 and self.rng.random() < 0.35:
            return MonitoringVisit.Status.DRAFT
        if days_ago < 40 and self.rng.random() < 0.25:
            return MonitoringVisit.Status.FINALISED
        return MonitoringVisit.Status.PUBLISHED

    def plan_actions(self, visit: MonitoringVisit, values: dict[str, str], overall: str, *, published: bool) -> None:
        weak = [domain for domain, value in values.items() if value in (Rating.POOR, Rating.REQUIRES_IMPROVEMENT)]
        if not weak:
            return
        count = {Rating.POOR: self.rng.randint(3, 4), Rating.REQUIRES_IMPROVEMENT: self.rng.randint(2, 3)}.get(
            Rating(overall), 1
        )
        for number in range(count):
            domain = weak[number % len(weak)]
            due_on = visit.visited_on + timedelta(days=self.rng.choice((28, 42, 56, 90)))
            officer = visit.officer
            assert officer is not None
            action = Action(
                visit=visit,
                description=self.rng.choice(ACTION_TEXT[domain]),
                domain=domain,
                owner=Action.Owner.PROVIDER if self.rng.random() < 0.9 else Action.Owner.COUNCIL,
                owner_name=self.rng.choice(("Registered manager", "Manager", "Owner", "Team leader")),
                due_on=due_on,
                created_by=officer,
            )
            created_at = _aware(visit.visited_on + timedelta(days=1), 11)
            updates = [
                ActionUpdate(
                    action=action,
                    kind=ActionUpdate.Kind.CREATED,
                    to_status=Action.Status.OPEN,
                    note=f"Due {due_on:%d %B %Y}, owned by {action.owner_name}.",
                    by=officer,
                    at=created_at,
                )
            ]
            if published:
                self.progress(action, updates, officer)
            self.actions.append(action)
            self.action_notes.append((action, updates))

    def progress(self, action: Action, updates: list[ActionUpdate], officer: User) -> None:
        """Where an action of a published visit has got to, by how long ago it was due."""
        overdue_by = (self.today - action.due_on).days
        roll = self.rng.random()
        if overdue_by > 45:
            status = (
                Action.Status.CLOSED
                if roll < 0.8
                else Action.Status.DONE
                if roll < 0.93
                else Action.Status.IN_PROGRESS
            )
        elif overdue_by > -15:
            status = (
                Action.Status.OPEN if roll < 0.35 else Action.Status.IN_PROGRESS if roll < 0.7 else Action.Status.DONE
            )
        else:
            status = Action.Status.OPEN if roll < 0.7 else Action.Status.IN_PROGRESS
        if status == Action.Status.OPEN:
            return
        answered_on = min(action.due_on - timedelta(days=self.rng.randint(0, 14)), self.today)
        answered_on = max(answered_on, action.visit.visited_on + timedelta(days=2))
        action.provider_response = self.rng.choice(PROVIDER_RESPONSES)
        action.responded_at = _aware(answered_on, 14)
        action.status = Action.Status.DONE if status == Action.Status.CLOSED else status
        updates.append(
            ActionUpdate(
                action=action,
                kind=ActionUpdate.Kind.PROVIDER_RESPONSE,
                from_status=Action.Status.OPEN,
                to_status=action.status,
                note=action.provider_response,
                at=action.responded_at,
            )
        )
        if status == Action.Status.CLOSED:
            closed_on = min(answered_on + timedelta(days=self.rng.randint(3, 30)), self.today)
            updates.append(
                ActionUpdate(
                    action=action,
                    kind=ActionUpdate.Kind.CHANGED,
                    from_status=Action.Status.DONE,
                    to_status=Action.Status.CLOSED,
                    note="Checked at the follow-up.",
                    by=officer,
                    at=_aware(closed_on, 12),
                )
            )
            action.status = Action.Status.CLOSED

    @staticmethod
    def feedback_texts(provider: Provider, *, is_complaint: bool) -> tuple[str, ...]:
        """What people might say about this kind of provider."""
        if provider.kind == Provider.Kind.PERSONAL_ASSISTANT:
            return COMPLAINT_TEXT_ONE_PERSON if is_complaint else FEEDBACK_TEXT_ONE_PERSON
        if provider.kind == Provider.Kind.DAY_SERVICE:
            return COMPLAINT_TEXT_GROUP if is_complaint else FEEDBACK_TEXT_GROUP
        if provider.kind == Provider.Kind.OTHER:
            return COMPLAINT_TEXT_GENERAL if is_complaint else FEEDBACK_TEXT_GENERAL
        return COMPLAINT_TEXT_TEAM if is_complaint else FEEDBACK_TEXT_TEAM

    def feedback(self, providers: list[Provider]) -> list[Feedback]:
        rows: list[Feedback] = []
        for provider in providers:
            if self.rng.random() >= FEEDBACK_SHARE_OF_PUBLISHED:
                continue
            for _ in range(self.rng.randint(1, 3)):
                is_complaint = self.rng.random() < COMPLAINT_SHARE
                days_ago = self.rng.randint(1, 300)
                moderation = Feedback.Moderation.PENDING if days_ago <= 21 else Feedback.Moderation.APPROVED
                if moderation == Feedback.Moderation.APPROVED and self.rng.random() < 0.12:
                    moderation = Feedback.Moderation.REJECTED
                submitted_at = _aware(self.today - timedelta(days=days_ago), self.rng.randint(8, 21))
                rows.append(
                    Feedback(
                        provider=provider,
                        relationship=self.pick(
                            {
                                Feedback.Relationship.USES_THE_SERVICE: 0.45,
                                Feedback.Relationship.FAMILY: 0.45,
                                Feedback.Relationship.ADVOCATE: 0.10,
                            }
                        ),
                        rating=None if is_complaint or self.rng.random() < 0.2 else self.rng.choice((3, 4, 4, 5, 5)),
                        text=self.rng.choice(self.feedback_texts(provider, is_complaint=is_complaint)),
                        is_complaint=is_complaint,
                        submitted_at=submitted_at,
                        moderation_status=moderation,
                        moderated_by=None if moderation == Feedback.Moderation.PENDING else self.officers[0],
                        moderated_at=None
                        if moderation == Feedback.Moderation.PENDING
                        else submitted_at + timedelta(days=self.rng.randint(1, 5)),
                        moderation_reason=self.rng.choice(REJECTION_REASONS)
                        if moderation == Feedback.Moderation.REJECTED
                        else "",
                    )
                )
        return rows


def _arrangements(today: date) -> dict[str, Arrangement]:
    specs = [
        (
            "home-care-framework",
            "Home care framework",
            Arrangement.Kind.FRAMEWORK,
            date(today.year - 3, 4, 1),
            date(today.year + 2, 3, 31),
            12,
            "The council's framework of home care (domiciliary care) agencies, with agreed hourly rates.",
        ),
        (
            "day-services-list",
            "Day services approved list",
            Arrangement.Kind.APPROVED_LIST,
            date(today.year - 4, 4, 1),
            None,
            12,
            "Day opportunities the council has approved for people whose support it arranges.",
        ),
        (
            "direct-payment-accredited-list",
            "Direct payment accredited supplier list",
            Arrangement.Kind.ACCREDITED_LIST,
            date(today.year - 4, 1, 1),
            None,
            24,
            "Personal assistants and micro-providers the council has vetted, for people on direct payments.",
        ),
        (
            "spot-contracts",
            "Spot contracts",
            Arrangement.Kind.SPOT_CONTRACT,
            date(today.year - 2, 4, 1),
            None,
            12,
            "Individual placements the council has bought outside its frameworks.",
        ),
    ]
    arrangements = {}
    for slug, name, kind, starts_on, ends_on, months, description in specs:
        arrangements[slug], _ = Arrangement.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "monitoring_frequency_months": months,
                "description": description,
            },
        )
    return arrangements


def _officers(commissioner: User | None) -> list[User]:
    group = Group.objects.get_or_create(name=COMMISSIONERS)[0]
    officers = [commissioner] if commissioner is not None else []
    unusable = make_password(None)
    for handle, first_name, last_name in OFFICERS:
        officer, _ = User.objects.get_or_create(
            email=f"{handle}@demo.example",
            defaults={"first_name": first_name, "last_name": last_name, "password": unusable},
        )
        officer.groups.add(group)
        officers.append(officer)
    return officers


def _demo_login_outcome(planner: MonitoringPlanner, provider: Provider, arrangement: Arrangement) -> None:
    """The demo provider login always has something to answer: a published visit with open actions."""
    values = dict.fromkeys(DOMAIN_FIELDS, Rating.GOOD.value)
    values[Domain.STAFF_TRAINING_AND_RECRUITMENT] = Rating.REQUIRES_IMPROVEMENT
    values[Domain.ASSESSMENT_AND_CARE_PLANNING] = Rating.REQUIRES_IMPROVEMENT
    result = overall_rating(values)
    index = planner.add_visit(
        provider=provider,
        arrangement=arrangement,
        visit_type=VisitType.ANNOUNCED,
        visited_on=planner.today - timedelta(days=35),
        values=values,
        overall=result.rating,
        explanation=result.explanation,
        status=MonitoringVisit.Status.PUBLISHED,
    )
    visit = planner.visits[index]
    # Its actions are open, the first already overdue, whatever the random draw said.
    plan = [(action, updates) for action, updates in planner.action_notes if action.visit is visit]
    for number, (action, updates) in enumerate(plan):
        action.status = Action.Status.OPEN
        action.provider_response = ""
        action.responded_at = None
        action.due_on = planner.today + timedelta(days=-5 if number == 0 else 25)
        updates[0].note = f"Due {action.due_on:%d %B %Y}, owned by {action.owner_name}."
        del updates[1:]


def _arrangement_for(
    provider: Provider, arrangements: dict[str, Arrangement], rng: random.Random
) -> Arrangement | None:
    """The arrangement a published provider is monitored under in the demo county, or None (most PAs)."""
    if provider.kind == Kind.HOME_CARE_AGENCY and rng.random() < 0.85:
        return arrangements["home-care-framework"]
    if provider.kind == Kind.DAY_SERVICE and rng.random() < 0.9:
        return arrangements["day-services-list"]
    if provider.kind in (Kind.PERSONAL_ASSISTANT, Kind.MICRO_PROVIDER) and provider.is_accredited:
        return arrangements["direct-payment-accredited-list"]
    if provider.kind in (Kind.OTHER, Kind.MICRO_PROVIDER) and rng.random() < 0.1:
        return arrangements["spot-contracts"]
    return None


def build_monitoring_demo(*, seed: int, today: date, commissioner: User | None) -> MonitoringDemoResult:
    """Arrangements, memberships, visit histories, action plans and feedback for the demo county."""
    arrangements = _arrangements(today)
    officers = _officers(commissioner)
    planner = MonitoringPlanner(seed=seed, today=today, officers=officers)
    rng = planner.rng

    published = list(
        Provider.objects.published().only("pk", "kind", "cqc_rating", "is_accredited", "published_at").order_by("pk")
    )
    members: list[tuple[Provider, Arrangement, date]] = []
    for provider in published:
        joined = (provider.published_at.date() if provider.published_at else today) - timedelta(
            days=rng.randint(0, 60)
        )
        arrangement = _arrangement_for(provider, arrangements, rng)
        if arrangement is None:
            continue
        members.append((provider, arrangement, max(joined, arrangement.starts_on)))

    login_providers = set(
        ProviderMembership.objects.filter(user__email__in=["provider@demo.example"]).values_list(
            "provider_id", flat=True
        )
    )
    by_id = {provider.pk: provider for provider in published}
    for provider_id in sorted(login_providers):
        if provider_id in by_id and provider_id not in {provider.pk for provider, _, _ in members}:
            arrangement = arrangements["spot-contracts"]
            members.append((by_id[provider_id], arrangement, arrangement.starts_on))

    ArrangementMembership.objects.filter(arrangement__in=arrangements.values()).delete()
    ArrangementMembership.objects.bulk_create(
        [
            ArrangementMembership(
                arrangement=arrangement,
                provider=provider,
                start_on=start_on,
                reference=f"{arrangement.slug[:3].upper()}-{index:04d}",
            )
            for index, (provider, arrangement, start_on) in enumerate(members, start=1)
        ],
        batch_size=1000,
    )

    for provider, arrangement, start_on in members:
        if provider.pk in login_providers:
            planner.history(
                provider=provider, arrangement=arrangement, start_on=start_on, until=today - timedelta(days=300)
            )
            _demo_login_outcome(planner, provider, arrangement)
        else:
            planner.history(provider=provider, arrangement=arrangement, start_on=start_on)

    MonitoringVisit.objects.bulk_create(planner.visits, batch_size=1000)
    for index, previous in planner.follow_up_of.items():
        planner.visits[index].follows_up = planner.visits[previous]
    MonitoringVisit.objects.bulk_update(
        [planner.visits[index] for index in planner.follow_up_of], ["follows_up"], batch_size=1000
    )
    for decision in planner.decisions:
        decision.visit_id = decision.visit.pk
    RatingDecision.objects.bulk_create(planner.decisions, batch_size=1000)
    for action in planner.actions:
        action.visit_id = action.visit.pk
    Action.objects.bulk_create(planner.actions, batch_size=1000)
    updates = []
    for action, action_updates in planner.action_notes:
        for update in action_updates:
            update.action_id = action.pk
            if update.kind == ActionUpdate.Kind.PROVIDER_RESPONSE:
                update.by = None
            updates.append(update)
    ActionUpdate.objects.bulk_create(updates, batch_size=2000)
    feedback = planner.feedback(published)
    Feedback.objects.bulk_create(feedback, batch_size=1000)

    decided = [visit for visit in planner.visits if visit.overall_rating]
    return MonitoringDemoResult(
        arrangements=len(arrangements),
        memberships=len(members),
        visits=len(planner.visits),
        actions=len(planner.actions),
        feedback=len(feedback),
        ratings=dict(Counter(visit.overall_rating for visit in decided)),
    )
