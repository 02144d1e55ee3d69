from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.health import healthz

handler500 = "marketplace.core.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("openreferral/", include("marketplace.openreferral.urls")),
    path("search/", include("search.urls")),
    path("accounts/", include("marketplace.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("provider/", include("marketplace.providers.urls")),
    path("vetting/", include("marketplace.accreditation.urls")),
    path("monitoring/", include("marketplace.monitoring.urls")),
    path("", include("marketplace.engagement.urls")),
    path("support-wanted/", include("marketplace.adverts.urls")),
    path("your-support/money/", include("marketplace.budgets.urls")),
    path("saved-searches/", include("marketplace.alerts.urls")),
    path("", include("marketplace.reviews.urls")),
    path("", include("marketplace.backups.urls")),
    path("", include("marketplace.agreements.urls")),
    path("payments/", include("marketplace.payments.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
