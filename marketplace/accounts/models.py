"""People who sign in, the roles they hold and who acts for whom."""

import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


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
