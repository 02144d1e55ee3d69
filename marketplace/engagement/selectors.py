"""Reads for "Your support", the providers' inbox and conversations; each a fixed number of queries."""

import uuid
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.providers.models import Provider

from .models import Block, Enquiry, Message, MessageReport, ShortlistEntry


def holder_shortlist(holder: DirectPaymentHolder) -> list[ShortlistEntry]:
    """The holder's shortlist, newest first, with whether each provider already has an enquiry from them. One query."""
    return list(
        ShortlistEntry.objects.filter(holder=holder)
        .select_related("provider", "provider__locality", "added_by", "note_changed_by")
        .annotate(
            has_enquiry=Exists(
                Enquiry.objects.filter(holder_id=OuterRef("holder_id"), provider_id=OuterRef("provider_id"))
            )
        )
    )


def shortlisted_provider_ids(holder: DirectPaymentHolder | None) -> set[int]:
    if holder is None:
        return set()
    return set(ShortlistEntry.objects.filter(holder=holder).values_list("provider_id", flat=True))


def holder_enquiries(holder: DirectPaymentHolder) -> list[Enquiry]:
    """Every enquiry the holder (or someone for them) sent, the most recent conversation first. One query."""
    return list(
        Enquiry.objects.filter(holder=holder)
        .select_related("provider", "service", "sent_by")
        .annotate(message_count=Count("messages"))
    )


def provider_inbox(user: Any) -> list[Enquiry]:
    """The enquiries sent to every provider whose team the user is in, most recent conversation first. One query."""
    return list(
        Enquiry.objects.filter(provider__memberships__user_id=user.pk)
        .select_related("provider", "holder", "holder__locality", "service", "sent_by")
        .annotate(
            message_count=Count("messages", distinct=True),
            is_blocked=Exists(
                Block.objects.filter(holder_id=OuterRef("holder_id"), provider_id=OuterRef("provider_id"))
            ),
        )
        .distinct()
    )


def provider_inbox_counts(user: Any) -> dict[str, int]:
    """How many enquiries a provider user's teams have, and how many wait for them (new or unanswered)."""
    if not getattr(user, "is_authenticated", False):
        return {"total": 0, "waiting": 0}
    counts = Enquiry.objects.filter(provider__memberships__user_id=user.pk).aggregate(
        total=Count("pk", distinct=True),
        waiting=Count("pk", distinct=True, filter=Q(last_message_side=Message.Side.HOLDER)),
    )
    return {"total": counts["total"] or 0, "waiting": counts["waiting"] or 0}


def enquiry_for_page(enquiry_uuid: Any) -> Enquiry | None:
    return (
        Enquiry.objects.select_related("provider", "holder", "holder__locality", "service", "sent_by", "decided_by")
        .filter(uuid=enquiry_uuid)
        .first()
    )


def enquiry_messages(enquiry: Enquiry) -> list[Message]:
    """A conversation's messages in order, with who wrote each and for whom. One query."""
    messages: list[Message] = list(
        Message.objects.filter(enquiry=enquiry)
        .select_related("sent_by", "on_behalf_of")
        .annotate(report_count=Count("reports"))
    )
    for message in messages:
        message.enquiry = enquiry  # already loaded: no query per message
    return messages


def conversation_is_blocked(enquiry: Enquiry) -> bool:
    return Block.objects.filter(holder_id=enquiry.holder_id, provider_id=enquiry.provider_id).exists()


def enquiries_sent_together(enquiry: Enquiry) -> QuerySet[Enquiry]:
    return (
        Enquiry.objects.filter(sent_together=enquiry.sent_together).exclude(pk=enquiry.pk).select_related("provider")
    )


def providers_for_enquiry(provider_uuids: list[str]) -> list[Provider]:
    """The published listings with these uuids, in the order given (unknown ones left out)."""
    valid = []
    for value in provider_uuids:
        try:
            valid.append(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    found = {str(provider.uuid): provider for provider in Provider.objects.published().filter(uuid__in=valid)}
    ordered = []
    for value in valid:
        if value in found and found[value] not in ordered:
            ordered.append(found[value])
    return ordered


def open_reports() -> QuerySet[MessageReport]:
    return MessageReport.objects.filter(status=MessageReport.Status.OPEN)
