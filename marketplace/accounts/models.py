"""People who sign in, the roles they hold and who acts for whom."""

import uuid
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone

from .roles import COMMISSIONERS


class UserQuerySet(models.QuerySet["User"]):
    def commissioners(self) -> "UserQuerySet":
        """Every active user the permission rules treat as a commissioner (`is_commissioner` in rules.py):
        members of the Commissioners group and superusers. The one answer to "all commissioners", for
        choosers and for who is emailed; a deactivated account is never one."""
        return (
            self.filter(is_active=True)
            .filter(models.Q(is_superuser=True) | models.Q(groups__name=COMMISSIONERS))
            .distinct()
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def commissioners(self) -> UserQuerySet:
        return self.get_queryset().commissioners()

    def _create_user(self, email: str, password: str | None, **extra_fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: object) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: object) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their email address.

    Commissioners and editors are members of the groups named in `roles.py`;
    provider users are linked through `providers.ProviderMembership`; direct
    payment holders have a `DirectPaymentHolder` record, and people acting for
    them an `ActingFor` link.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class DirectPaymentHolder(models.Model):
    """Someone who receives a personal budget as a direct payment."""

    class PrimaryNeed(models.TextChoices):
        """The need a personal budget mainly meets; values are the client groups' slugs in the directory."""

        OLDER_PEOPLE = "older-people", "Older people"
        LEARNING_DISABILITY = "learning-disability", "Learning disability"
        PHYSICAL_DISABILITY = "physical-disability", "Physical disability"
        MENTAL_HEALTH = "mental-health", "Mental health"

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="direct_payment_holder", null=True, blank=True
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=200)
    locality = models.ForeignKey("places.Locality", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    has_prepaid_card = models.BooleanField("has a direct payment card", default=True)
    # Health information (special category data): seen only by the holder, those acting for them and commissioners.
    primary_need = models.CharField(max_length=40, choices=PrimaryNeed.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class ActingFor(models.Model):
    """A person who acts for a direct payment holder, in what capacity, and with which rights.

    The relationship has a legal meaning (an authorised person manages a direct
    payment for someone who lacks capacity; a nominated person for someone who
    has it). The rights are what this person may do on the holder's behalf; a
    link is live until `ended_on`. Everything done on someone's behalf records
    both the person who did it and the holder it was done for.
    """

    class Relationship(models.TextChoices):
        FAMILY_MEMBER = "family_member", "Family member or friend"
        AUTHORISED_PERSON = "authorised_person", "Authorised person"
        NOMINATED_PERSON = "nominated_person", "Nominated person"
        MONEY_MANAGER = "money_manager", "Third-party money manager"
        CARE_NAVIGATOR = "care_navigator", "Care navigator or broker"
        ADVOCATE = "advocate", "Advocate"

    class Right(models.TextChoices):
        SEE = "see", "See their support"
        MESSAGE = "message", "Message providers for them"
        POST_ADVERTS = "post_adverts", "Post adverts for them"
        AGREE_SUPPORT = "agree_support", "Agree support for them"
        SEE_MONEY = "see_money", "See and manage their money"

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="acting_for")
    holder = models.ForeignKey(DirectPaymentHolder, on_delete=models.CASCADE, related_name="agents")
    relationship = models.CharField(max_length=32, choices=Relationship.choices)
    may_message = models.BooleanField("may message providers", default=False)
    may_post_adverts = models.BooleanField("may post adverts", default=False)
    may_agree_support = models.BooleanField("may agree support", default=False)
    may_see_money = models.BooleanField("may see and manage money", default=False)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "holder", "relationship"], name="unique_acting_for_relationship")
        ]

    def __str__(self) -> str:
        return f"{self.agent} acts for {self.holder} ({self.get_relationship_display()})"

    @property
    def is_live(self) -> bool:
        return self.ended_on is None

    def has_right(self, right: str) -> bool:
        """Whether this link gives `right` (an `ActingFor.Right`); seeing is part of every link."""
        if right == self.Right.SEE:
            return True
        return bool(getattr(self, RIGHT_FIELDS[self.Right(right)]))


# The field that holds each right other than seeing, which every link gives.
RIGHT_FIELDS: dict[str, str] = {
    ActingFor.Right.MESSAGE: "may_message",
    ActingFor.Right.POST_ADVERTS: "may_post_adverts",
    ActingFor.Right.AGREE_SUPPORT: "may_agree_support",
    ActingFor.Right.SEE_MONEY: "may_see_money",
}

# The rights each relationship starts with; the holder (or a commissioner) can change them.
DEFAULT_RIGHTS: dict[str, frozenset[str]] = {
    ActingFor.Relationship.FAMILY_MEMBER: frozenset({ActingFor.Right.MESSAGE, ActingFor.Right.POST_ADVERTS}),
    ActingFor.Relationship.AUTHORISED_PERSON: frozenset(RIGHT_FIELDS),
    ActingFor.Relationship.NOMINATED_PERSON: frozenset(RIGHT_FIELDS),
    ActingFor.Relationship.MONEY_MANAGER: frozenset({ActingFor.Right.SEE_MONEY}),
    ActingFor.Relationship.CARE_NAVIGATOR: frozenset(
        {ActingFor.Right.MESSAGE, ActingFor.Right.POST_ADVERTS, ActingFor.Right.AGREE_SUPPORT}
    ),
    ActingFor.Relationship.ADVOCATE: frozenset({ActingFor.Right.MESSAGE}),
}


def right_fields(rights: frozenset[str] | set[str]) -> dict[str, bool]:
    """The `may_*` field values for a set of rights, as keyword arguments for an `ActingFor`."""
    return {field: right in rights for right, field in RIGHT_FIELDS.items()}


INVITATION_LIFETIME_DAYS = 14


class ProviderInvitationQuerySet(models.QuerySet["ProviderInvitation"]):
    def pending(self, *, now: datetime | None = None) -> "ProviderInvitationQuerySet":
        """Neither accepted nor revoked, and not yet expired."""
        moment = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=moment)


class ProviderInvitation(models.Model):
    """An invitation to join a provider's team, sent by email with a one-time link.

    Only a SHA-256 hash of the link's token is stored: someone who reads the
    database cannot use a pending invitation. Accepting, revoking and expiry
    are recorded on the row (each once); team changes go to `TeamChange`.
    """

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("email address")
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ProviderInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["provider", "email"], name="invitation_provider_email")]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.provider} ({self.get_role_display()})"

    def is_expired(self, *, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def state(self) -> str:
        """accepted, revoked, expired or pending."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired():
            return "expired"
        return "pending"


class TeamChange(models.Model):
    """One change to a provider's team: who did what to whom, and when. Appended, never edited."""

    class Action(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
        JOINED = "joined", "Joined"
        REMOVED = "removed", "Removed"

    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="team_changes")
    action = models.CharField(max_length=32, choices=Action.choices)
    email = models.EmailField("email address of the person concerned")
    role = models.CharField(max_length=16, choices=ProviderInvitation.Role.choices)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invitation = models.ForeignKey(
        ProviderInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.email} at {self.provider}"


class ActingForInvitation(models.Model):
    """An invitation to act for a direct payment holder, sent by email with a one-time link.

    Made by the holder (or, for an authorised person appointed for someone who
    lacks capacity, by a commissioner). Like a team invitation: only the
    SHA-256 of the link's token is kept, it lasts `INVITATION_LIFETIME_DAYS`,
    is used once and only by someone who has verified the invited address.
    The rights are those the link will give when accepted.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(DirectPaymentHolder, on_delete=models.CASCADE, related_name="agent_invitations")
    email = models.EmailField("email address")
    relationship = models.CharField(max_length=32, choices=ActingFor.Relationship.choices)
    may_message = models.BooleanField("may message providers", default=False)
    may_post_adverts = models.BooleanField("may post adverts", default=False)
    may_agree_support = models.BooleanField("may agree support", default=False)
    may_see_money = models.BooleanField("may see and manage money", default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["holder", "email"], name="acting_invitation_holder_email")]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to act for {self.holder} ({self.get_relationship_display()})"

    def is_expired(self, *, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def state(self, *, now: datetime | None = None) -> str:
        """accepted, revoked, expired or pending."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired(now=now):
            return "expired"
        return "pending"

    def rights(self) -> list[str]:
        """The labels of the rights accepting would give, seeing first."""
        return [ActingFor.Right.SEE.label] + [
            ActingFor.Right(right).label for right, field in RIGHT_FIELDS.items() if getattr(self, field)
        ]


class ActingForChange(models.Model):
    """One change to who acts for a holder: invited, accepted, rights changed, ended. Appended, never edited.

    `rights` is the set of `may_*` fields that were true after the change, so
    the history reads without joining anything that may change later.
    """

    class Action(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITATION_CANCELLED = "invitation_cancelled", "Invitation cancelled"
        STARTED = "started", "Started acting for them"
        RIGHTS_CHANGED = "rights_changed", "Rights changed"
        ENDED = "ended", "Stopped acting for them"

    holder = models.ForeignKey(DirectPaymentHolder, on_delete=models.CASCADE, related_name="agent_changes")
    action = models.CharField(max_length=32, choices=Action.choices)
    email = models.EmailField("email address of the person concerned")
    relationship = models.CharField(max_length=32, choices=ActingFor.Relationship.choices)
    rights = models.JSONField(default=list)
    link = models.ForeignKey(ActingFor, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    invitation = models.ForeignKey(
        ActingForInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.email} for {self.holder}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Changes to who acts for someone are a record: they are never edited")
        super().save(*args, **kwargs)
