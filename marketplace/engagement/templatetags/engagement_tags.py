"""Template helpers: the shortlist buttons in directory pages, the providers' inbox count, who wrote a message."""

from typing import Any

from django import template

from marketplace.engagement.models import Message, ShortlistEntry

register = template.Library()


@register.simple_tag(takes_context=True)
def shortlisted_uuids(context: template.Context) -> set[str]:
    """The uuids of the listings on the shortlist this visitor sees (the session's when signed out). One query."""
    request = context.get("request")
    if request is None:
        return set()
    from marketplace.engagement.views import SESSION_SHORTLIST, support_holder

    if request.user.is_authenticated:
        holder, _ = support_holder(request)
        if holder is not None:
            return {
                str(value)
                for value in ShortlistEntry.objects.filter(holder=holder).values_list("provider__uuid", flat=True)
            }
    return {str(value) for value in request.session.get(SESSION_SHORTLIST, [])}


@register.filter
def uuid_in(value: Any, uuids: set[str]) -> bool:
    return str(value) in uuids


@register.simple_tag(takes_context=True)
def provider_inbox_counts(context: template.Context) -> dict[str, int]:
    from marketplace.engagement.selectors import provider_inbox_counts as counts

    request = context.get("request")
    return counts(getattr(request, "user", None))


@register.filter
def message_author(message: Message, viewer_side: str) -> str:
    """ "Sent by David Hollis on behalf of Margaret Hollis", "Sent by you", "Sent by Sam Patel, Acme Care"."""
    enquiry = message.enquiry
    writer = message.sent_by
    name = (writer.get_full_name() or writer.email) if writer is not None else "someone no longer registered"
    if message.side == Message.Side.PROVIDER:
        # A personal assistant is their own listing: "Sent by Hetal Makwana", not "Hetal Makwana, Hetal Makwana".
        return f"Sent by {name}" if name == enquiry.provider.name else f"Sent by {name}, {enquiry.provider.name}"
    if message.on_behalf_of_id is not None:
        return f"Sent by {name} on behalf of {enquiry.holder.display_name}"
    return f"Sent by {enquiry.holder.display_name}"


@register.filter
def pence(amount: int | None) -> str:
    """1850 as "£18.50"."""
    if amount is None:
        return ""
    return f"£{amount // 100:,}.{amount % 100:02d}"


@register.filter
def times_needed(enquiry: Any) -> list[str]:
    """ "Tuesday: morning, afternoon" for each day the enquiry asks for."""
    from marketplace.providers.availability import PartOfDay

    lines = []
    for day, parts in enquiry.availability.grid():
        chosen = [part.label.lower() for part, is_needed in zip(PartOfDay, parts, strict=True) if is_needed]
        if chosen:
            lines.append(f"{day.label}: {', '.join(chosen)}")
    return lines
