"""Providers and their taxonomies in the Wagtail admin, for editors and commissioners."""

from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .filters import ProviderAdminFilterSet
from .models import ClientGroup, Language, Provider, ServiceType, Specialism
from .services import provider_saved_in_admin
from .views import change_status


class ProviderViewSet(SnippetViewSet):
    model = Provider
    icon = "group"
    menu_label = "Providers"
    menu_order = 100
    add_to_admin_menu = True
    list_display = ["name", "kind", "status", "locality", "is_accredited", "updated_at"]
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


@hooks.register("register_snippet_listing_buttons")
def provider_status_button(snippet: Any, user: Any, next_url: str | None = None) -> Any:
    if isinstance(snippet, Provider) and user.has_perm("providers.change_listing_status", snippet):
        yield Button(
            "Change status",
            reverse("wagtailsnippets_providers_provider:change_status", args=[snippet.pk]),
            icon_name="resubmit",
            priority=20,
        )
