"""Template helpers for the account pages and the header's account links."""

from typing import Any

from django import forms, template
from django.urls import reverse

from marketplace.accounts.selectors import user_belongs_to_a_provider, user_is_or_acts_for_a_holder

register = template.Library()


@register.filter
def input_type(bound_field: forms.BoundField) -> str:
    """How a form field is drawn: text, email, password, checkbox, textarea or hidden."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    return str(getattr(widget, "input_type", "text"))


@register.simple_tag(takes_context=True)
def account_navigation(context: template.Context) -> list[dict[str, Any]]:
    """The account links for the service navigation: sign in, or the signed-in person's places."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return [{"text": "Sign in", "href": reverse("account_login"), "current": _is_under(request, "/accounts/")}]
    items = []
    if user_belongs_to_a_provider(user):
        items.append({"text": "Your listings", "href": "/provider/", "current": _is_under(request, "/provider/")})
    if user_is_or_acts_for_a_holder(user):
        # The adverts and saved-search pages (their own apps) until the "Your support" home gathers them.
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
