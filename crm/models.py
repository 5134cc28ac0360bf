"""Kernel models: Tenant, User, Membership, API keys, and the abstract base of tenant-owned models."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.roles import Role
from crm.tenancy import current_tenant, current_tenant_or_none

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class Tenant(models.Model):
    """A customer company of the CRM. Its rows are isolated from every other tenant's."""

    class Country(models.TextChoices):
        # ISO 3166-1 alpha-2; the European markets we serve first.
        FRANCE = "FR", _("France")
        BELGIUM = "BE", _("Belgium")
        SWITZERLAND = "CH", _("Switzerland")
        LUXEMBOURG = "LU", _("Luxembourg")
        GERMANY = "DE", _("Germany")
        SPAIN = "ES", _("Spain")
        ITALY = "IT", _("Italy")
        NETHERLANDS = "NL", _("Netherlands")
        UNITED_KINGDOM = "GB", _("United Kingdom")

    class Currency(models.TextChoices):
        EUR = "EUR", _("Euro")
        CHF = "CHF", _("Swiss franc")
        GBP = "GBP", _("Pound sterling")

    class Language(models.TextChoices):
        FRENCH = "fr", _("French")
        ENGLISH = "en", _("English")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=63,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", _("Lower-case letters, digits, dashes."))
        ],
        help_text=_("Used in every address of the tenant: /t/<slug>/."),
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.FRANCE)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FRENCH
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Paris"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The tenant's home page. Tenant pages are mounted under this prefix (see TenantMiddleware)."""
        return f"/t/{self.slug}/"


class UserManager(DjangoUserManager["User"]):
    use_in_migrations = True

    def _create_user_object(
        self, username: Any, email: str | None, password: str | None, **extra: Any
    ) -> User:
        # Django's UserManager expects a username; ours is the email.
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra)
        user.password = ""
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self._create_user_object(email, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, by email. Their link to a tenant is a Membership."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Tenant.Language.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Platform staff only; tenant admins administer through their membership role, not this flag.
    is_staff = models.BooleanField(_("platform staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="crm_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    # Permissions come from the role of the membership in the current tenant only: unlike Django's
    # default, the superuser flag opens nothing by itself (it would cross tenants).
    def has_perm(self, perm: str, obj: Any = None) -> bool:
        from django.contrib.auth.models import _user_has_perm  # type: ignore[attr-defined]

        return self.is_active and bool(_user_has_perm(self, perm, obj))

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        from django.contrib.auth.models import _user_has_module_perms  # type: ignore[attr-defined]

        return self.is_active and bool(_user_has_module_perms(self, app_label))

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class CurrentTenantId(models.Expression):
    """The active tenant's id, read when the SQL is compiled: a queryset built at import time (a form's
    choices, a module constant) is fine, but running it outside a tenant scope raises."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[int]]:
        return "%s", (current_tenant().pk,)


class TenantManager[M: models.Model](models.Manager[M]):
    """Filters by the active tenant and raises when there is none: queries fail closed."""

    def get_queryset(self) -> models.QuerySet[M]:
        return super().get_queryset().filter(tenant_id=CurrentTenantId())

    def unscoped(self) -> models.QuerySet[M]:
        """Every tenant's rows. Escape hatch for the kernel, ops commands and platform jobs only.

        PostgreSQL row-level security still applies: outside a tenant scope the application role sees
        nothing, so this is useful only on the owner connection (`.using("owner")`) or within a scope.
        """
        return super().get_queryset()


class TenantOwnedModel(models.Model):
    """Base of every tenant-owned model. `crm.rls` finds its subclasses and locks their tables."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant"), editable=False
    )

    objects: ClassVar[TenantManager[Any]] = TenantManager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args: Any, **kwargs: Any) -> None:
        active = current_tenant_or_none()
        if self.tenant_id is None and active is not None:
            self.tenant = active
        elif active is not None and self.tenant_id != active.pk:
            raise ValidationError(_("This record belongs to another tenant."))
        super().save(*args, **kwargs)


class MembershipManager(TenantManager["Membership"]):
    def for_user(self, user: User) -> models.QuerySet[Membership]:
        """The user's active memberships in active tenants (readable inside `identity_scope`)."""
        return (
            self.unscoped()
            .filter(user=user, is_active=True, tenant__is_active=True)
            .select_related("tenant")
            .order_by("tenant__name")
        )


class Membership(TenantOwnedModel):
    """A user's place in one tenant: role, manager, active flag."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("manager"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects: ClassVar[MembershipManager] = MembershipManager()  # type: ignore[assignment]
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="crm_membership_tenant_user_unique"),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("id")), name="crm_membership_not_own_manager"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "manager"], name="crm_membership_manager_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.manager_id and self.tenant_id and self.manager and self.manager.tenant_id != self.tenant_id:
            raise ValidationError({"manager": _("The manager must belong to the same tenant.")})


class ApiKey(TenantOwnedModel):
    """A per-tenant API key bound to one role. Only a hash of the secret is stored."""

    PREFIX = "crm"

    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # The system this key belongs to (an ERP, a marketing tool): fields a tenant marks as synchronised
    # from it are read-only for everyone else, writable through its keys (governance.field_rules).
    integration = models.SlugField(
        _("integration"),
        max_length=60,
        blank=True,
        help_text=_(
            "The system this key belongs to, e.g. “erp”: it may write the fields synchronised from it."
        ),
    )
    public_id = models.CharField(_("key id"), max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"], name="crm_apikey_tenant_public_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}.{self.tenant_id}.{self.public_id}.…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_secret(secret: str) -> str:
        # The secret has 256 bits of entropy: a fast hash is enough and keeps every request cheap.
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def generate(cls, tenant: Tenant) -> tuple[str, str, str]:
        """Return (public_id, secret, the full key shown once: `crm.<tenant id>.<key id>.<secret>`).

        The tenant id in the key lets the API enter the tenant scope before it reads the key table,
        which row-level security hides from everyone outside that scope.
        """
        public_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        return public_id, secret, f"{cls.PREFIX}.{tenant.pk}.{public_id}.{secret}"


class JobRun(TenantOwnedModel):
    """Keys of tenant jobs already done, so that a task delivered twice does its work once."""

    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="crm_jobrun_tenant_key_unique")]

    def __str__(self) -> str:
        return self.key


class SavedView(TenantOwnedModel):
    """A named set of filters and sort of one list page ("accounts.account"), kept as a query string.

    Rules (who may share, what a default is, how the query is re-checked) live in `crm.saved_views`.
    A view stores filters, never rows: whoever opens it sees only the records they may see.
    """

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner"))
    list_key = models.CharField(_("list"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    is_shared = models.BooleanField(_("shared with everyone"), default=False)
    is_default = models.BooleanField(_("my default view"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "tenant", "owner", "list_key", Lower("name"), name="crm_savedview_name_unique"
            ),
            # At most one default per person and list.
            models.UniqueConstraint(
                fields=["tenant", "owner", "list_key"],
                condition=models.Q(is_default=True),
                name="crm_savedview_one_default",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "list_key", "owner"], name="crm_savedview_list_idx")]

    def __str__(self) -> str:
        return self.name


class Notification(TenantOwnedModel):
    """One thing to tell one member: shown in the notification centre (unread until read) and/or
    e-mailed by the delivery sweep, as the member chose for the event (NotificationPreference).
    `key` makes delivery idempotent: the same event for the same person is stored once."""

    class EmailState(models.TextChoices):
        NONE = "none", _("Not by e-mail")
        PENDING = "pending", _("To send")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    event = models.CharField(_("event"), max_length=60)
    key = models.CharField(max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    in_app = models.BooleanField(_("in the app"), default=True)
    email_state = models.CharField(max_length=8, choices=EmailState.choices, default=EmailState.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "key"],
                condition=~models.Q(key=""),
                name="crm_notification_key_unique",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "user", "-created_at"], name="crm_notification_user_idx"),
            models.Index(
                fields=["tenant", "user"],
                condition=models.Q(read_at__isnull=True, in_app=True),
                name="crm_notification_unread_idx",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_state="pending"),
                name="crm_notification_mail_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(TenantOwnedModel):
    """How a member wants to hear of one kind of event (crm.notifications lists the events)."""

    class Channel(models.TextChoices):
        APP = "app", _("In the app")
        EMAIL = "email", _("By e-mail")
        BOTH = "both", _("In the app and by e-mail")
        NONE = "none", _("Not at all")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    event = models.CharField(_("event"), max_length=60)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "event"], name="crm_notificationpref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.channel}"
