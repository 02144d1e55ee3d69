"""Writing a review (holders and those acting for them) and replying to one (the provider's team).

Thin: permissions through the rules in accounts/rules.py, reads through
selectors, writes through services. Something the person may not act on is a
404, as if it did not exist.
"""

from typing import cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from marketplace.accounts.models import User
from marketplace.core.submissions import submit_once
from marketplace.providers.models import Provider

from . import selectors, services
from .forms import ReplyForm, ReviewForm
from .models import Moderation, Review


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def write(request: HttpRequest, agreement_uuid: UUID) -> HttpResponse:
    agreement = selectors.agreement_for_review(agreement_uuid=agreement_uuid)
    if agreement is None or not request.user.has_perm("reviews.write_review", agreement.holder):
        raise Http404("No agreement matches that address")
    user = _user(request)
    holder = agreement.holder
    existing = Review.objects.filter(holder=holder, provider_id=agreement.provider_id).first()
    if existing is not None or not services.agreement_is_reviewable(agreement):
        return TemplateResponse(
            request, "reviews/cannot_write.html", {"agreement": agreement, "existing": existing, "holder": holder}
        )
    is_for_someone = holder.user_id != user.pk
    if request.method == "POST":
        form = ReviewForm(request.POST, is_for_someone=is_for_someone)
        if form.is_valid():
            with submit_once(form=form, user=user) as once:
                if once.previous_url:
                    return redirect(once.previous_url)
                try:
                    services.review_write(
                        agreement=agreement,
                        by=user,
                        rating=form.rating_value,
                        text=form.cleaned_data["text"],
                        author_name=form.cleaned_data["author_name"],
                        for_name=form.cleaned_data.get("for_name", ""),
                    )
                except services.ReviewError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request,
                        f"Your review of {agreement.provider.name} is sent. The council checks every review "
                        "before it is published.",
                    )
                    return redirect(once.done(reverse("engagement:home") + "#reviews"))
    else:
        form = ReviewForm(is_for_someone=is_for_someone, initial={"author_name": user.first_name})
    return TemplateResponse(
        request,
        "reviews/write.html",
        {"agreement": agreement, "holder": holder, "form": form, "is_for_someone": is_for_someone},
    )


def _provider_team_or_404(request: HttpRequest, provider_uuid: UUID) -> Provider:
    provider = Provider.objects.filter(uuid=provider_uuid).first()
    if provider is None or not request.user.has_perm("reviews.reply_to_review", provider):
        raise Http404("No listing matches that address")
    return provider


@login_required
@require_http_methods(["GET", "HEAD"])
def provider_list(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_team_or_404(request, provider_uuid)
    return TemplateResponse(
        request,
        "reviews/provider_list.html",
        {
            "provider": provider,
            "reviews": selectors.provider_reviews(provider),
            "profile": selectors.published_reviews(provider=provider),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reply(request: HttpRequest, provider_uuid: UUID, review_uuid: UUID) -> HttpResponse:
    provider = _provider_team_or_404(request, provider_uuid)
    review = selectors.provider_review(provider=provider, review_uuid=review_uuid)
    if review is None or review.status != Moderation.PUBLISHED:
        raise Http404("No published review matches that address")
    list_url = reverse("reviews:provider_list", kwargs={"provider_uuid": provider.uuid})
    if review.has_reply:
        messages.info(request, "You have already replied to this review: a provider replies once.")
        return redirect(list_url)
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            with submit_once(form=form, user=request.user) as once:
                if once.previous_url:
                    return redirect(once.previous_url)
                try:
                    services.review_reply(review=review, by=_user(request), text=form.cleaned_data["text"])
                except services.ReviewError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request, "Your reply is sent. The council checks it, then it is shown with the review."
                    )
                    return redirect(once.done(list_url))
    else:
        form = ReplyForm()
    return TemplateResponse(request, "reviews/reply.html", {"provider": provider, "review": review, "form": form})
