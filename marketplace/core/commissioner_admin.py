"""Commissioner-only areas of the Wagtail admin: the one pattern (decision 0043).

Every screen only commissioners reach is built from these pieces, and nothing
else decides who sees it:

- `CommissionerArea`, mixed into a Wagtail `ViewSet`, `ModelViewSet` or
  `SnippetViewSet` (`CommissionerViewSet` is the plain one): it names the
  area's rules permission (`permission`, one of the `rules.add_perm(...,
  is_commissioner)` lines in marketplace/accounts/rules.py), refuses everyone
  else on every URL the area registers, and shows its menu item only to those
  who have it, through `CommissionerMenuItem`.
- `CommissionersOnlyMixin` for a class-based view and `commissioners_only` for
  a function view: anyone else gets 403, asked before any object is looked
  up, so the answer never says whether a record exists.
- `CommissionerPermissionPolicy` for the models a `ModelViewSet` or
  `SnippetViewSet` lists: commissioners may do the actions the area allows,
  nobody else anything; "who may" is `User.objects.commissioners()`.
- `AdminActionView`: a form, one service call, the domain error back on the
  form, a Wagtail message and a redirect.

Superusers count as commissioners, as everywhere in the rules (`is_commissioner`
and `User.objects.commissioners()` both include them; Django's `has_perm` answers
yes for them too). They get no more than a commissioner: an area that allows
no deleting allows it to nobody.

Core is the lowest layer (decision 0022), so every app can use this; the user
model is named for types only and reached through `get_user_model()`.
"""

from collections.abc import Callable, Collection
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver
from django.views import View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from .errors import DomainError

if TYPE_CHECKING:  # accounts sits above core (decision 0022): the user is named for types only
    from marketplace.accounts.models import User


def is_commissioner_for(user: Any, permission: str) -> bool:
    """Whether `user` holds the area's rules permission (a commissioner, or a superuser)."""
    return bool(user.is_authenticated and user.has_perm(permission))


def commissioner_or_403(request: HttpRequest, permission: str) -> "User":
    """The signed-in commissioner making the request; PermissionDenied (403) for anyone else."""
    if not permission:
        raise ImproperlyConfigured("A commissioner-only view must name its rules permission")
    if not is_commissioner_for(request.user, permission):
        raise PermissionDenied
    return cast("User", request.user)


class CommissionersOnlyMixin:
    """For a class-based view: 403 for anyone without `commissioner_permission`, before anything else runs.

    The commissioner is then `self.commissioner`; `setup_after_permission_check`
    loads what the view is about from `self.kwargs` (so a 404 comes after the 403).
    """

    commissioner_permission: ClassVar[str] = ""
    commissioner: "User"
    kwargs: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.commissioner = commissioner_or_403(request, self.commissioner_permission)
        self.setup_after_permission_check()
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def setup_after_permission_check(self) -> None:
        """Load the objects the view is about (nothing by default)."""


FunctionView = Callable[..., HttpResponseBase]


def commissioners_only(permission: str) -> Callable[[FunctionView], FunctionView]:
    """For a function view: 403 for anyone without `permission`, before the view runs."""

    def decorator(view: FunctionView) -> FunctionView:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            commissioner_or_403(request, permission)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


class CommissionerPermissionPolicy(BasePermissionPolicy):
    """Commissioners (the rules `permission`) may do `actions` with the model; nobody else anything.

    `actions=None` allows every action. The Wagtail screens then ask the same
    rule as the rest of the site instead of Django's model permissions.
    """

    def __init__(self, model: type[Model], *, permission: str, actions: Collection[str] | None = None) -> None:
        super().__init__(model)
        self.permission = permission
        self.actions = None if actions is None else frozenset(actions)

    def allows(self, action: str) -> bool:
        return self.actions is None or action in self.actions

    def user_has_permission(self, user: Any, action: str) -> bool:
        return self.allows(action) and is_commissioner_for(user, self.permission)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions: Any) -> "QuerySet[User]":
        users = get_user_model()._default_manager
        if not any(self.allows(action) for action in actions):
            return cast("QuerySet[User]", users.none())
        return cast("QuerySet[User]", users.commissioners())


class CommissionerMenuItem(MenuItem):
    """A menu item shown only to those with the area's rules `permission`."""

    def __init__(self, *args: Any, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        return is_commissioner_for(request.user, self.permission)


def guard_urlpatterns(patterns: list[Any], permission: str) -> list[Any]:
    """The same URL patterns, each view refusing (403) anyone without `permission` before it runs."""
    guard = commissioners_only(permission)
    return [
        URLPattern(pattern.pattern, guard(pattern.callback), pattern.default_args, pattern.name)
        if isinstance(pattern, URLPattern)
        else URLResolver(
            pattern.pattern,
            guard_urlpatterns(pattern.url_patterns, permission),
            pattern.default_kwargs,
            pattern.app_name,
            pattern.namespace,
        )
        for pattern in patterns
    ]


class CommissionerArea:
    """Mix into a Wagtail viewset (first): the area is for commissioners only.

    Set `permission` to the area's rules permission. Then every URL the area
    registers refuses (403) anyone without it, before its view runs, so before
    any object is looked up (Wagtail's own edit views look theirs up first);
    and the area's menu item is shown only to those who have it. Views may
    still guard themselves (`CommissionersOnlyMixin`, `commissioners_only`),
    which also gives them `self.commissioner`; `tests/core/test_commissioner_admin.py`
    asks every URL of every area, as someone who is not a commissioner, for a 403.
    Set `menu_item_class` to a subclass of `CommissionerMenuItem` to change how
    the item is drawn (the provider changes show how many are waiting).
    """

    permission: ClassVar[str] = ""
    menu_item_class: type[CommissionerMenuItem] = CommissionerMenuItem

    # Provided by the Wagtail viewset this is mixed into.
    menu_label: str
    menu_url: str
    menu_name: str
    menu_icon: str
    get_menu_item_order: Callable[..., int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # An area that lists its own URLs has them guarded too, not only the viewset's defaults.
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("get_urlpatterns")
        if own is not None:
            cls.get_urlpatterns = _guarded(own)  # type: ignore[assignment,method-assign]

    def get_urlpatterns(self) -> list[Any]:
        return guard_urlpatterns(super().get_urlpatterns(), self.required_permission())  # type: ignore[misc]

    def required_permission(self) -> str:
        if not self.permission:
            raise ImproperlyConfigured(f"{type(self).__name__} must name its rules permission")
        return self.permission

    def get_menu_item(self, order: int | None = None) -> MenuItem:
        return self.menu_item_class(
            label=self.menu_label,
            url=self.menu_url,
            name=self.menu_name,
            icon_name=self.menu_icon,
            order=self.get_menu_item_order(order),
            permission=self.required_permission(),
        )


def _guarded(get_urlpatterns: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    @wraps(get_urlpatterns)
    def guarded(area: CommissionerArea) -> list[Any]:
        return guard_urlpatterns(get_urlpatterns(area), area.required_permission())

    return guarded


class CommissionerViewSet(CommissionerArea, ViewSet):
    """An admin area of our own views (not a model listing) that only commissioners reach."""


class AdminActionView(CommissionersOnlyMixin, View):
    """The one way to do something in the commissioners' admin.

    POST: bind `form_class`, and if it is valid call the service (`perform`). A
    `DomainError` the service raises goes onto the form (on its field, or at the
    top) and the page is shown again with what was typed (`render_form`, status
    400); otherwise the success message is sent as a Wagtail message and the
    browser goes to `get_success_url`. GET shows the page with an empty form,
    or goes to `get_success_url` for an action that has no page of its own.

    A subclass sets `commissioner_permission` and `form_class`, and writes
    `perform` (the service call) and `get_success_url`, and `render_form` when
    the form has a page; `setup_after_permission_check` loads the object the
    action is about.
    """

    form_class: type[forms.Form] = forms.Form
    success_message = ""
    # The field a domain error without a field of its own belongs to (None: the top of the form).
    domain_error_field: str | None = None
    http_method_names = ["get", "post"]

    def precondition_response(self) -> HttpResponse | None:
        """A response instead of the form when the action cannot be taken now (a finalised visit), or None."""
        return None

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_form(self, data: Any = None, files: Any = None) -> forms.Form:
        return self.form_class(data, files, **self.get_form_kwargs())

    def perform(self, form: forms.Form) -> Any:
        """Call the one service the action is for, with `form.cleaned_data` and `self.commissioner`."""
        raise NotImplementedError

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        return self.success_message

    def get_success_url(self, result: Any = None) -> str:
        raise NotImplementedError

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        """The page with the form on it; by default an action has none and GET goes on to the success URL."""
        return redirect(self.get_success_url())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.precondition_response() or self.render_form(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self.precondition_response()
        if refused is not None:
            return refused
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = self.perform(form)
            except DomainError as error:
                field = error.field or self.domain_error_field
                form.add_error(field if field in form.fields else None, error.message)
            else:
                message = self.get_success_message(result, form)
                if message:
                    messages.success(request, message)
                return redirect(self.get_success_url(result))
        return self.form_invalid(form)

    def form_invalid(self, form: forms.Form) -> HttpResponse:
        return self.render_form(form, status=400)
