"""Template helpers for the account pages and the header's account links."""

from typing import Any

from django import forms, template
from django.urls import reverse

from marketplace.accounts.selectors import user_acts_for_anyone, user_belongs_to_a_provider

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


@register.simple_tag
def choice_options(field: forms.BoundField) -> list[dict[str, Any]]:
    """A choice field's options as GOV.UK radios or checkboxes: ids from the field's `auto_id`.

    The first option takes the field's own id, so the error summary's link
    lands on it; what the person chose is kept, even on a form with errors.
    """
    value = field.value()
    chosen = {str(item) for item in value} if isinstance(value, list | tuple) else {str(value)}
    return [
        {
            "id": field.auto_id if index == 0 else f"{field.auto_id}-{index + 1}",
            "value": str(option_value),
            "label": str(label),
            "checked": str(option_value) in chosen,
        }
        for index, (option_value, label) in enumerate(getattr(field.field, "choices", ()))
    ]
