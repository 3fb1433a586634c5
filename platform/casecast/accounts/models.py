"""People who use Casecast.

One user model serves everyone. Researchers and site administrators sign in with
email and password; participants have no usable password and sign in through a
personal link (`accounts.links`). What a user may do in a study comes from
`studies.StudyMembership` (study staff) or `studies.Participant`; the site
administrator (`is_site_admin`) runs the installation and is not study staff.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        user = self.model(email=email.strip().lower() if email else None, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **extra: Any) -> User:
        extra.update(is_site_admin=True, is_superuser=True)
        return self.create_user(email=email, password=password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(
        unique=True,
        null=True,
        blank=True,
        help_text="Sign-in address for staff; optional for participants (reminders, lost links).",
    )
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_site_admin = models.BooleanField(
        default=False,
        help_text="Runs the installation (Django admin, allocation lists). Not study staff.",
    )
    date_joined = models.DateTimeField(auto_now_add=True)
    link_key = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text="Random key signed into the personal link. Replacing it supersedes every "
        "link issued before; blank means no link works (revoked, withdrawn or staff).",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            # Addresses are stored lower-cased (see save) so uniqueness is case-blind.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")) | models.Q(email__isnull=True),
                name="user_email_lowercase",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower() if self.email else None
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.email or f"user {self.pk}"

    @property
    def is_staff(self) -> bool:
        """Django admin access is for site administrators only."""
        return self.is_site_admin

    @property
    def is_participant(self) -> bool:
        return self.is_authenticated and self.participations.exists()

    @property
    def is_practice_only(self) -> bool:
        """Invited to practise only (practice mode), not to take part in a study."""
        return (
            self.is_authenticated
            and not self.participations.exists()
            and self.practice_access.filter(revoked_at__isnull=True).exists()
        )

    @property
    def is_study_staff(self) -> bool:
        return self.is_authenticated and self.memberships.exists()
