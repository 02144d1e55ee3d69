"""Wagtail pages and site settings for the public site."""

from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from marketplace.providers.models import Provider, ProviderPrice

from .blocks import AdviceStreamBlock, EasyReadStreamBlock


class AdviceStage(models.TextChoices):
    """The three stages of the council's information and advice."""

    CHOOSING = "choosing", "Choosing a personal budget type"
    SETTING_UP = "setting_up", "Setting up a direct payment"
    MANAGING = "managing", "Managing your direct payment"


class HomePage(Page):
    """The front page: the search box first, then advice in three stages."""

    heading = models.CharField(max_length=120, default="Find care and support")
    intro = models.CharField(
        max_length=300,
        default="Search for personal assistants, small local providers and day services "
        "you can pay for with your direct payment.",
    )
    advice_intro = RichTextField(blank=True, features=["bold", "link"])

    content_panels = [
        *Page.content_panels,
        FieldPanel("heading"),
        FieldPanel("intro"),
        FieldPanel("advice_intro"),
    ]
    subpage_types = ["cms.AdvicePage", "cms.DirectoryPage", "cms.StatementPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        advice = AdvicePage.objects.live().public().descendant_of(self).order_by("path")
        context["advice_stages"] = [
            (stage, [page for page in advice if page.stage == stage.value]) for stage in AdviceStage
        ]
        context["directory_page"] = DirectoryPage.objects.live().first()
        return context


class AdvicePage(RoutablePageMixin, Page):
    """Information and advice, with an optional easy read version at easy-read/."""

    stage = models.CharField(max_length=16, choices=AdviceStage.choices)
    summary = models.CharField(max_length=300)
    body = StreamField(AdviceStreamBlock())
    easy_read_body = StreamField(
        EasyReadStreamBlock(), blank=True, help_text="Leave empty if there is no easy read version"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("stage"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("easy_read_body", heading="Easy read version"),
    ]
    parent_page_types = ["cms.HomePage", "cms.AdvicePage"]
    subpage_types = ["cms.AdvicePage"]

    @property
    def has_easy_read(self) -> bool:
        return bool(self.easy_read_body)

    @path("")
    def standard(self, request: HttpRequest) -> HttpResponse:
        return self.render(request)

    @path("easy-read/")
    def easy_read(self, request: HttpRequest) -> HttpResponse:
        if not self.has_easy_read:
            raise Http404("This page has no easy read version")
        return self.render(request, template="cms/advice_page_easy_read.html")


class DirectoryPage(RoutablePageMixin, Page):
    """The directory: search results at its own URL and profiles at <slug>/."""

    intro = models.CharField(max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    @path("")
    def results(self, request: HttpRequest) -> HttpResponse:
        from .directory import rendered_results, results_page

        context = self.get_context(request)
        # The search and its results as everyone sees them (cached by the listings version, decision 0048);
        # this visitor's shortlist buttons and CSRF tokens are put in, and the page around (decision 0053).
        context["directory"] = rendered_results(request, self)
        return results_page(request, self, context)

    # Before the profile route, which would otherwise take "accredited" for a provider's slug.
    @path("accredited/")
    def accredited_list(self, request: HttpRequest) -> HttpResponse:
        from .directory import accredited_list_context

        context = self.get_context(request)
        context.update(accredited_list_context(request))
        return TemplateResponse(request, "cms/accredited_list.html", context)

    @re_path(r"^(?P<slug>[-a-z0-9]{1,220})/$")
    def profile(self, request: HttpRequest, slug: str) -> HttpResponse:
        from .directory import profile_context

        provider = get_object_or_404(Provider.objects.select_related("locality"), slug=slug)
        if not request.user.has_perm("providers.view_listing", provider):
            raise Http404("No provider matches that address")
        context = self.get_context(request)
        context.update(profile_context(request, provider))
        return TemplateResponse(request, "cms/provider_profile.html", context)


class StatementKind(models.TextChoices):
    """The pages a UK council must publish about the site itself, each linked from the footer."""

    ACCESSIBILITY = "accessibility", "Accessibility statement"
    PRIVACY = "privacy", "Privacy notice"
    COOKIES = "cookies", "Cookies"


class StatementPage(Page):
    """The accessibility statement, the privacy notice or the cookies page.

    Editors keep the words; the facts the site itself knows are drawn in by
    the template so they cannot go stale: the council's name and contacts and
    its data protection officer (council settings) and the cookies the code
    sets (cms.cookies).
    """

    kind = models.CharField(max_length=16, choices=StatementKind.choices, unique=True)
    summary = models.CharField(max_length=300, help_text="One sentence under the title")
    body = StreamField(AdviceStreamBlock())
    last_reviewed = models.DateField(help_text="When the council last checked these words were true")

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("last_reviewed"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .cookies import site_cookies

        context = super().get_context(request, *args, **kwargs)
        if self.kind == StatementKind.COOKIES:
            context["cookies"] = site_cookies()
        return context


@register_setting(icon="site")
class CouncilSettings(BaseSiteSetting, ClusterableModel):
    """The council's name, look and the managed-service rates people compare with."""

    council_name = models.CharField(max_length=120, default="Wendleshire County Council")
    service_name = models.CharField(max_length=120, default="Find care and support")
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    brand_colour = models.CharField(
        max_length=7, default="#1d70b8", help_text="Header colour as a hex code, like #1d70b8"
    )
    contact_phone = models.CharField(max_length=32, blank=True)
    contact_email = models.EmailField(blank=True)
    data_protection_officer_email = models.EmailField(
        blank=True, help_text="Shown on the privacy notice as the way to reach the council's data protection officer"
    )
    data_protection_officer_address = models.TextField(blank=True, help_text="Postal address, one line each")

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("council_name"),
                FieldPanel("service_name"),
                FieldPanel("logo"),
                FieldPanel("brand_colour"),
            ],
            heading="Council",
        ),
        MultiFieldPanel([FieldPanel("contact_phone"), FieldPanel("contact_email")], heading="Contact"),
        MultiFieldPanel(
            [FieldPanel("data_protection_officer_email"), FieldPanel("data_protection_officer_address")],
            heading="Data protection officer",
        ),
        InlinePanel("managed_service_rates", heading="Managed-service rates", label="Rate"),
    ]

    class Meta:
        verbose_name = "council settings"

    def rate_for(self, service_id: int, unit: str) -> "ManagedServiceRate | None":
        for rate in self.managed_service_rates.all():
            if rate.service_id == service_id and rate.unit == unit:
                return rate
        return None


class ManagedServiceRate(Orderable):
    """What the council pays for a service it arranges itself (a managed service)."""

    settings = ParentalKey(CouncilSettings, on_delete=models.CASCADE, related_name="managed_service_rates")
    service = models.ForeignKey("providers.ServiceType", on_delete=models.CASCADE, related_name="+")
    unit = models.CharField(max_length=16, choices=ProviderPrice.Unit.choices, default=ProviderPrice.Unit.HOUR)
    amount = models.DecimalField(max_digits=8, decimal_places=2)

    panels = [FieldPanel("service"), FieldPanel("unit"), FieldPanel("amount")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["settings", "service", "unit"], name="unique_managed_rate")]

    def __str__(self) -> str:
        return f"{self.service}: £{self.amount} {self.get_unit_display()}"
