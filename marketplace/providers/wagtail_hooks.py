"""Providers and their taxonomies in the Wagtail admin, for editors and commissioners."""

from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as chooser_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from marketplace.core.commissioner_admin import CommissionerMenuItem, CommissionerViewSet

from . import hooks as provider_hooks
from .filters import ProviderAdminFilterSet, ProviderChooserFilterForm
from .models import ClientGroup, Language, Provider, ProviderChangeRequest, ServiceType, Specialism
from .services import provider_saved_in_admin
from .views import change_request_index, change_request_review, change_status


def providers_choosable_by(user: Any) -> Any:
    """Commissioners choose any provider; everyone else (editors) only published ones, so the chooser
    never shows them the names of drafts, suspended or withdrawn listings."""
    providers = Provider.objects.all()
    if user.has_perm("providers.change_listing_status"):
        return providers
    return providers.filter(status=Provider.Status.PUBLISHED)


class ProviderChooseMixin:
    """Search by name, postcode or email and filter by kind and status; each row says which provider it is."""

    request: HttpRequest
    filter_form_class = ProviderChooserFilterForm
    results_template_name = "providers/admin/chooser_results.html"
    ordering = ["name", "pk"]

    def get_object_list(self) -> Any:
        return providers_choosable_by(self.request.user).select_related("locality")

    @property
    def title_column(self) -> Column:
        column: Column = super().title_column  # type: ignore[misc]
        column.label = "Name"
        return column

    @property
    def columns(self) -> list[Column]:
        return [
            *super().columns,  # type: ignore[misc]
            Column("kind", label="Kind", accessor="get_kind_display"),
            Column("status", label="Status", accessor="get_status_display"),
            Column("locality", label="Area", accessor=lambda provider: provider.locality or "Not known"),
        ]


class ProviderChooseView(ProviderChooseMixin, chooser_views.ChooseView):
    pass


class ProviderChooseResultsView(ProviderChooseMixin, chooser_views.ChooseResultsView):
    pass


class ProviderChosenView(chooser_views.SnippetChosenView):
    def get_object(self, pk: Any) -> Any:
        provider = super().get_object(pk)  # a nonsense id is "does not exist" (marketplace.core.fields)
        if not providers_choosable_by(self.request.user).filter(pk=provider.pk).exists():
            raise Provider.DoesNotExist(pk)
        return provider


class ProviderChosenMultipleView(chooser_views.SnippetChosenMultipleView):
    def get_objects(self, pks: Any) -> Any:
        # super() first: it drops ids no column can hold (marketplace.core.fields), which would be a 500.
        return super().get_objects(pks).filter(pk__in=providers_choosable_by(self.request.user).values("pk"))


class ProviderChooserViewSet(chooser_views.SnippetChooserViewSet):
    choose_view_class = ProviderChooseView
    choose_results_view_class = ProviderChooseResultsView
    chosen_view_class = ProviderChosenView
    chosen_multiple_view_class = ProviderChosenMultipleView


def yes_or_no(value: bool) -> str:
    return "Yes" if value else "No"


class ProviderViewSet(SnippetViewSet):
    chooser_viewset_class = ProviderChooserViewSet
    model = Provider
    icon = "group"
    menu_label = "Providers"
    menu_order = 100
    add_to_admin_menu = True
    # Plain words for people, not field names: "Accredited: Yes", never "Is accredited: False".
    list_display = [
        "name",
        "kind",
        "status",
        "locality",
        Column("is_accredited", label="Accredited", accessor=lambda provider: yes_or_no(provider.is_accredited)),
        "updated_at",
    ]
    list_per_page = 50
    search_fields = ["name", "slug", "contact_email", "base_postcode"]
    search_backend_name = None  # plain database filtering: providers are not in Wagtail's index
    filterset_class = ProviderAdminFilterSet
    ordering = ["name"]
    list_export = [
        "name",
        "kind",
        "status",
        "locality",
        "base_postcode",
        "is_accredited",
        "cqc_rating",
    ]
    export_headings = {"is_accredited": "Accredited", "cqc_rating": "CQC rating", "base_postcode": "Postcode"}
    export_filename = "providers"

    def get_queryset(self, request: HttpRequest) -> Any:
        return Provider.objects.select_related("locality")

    def get_urlpatterns(self) -> list[Any]:
        return [
            *super().get_urlpatterns(),
            path("status/<int:pk>/", change_status, name="change_status"),
        ]


class TaxonomyViewSetMixin:
    icon = "tag"
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]
    search_backend_name = None
    ordering = ["sort_order", "name"]


class ServiceTypeViewSet(TaxonomyViewSetMixin, SnippetViewSet):
    model = ServiceType
    menu_label = "Services"


class ClientGroupViewSet(TaxonomyViewSetMixin, SnippetViewSet):
    model = ClientGroup
    menu_label = "Client groups"


class SpecialismViewSet(TaxonomyViewSetMixin, SnippetViewSet):
    model = Specialism
    menu_label = "Skills and specialisms"


class LanguageViewSet(TaxonomyViewSetMixin, SnippetViewSet):
    model = Language
    menu_label = "Languages"
    list_display = ["name", "code", "sort_order"]


TAXONOMY_MODELS = (ServiceType, ClientGroup, Specialism, Language)


class TaxonomyGroup(SnippetViewSetGroup):
    items = (ServiceTypeViewSet, ClientGroupViewSet, SpecialismViewSet, LanguageViewSet)
    menu_icon = "tag"
    menu_label = "Directory taxonomy"
    menu_name = "taxonomy"
    menu_order = 110


register_snippet(ProviderViewSet)
register_snippet(TaxonomyGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def refresh_provider_after_admin_save(request: HttpRequest, instance: Any) -> None:
    """An editor's change must reach search at once, like a provider's own."""
    if isinstance(instance, Provider):
        provider_saved_in_admin(provider=instance)
    elif isinstance(instance, TAXONOMY_MODELS):
        # A term's name or order shows in the filter panel and the facets of every search.
        provider_hooks.listings_changed()


@hooks.register("after_delete_snippet")
def new_listings_version_after_admin_delete(request: HttpRequest, instances: Any) -> None:
    """Deleting a listing or a term changes what searches answer."""
    if any(isinstance(instance, (Provider, *TAXONOMY_MODELS)) for instance in instances):
        provider_hooks.listings_changed()


@hooks.register("register_snippet_listing_buttons")
def provider_status_button(snippet: Any, user: Any, next_url: str | None = None) -> Any:
    if isinstance(snippet, Provider) and user.has_perm("providers.change_listing_status", snippet):
        yield Button(
            "Change status",
            reverse("wagtailsnippets_providers_provider:change_status", args=[snippet.pk]),
            icon_name="resubmit",
            priority=20,
        )


class ChangeRequestMenuItem(CommissionerMenuItem):
    """Shown to commissioners only, with how many requests are waiting."""

    def render_component(self, request: HttpRequest) -> Any:
        waiting = ProviderChangeRequest.objects.filter(status=ProviderChangeRequest.Status.PENDING).count()
        return LinkMenuItemComponent(
            self.name,
            f"{self.label} ({waiting} waiting)" if waiting else self.label,
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


class ChangeRequestViewSet(CommissionerViewSet):
    """Commissioners review the changes published providers asked for (under /admin/provider-changes/)."""

    name = "providers_change_requests"
    url_prefix = "provider-changes"
    permission = "providers.review_change_request"
    menu_item_class = ChangeRequestMenuItem
    icon = "edit"
    menu_label = "Provider changes"
    menu_order = 105
    add_to_admin_menu = True

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", change_request_index, name="index"),
            path("<int:pk>/", change_request_review, name="review"),
        ]


@hooks.register("register_admin_viewset")
def register_change_request_viewset() -> ChangeRequestViewSet:
    return ChangeRequestViewSet()


@hooks.register("insert_global_admin_js")
def name_admin_dialogs() -> str:
    """Give Wagtail's modal dialogs, the provider chooser's included, their heading as accessible name."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<script src="{}" defer></script>', static("providers/admin-dialog-names.js"))
