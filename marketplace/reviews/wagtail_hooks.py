"""Reviews in the Wagtail admin: the commissioners' moderation queue, as monitoring moderates feedback.

The listing comes from Wagtail (a ModelViewSet with a filter, search and
export); the decision is `moderate` below, which publishes or rejects the
review, or then the provider's reply. Who may do anything here is
`reviews.moderate` (commissioners), through the shared commissioner admin
(decision 0043). Nothing is added or deleted here.
"""

from typing import Any

import django_filters
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from marketplace.core.commissioner_admin import CommissionerArea, CommissionerPermissionPolicy, commissioner_or_403

from . import services
from .forms import ReviewModerationForm
from .models import Moderation, Review

MODERATE = "reviews.moderate"
# Commissioners list and decide; nobody adds or deletes.
register_permission_policy(
    Review, CommissionerPermissionPolicy(Review, permission=MODERATE, actions={"view", "change"})
)


class ReviewFilterSet(WagtailFilterSet):
    waiting = django_filters.ChoiceFilter(
        label="Show",
        choices=[("yes", "Waiting for a decision"), ("no", "Decided")],
        method="filter_waiting",
        empty_label="All",
    )
    status = django_filters.ChoiceFilter(label="Review", choices=Moderation.choices)

    class Meta:
        model = Review
        fields = ["waiting", "status"]

    def filter_waiting(self, queryset: QuerySet[Review], name: str, value: str) -> QuerySet[Review]:
        waiting = Review.objects.waiting_for_moderation().values("pk")
        return queryset.filter(pk__in=waiting) if value == "yes" else queryset.exclude(pk__in=waiting)


def _state(review: Review) -> str:
    if review.status == Moderation.PENDING:
        return "Review waiting"
    if review.reply_status == Moderation.PENDING:
        return "Reply waiting"
    return review.get_status_display()


def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide on a review waiting for moderation, or on the provider's reply to a published one."""
    by = commissioner_or_403(request, MODERATE)
    review = get_object_or_404(
        Review.objects.select_related("provider", "holder", "written_by", "moderated_by"), pk=pk
    )
    deciding = (
        "review"
        if review.status == Moderation.PENDING
        else "reply"
        if review.reply_status == Moderation.PENDING
        else ""
    )
    form = ReviewModerationForm(request.POST or None)
    if request.method == "POST" and deciding and form.is_valid():
        decide = services.review_moderate if deciding == "review" else services.review_reply_moderate
        try:
            decide(review=review, by=by, decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"])
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            review.refresh_from_db()
            outcome = "published" if form.cleaned_data["decision"] == Moderation.PUBLISHED else "not published"
            messages.success(request, f"The {deciding} about {review.provider.name} is {outcome}.")
            return redirect("reviews_moderation:index")
    title = "Moderate a review" if deciding != "reply" else "Moderate a reply to a review"
    return TemplateResponse(
        request,
        "reviews/admin/moderate.html",
        {
            "page_title": title,
            "page_subtitle": review.provider.name,
            "header_title": f"{title}: {review.provider.name}",
            "header_icon": "comment",
            "review": review,
            "deciding": deciding,
            "form": form,
            "cancel_url": reverse("reviews_moderation:index"),
        },
    )


class ReviewViewSet(CommissionerArea, ModelViewSet):
    """The moderation queue: reviews (and replies) waiting first, then the decided ones."""

    permission = MODERATE
    model = Review
    name = "reviews_moderation"
    url_prefix = "reviews"
    icon = "comment"
    menu_label = "Reviews"
    menu_order = 135
    add_to_admin_menu = True
    list_display = [
        "provider",
        Column("state", label="State", accessor=_state),
        "rating",
        Column("excerpt", label="Review", accessor=lambda review: review.text[:120]),
        "submitted_at",
    ]
    filterset_class = ReviewFilterSet
    search_fields = ["provider__name", "text", "reply_text"]
    search_backend_name = None
    ordering = ["status", "-submitted_at"]
    copy_view_enabled = False
    list_export = [
        "provider.name",
        "rating",
        "text",
        "byline",
        "submitted_at",
        "get_status_display",
        "moderated_by",
        "moderated_at",
        "moderation_reason",
        "reply_text",
        "get_reply_status_display",
    ]
    export_headings = {
        "provider.name": "Provider",
        "byline": "Written by",
        "get_status_display": "Review",
        "get_reply_status_display": "Reply",
    }
    export_filename = "reviews"

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        queryset = Review.objects.select_related("provider", "moderated_by")
        return {**super().get_index_view_kwargs(**kwargs), "add_url_name": None, "queryset": queryset}

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", moderate, name="edit"),
        ]


@hooks.register("register_admin_viewset")
def register_review_viewset() -> ReviewViewSet:
    return ReviewViewSet()
