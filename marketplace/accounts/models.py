"""People who sign in, the roles they hold and who acts for whom."""

import uuid
from datetime import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

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

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="direct_payment_holder", null=True, blank=True
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=200)
    locality = models.ForeignKey("places.Locality", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    has_prepaid_card = models.BooleanField("has a direct payment card", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class ActingFor(models.Model):
    """A person who acts for a direct payment holder, and in what capacity."""

    class Relationship(models.TextChoices):
        FAMILY_MEMBER = "family_member", "Family member"
        AUTHORISED_PERSON = "authorised_person", "Authorised person"
        NOMINATED_PERSON = "nominated_person", "Nominated person"
        MONEY_MANAGER = "money_manager", "Third-party money manager"
        CARE_NAVIGATOR = "care_navigator", "Care navigator or broker"

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="acting_for")
    holder = models.ForeignKey(DirectPaymentHolder, on_delete=models.CASCADE, related_name="agents")
    relationship = models.CharField(max_length=32, choices=Relationship.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "holder", "relationship"], name="unique_acting_for_relationship")
        ]

    def __str__(self) -> str:
        return f"{self.agent} acts for {self.holder} ({self.get_relationship_display()})"


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
