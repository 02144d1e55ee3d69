from django.urls import re_path

from . import views

app_name = "openreferral"

# ORUK paths have no trailing slash; one is tolerated so links written either way work.
urlpatterns = [
    re_path(r"^$", views.api_metadata, name="metadata"),
    re_path(r"^openapi\.json$", views.openapi_document, name="openapi"),
    re_path(r"^docs/?$", views.documentation, name="docs"),
    re_path(r"^schema/(?P<name>[a-z_]+\.json)$", views.schema, name="schema"),
    re_path(r"^services/?$", views.service_list, name="service-list"),
    re_path(r"^services/(?P<id>[^/]+)/?$", views.service_detail, name="service-detail"),
    re_path(r"^service_at_locations/?$", views.service_at_location_list, name="service-at-location-list"),
    re_path(
        r"^service_at_locations/(?P<id>[^/]+)/?$", views.service_at_location_detail, name="service-at-location-detail"
    ),
    re_path(r"^taxonomies/?$", views.taxonomy_list, name="taxonomy-list"),
    re_path(r"^taxonomies/(?P<id>[^/]+)/?$", views.taxonomy_detail, name="taxonomy-detail"),
    re_path(r"^taxonomy_terms/?$", views.taxonomy_term_list, name="taxonomy-term-list"),
    re_path(r"^taxonomy_terms/(?P<id>[^/]+)/?$", views.taxonomy_term_detail, name="taxonomy-term-detail"),
    # Anything else under /openreferral/, newlines included, is a JSON 404 rather than a site page.
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found, name="not-found"),
]
