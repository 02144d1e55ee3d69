"""Template helpers for the account pages and the header's account links."""

from typing import Any

from django import template
from django.urls import reverse

from marketplace.accounts.selectors import user_acts_for_anyone, user_belongs_to_a_provider

register = template.Library()


@register.simple_tag(takes_context=True)
def account_navigation(context: template.Context) -> list[dict[str, Any]]:
    """The account links for the service navigation: sign in, or the signed-in person's places."""
    request = context.get("request")
    user = getattr(request, "user", None)
    support = {"text": "Your support", "href": "/your-support/", "current": _is_under(request, "/your-support/")}
    if user is None or not user.is_authenticated:
        signed_out = [
            {"text": "Sign in", "href": reverse("account_login"), "current": _is_under(request, "/accounts/")}
        ]
        # A visitor who has shortlisted someone sees where the shortlist is kept.
        if request is not None and request.session.get("support_shortlist"):
            signed_out.insert(0, {**support, "text": "Your shortlist"})
        return signed_out
    items = []
    acts_for_a_holder = user_acts_for_anyone(user)
    if acts_for_a_holder:
        items.append(support)
    if user_belongs_to_a_provider(user):
        items.append({"text": "Your listings", "href": "/provider/", "current": _is_under(request, "/provider/")})
    if acts_for_a_holder:
        # Also sections of "Your support"; linked here too because people come back to them often.
        items.append(
            {
                "text": "Your adverts",
                "href": "/support-wanted/yours/",
                "current": _is_under(request, "/support-wanted/"),
            }
        )
        items.append(
            {"text": "Saved searches", "href": "/saved-searches/", "current": _is_under(request, "/saved-searches/")}
        )
    if user.has_perm("wagtailadmin.access_admin"):
        items.append({"text": "Admin", "href": "/admin/", "current": False})
    items.append({"text": "Account", "href": reverse("accounts:index"), "current": _is_under(request, "/accounts/")})
    return items


def _is_under(request: Any, prefix: str) -> bool:
    return bool(request is not None and request.path.startswith(prefix))
