"""factory_boy factories shared by the whole suite."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.places.models import Locality, Place
from marketplace.providers.models import (
    ClientGroup,
    Language,
    Provider,
    ProviderMembership,
    ProviderPrice,
    ServiceType,
    Specialism,
)
from marketplace.providers.services import provider_refresh_search_fields


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True  # the hooks below save what they make themselves

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    # Hashed when built, so no second save after creation (factory_boy's deprecated path).
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def multi_factor(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Staff get an authenticator app (TEST_TOTP_SECRET), as the site requires of them.

        `UserFactory(multi_factor=True)` gives anyone one; `multi_factor=False` none.
        """
        if create and (extracted or (extracted is None and (self.is_staff or self.is_superuser))):
            give_authenticator_app(self)


class DirectPaymentHolderFactory(DjangoModelFactory):
    class Meta:
        model = DirectPaymentHolder

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name", locale="en_GB")


class LocalityFactory(DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Locality {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class PlaceFactory(DjangoModelFactory):
    class Meta:
        model = Place
        django_get_or_create = ("lookup_key",)

    kind = Place.Kind.TOWN
    name = factory.Sequence(lambda n: f"Town{n}")
    lookup_key = factory.LazyAttribute(lambda o: "".join(ch for ch in o.name.upper() if ch.isalnum()))
    latitude = 52.6
    longitude = -1.1
    locality = factory.SubFactory(LocalityFactory)


class ServiceTypeFactory(DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class ClientGroupFactory(DjangoModelFactory):
    class Meta:
        model = ClientGroup
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Client group {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class SpecialismFactory(DjangoModelFactory):
    class Meta:
        model = Specialism
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Specialism {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class LanguageFactory(DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Language {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class ProviderFactory(DjangoModelFactory):
    """A published personal assistant by default; pass services=[...] etc. for M2M."""

    class Meta:
        model = Provider
        skip_postgeneration_save = True

    kind = Provider.Kind.PERSONAL_ASSISTANT
    status = Provider.Status.PUBLISHED
    name = factory.Faker("name", locale="en_GB")
    slug = factory.Sequence(lambda n: f"provider-{n}")
    summary = "Friendly, reliable support at home."
    description = "I have supported older people and adults with disabilities for many years."
    contact_email = factory.Sequence(lambda n: f"provider{n}@example.org")
    has_consented_to_publish_contact = True
    base_postcode = "WE1 1AA"
    latitude = 52.6
    longitude = -1.1
    has_female_workers = True
    availability_confirmed_on = factory.LazyFunction(timezone.localdate)
    taking_new_clients_confirmed_on = factory.LazyFunction(timezone.localdate)
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def services(self, create: bool, extracted: list[ServiceType] | None, **kwargs: object) -> None:
        if create and extracted:
            self.services.set(extracted)

    @factory.post_generation
    def client_groups(self, create: bool, extracted: list[ClientGroup] | None, **kwargs: object) -> None:
        if create and extracted:
            self.client_groups.set(extracted)

    @factory.post_generation
    def languages(self, create: bool, extracted: list[Language] | None, **kwargs: object) -> None:
        if create and extracted:
            self.languages.set(extracted)

    @factory.post_generation
    def specialisms(self, create: bool, extracted: list[Specialism] | None, **kwargs: object) -> None:
        if create and extracted:
            self.specialisms.set(extracted)

    @factory.post_generation
    def refresh_search(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Derived search columns, as the providers service keeps them."""
        if create:
            self.save()
            provider_refresh_search_fields(provider_ids=[self.pk])
            self.refresh_from_db()


class ProviderPriceFactory(DjangoModelFactory):
    class Meta:
        model = ProviderPrice

    provider = factory.SubFactory(ProviderFactory)
    service = factory.SubFactory(ServiceTypeFactory)
    unit = ProviderPrice.Unit.HOUR
    amount = Decimal("17.50")

    @classmethod
    def _after_postgeneration(cls, instance: ProviderPrice, create: bool, results: object = None) -> None:
        super()._after_postgeneration(instance, create, results)
        if create:
            provider_refresh_search_fields(provider_ids=[instance.provider_id])


class ProviderMembershipFactory(DjangoModelFactory):
    class Meta:
        model = ProviderMembership

    provider = factory.SubFactory(ProviderFactory)
    user = factory.SubFactory(UserFactory)


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# --- Vetting and accreditation (marketplace.accreditation) ---------------------------


class WorkerFactory(DjangoModelFactory):
    class Meta:
        model = "accreditation.Worker"

    provider = factory.SubFactory(ProviderFactory, kind=Provider.Kind.MICRO_PROVIDER)
    full_name = factory.Faker("name", locale="en_GB")
    role = "Support worker"


def check_type_by_code(code: str):
    # Imported here: this module loads before the apps are ready.
    from marketplace.accreditation.models import CheckType

    return CheckType.objects.get(code=code)


class ProviderCheckFactory(DjangoModelFactory):
    """A check of one of the default types (by code); pass status, dates and details as needed."""

    class Meta:
        model = "accreditation.ProviderCheck"

    class Params:
        code = "public-liability-insurance"

    provider = factory.SubFactory(ProviderFactory)
    check_type = factory.LazyAttribute(lambda o: check_type_by_code(o.code))
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=335))


# An authenticator app's secret for test users; `totp_code(TEST_TOTP_SECRET)` is its current code.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_authenticator_app(user: User) -> User:
    """Set up two-factor authentication for `user` with TEST_TOTP_SECRET."""
    from marketplace.accounts.services import mfa_totp_activate

    mfa_totp_activate(user=user, secret=TEST_TOTP_SECRET)
    return user


class CommissionerFactory(UserFactory):
    """A member of the Commissioners group with an authenticator app, as the site requires."""

    @factory.post_generation
    def groups(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from django.contrib.auth.models import Group

            from marketplace.accounts.roles import COMMISSIONERS

            self.groups.add(Group.objects.get_or_create(name=COMMISSIONERS)[0])
            give_authenticator_app(self)


class EditorFactory(UserFactory):
    """A member of the Editors group with an authenticator app, as the site requires."""

    @factory.post_generation
    def groups(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from django.contrib.auth.models import Group

            from marketplace.accounts.roles import EDITORS

            self.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
            give_authenticator_app(self)


class ContingencyFlagFactory(DjangoModelFactory):
    """An open provider-failure flag at "watch", with its opening recorded as the services do."""

    class Meta:
        model = "contingency.ContingencyFlag"
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    level = "watch"
    duty = "general_eligible_needs"

    @factory.post_generation
    def opening(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from marketplace.contingency.models import FlagLevelChange, FlagTrigger

            FlagTrigger.objects.create(flag=self, source="manual", kind="intelligence", detail="Concern from a test")
            FlagLevelChange.objects.create(flag=self, from_level="", to_level=self.level, reason="Opened by a test")


class ArrangementFactory(DjangoModelFactory):
    """A council contract or list (monitoring), in force for the last two years, monitored yearly."""

    class Meta:
        model = "monitoring.Arrangement"
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Framework {n}")
    slug = factory.Sequence(lambda n: f"framework-{n}")
    kind = "framework"
    starts_on = factory.LazyFunction(lambda: days_ago(730))
    monitoring_frequency_months = 12


class ArrangementMembershipFactory(DjangoModelFactory):
    class Meta:
        model = "monitoring.ArrangementMembership"

    arrangement = factory.SubFactory(ArrangementFactory)
    provider = factory.SubFactory(ProviderFactory)
    start_on = factory.LazyFunction(lambda: days_ago(700))


class MonitoringVisitFactory(DjangoModelFactory):
    """A draft announced visit a month ago, every domain rated Good; finalise it through the services."""

    class Meta:
        model = "monitoring.MonitoringVisit"

    provider = factory.SubFactory(ProviderFactory)
    visit_type = "announced"
    visited_on = factory.LazyFunction(lambda: days_ago(30))
    officer = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("officer")
    assessment_and_care_planning = "good"
    experience_of_people_supported = "good"
    worker_knowledge = "good"
    staff_training_and_recruitment = "good"
    environment_equipment_and_safety = "good"
    leadership_and_management = "good"


class MonitoringFeedbackFactory(DjangoModelFactory):
    """Feedback from the public profile, waiting for moderation."""

    class Meta:
        model = "monitoring.Feedback"

    provider = factory.SubFactory(ProviderFactory)
    relationship = "uses_the_service"
    text = "The carers are kind and always on time."


# Agreements. A factory-made agreement is live: its first version is accepted by both sides and in force.
# Building agreements the way people do (propose, accept, change, end) is the agreements services' job.

AGREEMENT_START = datetime.date(2026, 1, 5)  # a Monday; pass start_on= for another
AGREEMENT_MOMENT = datetime.datetime(2026, 1, 2, 12, 0, tzinfo=datetime.UTC)


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = "agreements.Agreement"
        skip_postgeneration_save = True

    holder = factory.SubFactory(DirectPaymentHolderFactory)
    provider = factory.SubFactory(ProviderFactory, kind=Provider.Kind.PERSONAL_ASSISTANT)
    status = "live"
    created_by = factory.SelfAttribute("holder.user")
    created_at = AGREEMENT_MOMENT

    @factory.post_generation
    def version(self, create: bool, extracted: object, **kwargs: object) -> None:
        """The first version, accepted by both and in force; `version__rate_pence=1600` etc. change its terms."""
        if not create or self.status == "proposed":
            return
        version = AgreementVersionFactory(agreement=self, **kwargs)
        self.in_force = version
        self.save(update_fields=["in_force"])


class AgreementVersionFactory(DjangoModelFactory):
    """Ten hours a week at £15 an hour from AGREEMENT_START, self-employed, accepted by both sides."""

    class Meta:
        model = "agreements.AgreementVersion"
        skip_postgeneration_save = True

    agreement = factory.SubFactory(AgreementFactory, status="proposed")
    number = factory.LazyAttribute(lambda o: o.agreement.versions.count() + 1)
    availability_mask = 0b1111
    unit = "hour"
    units_per_week = Decimal("10.00")
    rate_pence = 1500
    topup_pence = 0
    start_on = AGREEMENT_START
    notice_weeks = 4
    employment = "self_employed"
    proposed_by = factory.SelfAttribute("agreement.holder.user")
    proposed_by_side = "holder"
    proposed_at = AGREEMENT_MOMENT
    holder_accepted_at = AGREEMENT_MOMENT
    holder_accepted_by = factory.SelfAttribute("agreement.holder.user")
    provider_accepted_at = AGREEMENT_MOMENT
    provider_accepted_by = None

    @factory.post_generation
    def services(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.services.set(extracted)  # type: ignore[attr-defined]


class TimesheetEntryFactory(DjangoModelFactory):
    """Four hours delivered on the agreement's first day, at the in-force rate, waiting for approval."""

    class Meta:
        model = "agreements.TimesheetEntry"

    agreement = factory.SubFactory(AgreementFactory)
    version = factory.LazyAttribute(lambda o: o.agreement.in_force)
    worked_on = factory.LazyAttribute(lambda o: o.version.start_on)
    quantity = Decimal("4.00")
    rate_pence = factory.LazyAttribute(lambda o: o.version.rate_pence)
    amount_pence = factory.LazyAttribute(lambda o: int(o.quantity * o.rate_pence))
    own_money_pence = factory.LazyAttribute(lambda o: int(o.quantity * o.version.topup_pence))
    status = "submitted"
    submitted_at = AGREEMENT_MOMENT
    decide_by = factory.LazyAttribute(lambda o: o.worked_on + datetime.timedelta(days=7))


class InvoiceFactory(DjangoModelFactory):
    """An invoice for a week of the agreement, issued on `issued_on` (pass it), due a fortnight later.

    Pass `total_pence` and `own_money_pence`; the council's part is the rest.
    """

    class Meta:
        model = "agreements.Invoice"

    class Params:
        issued_on = factory.LazyFunction(lambda: AGREEMENT_MOMENT.date())
        issued_hour = 10

    number = factory.Sequence(lambda n: f"TEST-{n:05d}")
    agreement = factory.SubFactory(AgreementFactory)
    holder = factory.LazyAttribute(lambda o: o.agreement.holder)
    provider = factory.LazyAttribute(lambda o: o.agreement.provider)
    total_pence = 10_000
    own_money_pence = 0
    council_pence = factory.LazyAttribute(lambda o: o.total_pence - o.own_money_pence)
    period_start = factory.LazyAttribute(lambda o: o.issued_on - datetime.timedelta(days=7))
    period_end = factory.LazyAttribute(lambda o: o.issued_on - datetime.timedelta(days=1))
    issued_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(datetime.datetime.combine(o.issued_on, datetime.time(o.issued_hour)))
    )
    due_on = factory.LazyAttribute(lambda o: o.issued_on + datetime.timedelta(days=14))
