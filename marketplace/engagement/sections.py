"""The sections of "Your support", and how another app adds one.

"Your support" (engagement:home) shows, for the holder chosen, a task list
with one row per section and then each section's own part of the page. A
section is a template include fed by a loader (a selector):

    from marketplace.engagement.sections import SectionContent, SectionSummary, SupportSection, register

    def adverts_section(holder, user):
        adverts = holder_adverts(holder)            # a fixed number of queries
        return SectionContent(
            summary=SectionSummary(count=len(adverts), status="2 new applicants", status_colour="blue",
                                   next_step="Read the applications", href="#adverts"),
            context={"adverts": adverts},
        )

    register(SupportSection(key="adverts", title="Your adverts", order=30,
                            template="adverts/includes/support_section.html", load=adverts_section))

Call `register` from the app's AppConfig.ready(). The include gets
`section` (the context dict), `summary`, `holder` and `request`; its
outermost element should carry id="<key>" so the task list links to it.
Loaders must run a fixed number of queries whatever the number of rows:
the page's query count is tested. Built-in sections: shortlist (order 10)
and enquiries (order 20).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marketplace.accounts.models import DirectPaymentHolder


@dataclass(frozen=True)
class SectionSummary:
    """One row of the task list: how many, a status tag, the next step and where it is."""

    count: int
    status: str
    next_step: str
    href: str
    status_colour: str = "grey"


@dataclass(frozen=True)
class SectionContent:
    summary: SectionSummary
    context: dict[str, Any] = field(default_factory=dict)


SectionLoader = Callable[[DirectPaymentHolder, Any], SectionContent]


@dataclass(frozen=True)
class SupportSection:
    key: str
    title: str
    template: str
    load: SectionLoader
    order: int = 100


@dataclass(frozen=True)
class LoadedSection:
    section: SupportSection
    summary: SectionSummary
    context: dict[str, Any]


_registry: dict[str, SupportSection] = {}


def register(section: SupportSection) -> SupportSection:
    """Add (or replace, by key) a section of "Your support"."""
    _registry[section.key] = section
    return section


def registered_sections() -> list[SupportSection]:
    return sorted(_registry.values(), key=lambda section: (section.order, section.key))


def load_sections(*, holder: DirectPaymentHolder, user: Any) -> list[LoadedSection]:
    loaded = []
    for section in registered_sections():
        content = section.load(holder, user)
        loaded.append(LoadedSection(section=section, summary=content.summary, context=content.context))
    return loaded


# The built-in sections ----------------------------------------------------------------


def shortlist_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    from .selectors import holder_shortlist

    entries = holder_shortlist(holder)
    not_contacted = [entry for entry in entries if not entry.has_enquiry]  # type: ignore[attr-defined]
    if not entries:
        summary = SectionSummary(
            count=0,
            status="Empty",
            next_step="Search the directory and add providers you like",
            href="#shortlist",
        )
    elif not_contacted:
        summary = SectionSummary(
            count=len(entries),
            status=f"{len(not_contacted)} not contacted",
            status_colour="blue",
            next_step="Send an enquiry to the providers you have not contacted yet",
            href="#shortlist",
        )
    else:
        summary = SectionSummary(
            count=len(entries),
            status="All contacted",
            status_colour="green",
            next_step="Wait for replies, or look for more providers",
            href="#shortlist",
        )
    return SectionContent(summary=summary, context={"entries": entries, "not_contacted": not_contacted})


def enquiry_next_step(enquiry: Any) -> tuple[str, str, str]:
    """(status tag, colour, next step) for one enquiry as the holder sees it."""
    from .models import Enquiry, Message

    if enquiry.status == Enquiry.Status.DECLINED:
        return "Cannot help", "grey", "Look for another provider"
    if enquiry.is_unread_by(Message.Side.HOLDER):
        return "New reply", "blue", "Read their reply"
    if enquiry.status == Enquiry.Status.ACCEPTED and not enquiry.has_shared_contact:
        return "Can help", "green", "Share your contact details so they can arrange a visit"
    if enquiry.status == Enquiry.Status.ACCEPTED:
        return "Contact shared", "green", "Agree the support with them"
    if enquiry.last_message_side == Message.Side.PROVIDER:
        return "Replied", "turquoise", "Reply to them"
    return "Waiting for reply", "yellow", "Wait for their reply"


def enquiries_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    from .selectors import holder_enquiries

    enquiries = holder_enquiries(holder)
    rows = []
    for enquiry in enquiries:
        status, colour, next_step = enquiry_next_step(enquiry)
        rows.append({"enquiry": enquiry, "status": status, "colour": colour, "next_step": next_step})
    new_replies = sum(1 for row in rows if row["status"] == "New reply")
    if not enquiries:
        summary = SectionSummary(
            count=0,
            status="None sent",
            next_step="Send an enquiry from a provider's profile or your shortlist",
            href="#enquiries",
        )
    elif new_replies:
        summary = SectionSummary(
            count=len(enquiries),
            status=f"{new_replies} new repl{'y' if new_replies == 1 else 'ies'}",
            status_colour="blue",
            next_step="Read the new replies",
            href="#enquiries",
        )
    else:
        waiting = sum(1 for row in rows if row["status"] == "Waiting for reply")
        summary = SectionSummary(
            count=len(enquiries),
            status=f"{waiting} waiting" if waiting else "Up to date",
            status_colour="yellow" if waiting else "green",
            next_step="Wait for providers to reply" if waiting else "Nothing to do now",
            href="#enquiries",
        )
    return SectionContent(summary=summary, context={"rows": rows, "new_replies": new_replies})


def register_builtin_sections() -> None:
    register(
        SupportSection(
            key="shortlist",
            title="Your shortlist",
            template="engagement/includes/section_shortlist.html",
            load=shortlist_section,
            order=10,
        )
    )
    register(
        SupportSection(
            key="enquiries",
            title="Enquiries and replies",
            template="engagement/includes/section_enquiries.html",
            load=enquiries_section,
            order=20,
        )
    )
