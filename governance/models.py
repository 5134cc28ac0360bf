"""Governance: teams and their manager chain, and the security audit log."""

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager
from guardian.models import (
    BaseObjectPermission,
    GroupObjectPermissionAbstract,
    UserObjectPermissionAbstract,
    UserObjectPermissionBase,
)
from simple_history.models import HistoricalRecords

from crm.models import CurrentTenantId, Membership, Tenant, TenantOwnedModel
from crm.tenancy import current_tenant


class Team(TenantOwnedModel):
    """A sales, marketing or support team. Its manager sees what its members and sub-teams own."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent team"),
    )
    manager = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        verbose_name=_("manager"),
    )
    members = models.ManyToManyField(
        Membership, through="TeamMember", related_name="teams", verbose_name=_("members")
    )

    history = HistoricalRecords(excluded_fields=["members"])

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="governance_team_tenant_name_unique")
        ]
        indexes = [models.Index(fields=["tenant", "parent"], name="governance_team_parent_idx")]

    def __str__(self) -> str:
        return self.name


class TeamMember(TenantOwnedModel):
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="team_memberships", verbose_name=_("member")
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "team", "membership"], name="governance_teammember_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.membership}"


class SecurityEvent(models.Model):
    """Login successes and failures, lockouts, logouts, password resets. Platform-wide: a failed login
    belongs to no tenant yet. Tenant admins see the events of their own members only."""

    class Kind(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", _("Login succeeded")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        LOGOUT = "logout", _("Logout")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_CHANGED = "password_changed", _("Password changed")

    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    email = models.CharField(_("email given"), max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="governance_secevent_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.email}"


# django-guardian's generic object permissions, carrying the tenant (and so row-level security).
# Record-specific share tables (one per object, direct foreign keys) come with the sharing model.
class _TenantObjectPermissionManagerMixin:
    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(tenant_id=CurrentTenantId())  # type: ignore[misc]


class TenantUserObjectPermissionManager(_TenantObjectPermissionManagerMixin, UserObjectPermissionManager):
    pass


class TenantGroupObjectPermissionManager(_TenantObjectPermissionManagerMixin, GroupObjectPermissionManager):
    pass


class TenantUserObjectPermission(UserObjectPermissionAbstract):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", editable=False)

    objects = TenantUserObjectPermissionManager()  # type: ignore[misc]

    class Meta(UserObjectPermissionAbstract.Meta):
        abstract = False
        verbose_name = _("user object permission")
        verbose_name_plural = _("user object permissions")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.tenant_id is None:
            self.tenant = current_tenant()
        super().save(*args, **kwargs)


class TenantGroupObjectPermission(GroupObjectPermissionAbstract):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", editable=False)

    objects = TenantGroupObjectPermissionManager()  # type: ignore[misc]

    class Meta(GroupObjectPermissionAbstract.Meta):
        abstract = False
        verbose_name = _("group object permission")
        verbose_name_plural = _("group object permissions")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.tenant_id is None:
            self.tenant = current_tenant()
        super().save(*args, **kwargs)


class Territory(TenantOwnedModel):
    """A sales territory in a tree (e.g. France > Nord > Hauts-de-France). Members see the accounts of
    their territories and of every territory below them."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent territory"),
    )
    members = models.ManyToManyField(
        Membership, through="TerritoryMember", related_name="territories", verbose_name=_("members")
    )

    history = HistoricalRecords(excluded_fields=["members"])

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="governance_territory_tenant_name_unique")
        ]
        indexes = [models.Index(fields=["tenant", "parent"], name="gov_territory_parent_idx")]

    def __str__(self) -> str:
        return self.name


class TerritoryMember(TenantOwnedModel):
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("territory")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="territory_assignments", verbose_name=_("member")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("territory member")
        verbose_name_plural = _("territory members")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "territory", "membership"], name="governance_territorymember_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.territory} · {self.membership}"


class FieldPolicy(TenantOwnedModel):
    """A tenant's own allow-list for one sensitive field: which roles may read it, which may change it.
    Without a row, the defaults registered by the field's app apply (governance.field_policies)."""

    model_label = models.CharField(_("record type"), max_length=100)
    field_name = models.CharField(_("field"), max_length=100)
    read_roles = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("may read")
    )
    edit_roles = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("may change")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("field policy")
        verbose_name_plural = _("field policies")
        ordering = ["model_label", "field_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "model_label", "field_name"], name="governance_fieldpolicy_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_label}.{self.field_name}"


class FieldRule(TenantOwnedModel):
    """A tenant's rule for one configurable field: required, optional, computed by the system, or
    synchronised from another system (read-only except for that integration's API keys). Without a
    row, the default registered by the field's app applies (governance.field_rules)."""

    class Rule(models.TextChoices):
        REQUIRED = "required", _("Required")
        OPTIONAL = "optional", _("Optional")
        COMPUTED = "computed", _("Computed (read-only)")
        SYNCHRONISED = "synchronised", _("Synchronised from another system (read-only)")

    model_label = models.CharField(_("record type"), max_length=100)
    field_name = models.CharField(_("field"), max_length=100)
    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices)
    # Matched against ApiKey.integration: every key of that integration may write the field, so a
    # rotated key keeps the right without touching the rules (docs/decisions/0004-field-rules.md).
    integration = models.SlugField(
        _("integration"),
        max_length=60,
        blank=True,
        help_text=_("For a synchronised field: the integration whose API keys may change it."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("field rule")
        verbose_name_plural = _("field rules")
        ordering = ["model_label", "field_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "model_label", "field_name"], name="governance_fieldrule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_label}.{self.field_name}: {self.get_rule_display()}"


class SensitiveFieldRead(TenantOwnedModel):
    """The access log of sensitive fields: who saw which field of which record, and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    model_label = models.CharField(_("record type"), max_length=100)
    object_id = models.BigIntegerField(_("record"))
    field_name = models.CharField(_("field"), max_length=100)
    read_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("sensitive field read")
        verbose_name_plural = _("sensitive field reads")
        ordering = ["-read_at"]
        indexes = [
            models.Index(fields=["tenant", "model_label", "object_id"], name="gov_sensitive_read_object_idx"),
            models.Index(fields=["tenant", "user", "-read_at"], name="gov_sensitive_read_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.model_label}.{self.field_name} #{self.object_id}"


class Access(models.TextChoices):
    PRIVATE = "private", _("Private")
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class SharingDefault(TenantOwnedModel):
    """The organisation-wide default of one kind of record: private (owner, chain and territories),
    readable by every member whose role may read it, or readable and writable."""

    model_label = models.CharField(_("record type"), max_length=100)
    access = models.CharField(_("access"), max_length=16, choices=Access.choices, default=Access.PRIVATE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation-wide default")
        verbose_name_plural = _("organisation-wide defaults")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "model_label"], name="governance_sharingdefault_unique")
        ]

    def __str__(self) -> str:
        return f"{self.model_label}: {self.get_access_display()}"


class SharingRule(TenantOwnedModel):
    """Records of one kind owned by the members of one team are shared with another team."""

    model_label = models.CharField(_("record type"), max_length=100)
    source_team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="+", verbose_name=_("records owned by team")
    )
    target_team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="+", verbose_name=_("shared with team")
    )
    access = models.CharField(
        _("access"),
        max_length=16,
        choices=[(Access.READ, Access.READ.label), (Access.READ_WRITE, Access.READ_WRITE.label)],
        default=Access.READ,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sharing rule")
        verbose_name_plural = _("sharing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "model_label", "source_team", "target_team"],
                name="governance_sharingrule_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_team=models.F("target_team")),
                name="governance_sharingrule_two_teams",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_label}: {self.source_team} → {self.target_team} ({self.get_access_display()})"


class ShareCause(models.TextChoices):
    """Why a share row exists. Manual shares first; later causes (e.g. an opportunity team) extend it."""

    MANUAL = "manual", _("Manual share")


class ShareLevel(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


# guardian's permission codename prefix per level: a share row is an object permission.
SHARE_LEVEL_ACTIONS = {ShareLevel.READ: "view", ShareLevel.READ_WRITE: "change"}


class RecordShare(TenantOwnedModel, BaseObjectPermission):
    """One record shared with one grantee (decision 0003): django-guardian's direct foreign-key object
    permission (`permission` is `view_<model>` for read, `change_<model>` for read-write), carrying the
    tenant (and so row-level security), the cause, who granted it and when, and a note.

    Concrete tables live in the record's app and add `content_object` (a foreign key to the record), a
    tenant-first unique constraint and `history`; they are registered with `governance.sharing`."""

    # guardian's own backend must not discover these tables: it would grant the permission whatever the
    # role (layer 1) and ignore team shares. Visibility and edit checks read them in governance.sharing.
    enabled = False

    cause = models.CharField(_("cause"), max_length=16, choices=ShareCause.choices, default=ShareCause.MANUAL)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def level(self) -> str:
        codename = self.permission.codename
        return ShareLevel.READ_WRITE if codename.startswith("change_") else ShareLevel.READ

    def get_level_display(self) -> str:
        return str(ShareLevel(self.level).label)

    @property
    def grantee(self) -> Any:
        raise NotImplementedError

    def __str__(self) -> str:
        return f"{self.content_object} · {self.grantee} ({self.get_level_display()})"  # type: ignore[attr-defined]


class UserRecordShare(RecordShare, UserObjectPermissionBase):  # type: ignore[misc]
    """A record shared with one user (a member of the record's tenant)."""

    class Meta:
        abstract = True

    @property
    def grantee(self) -> Any:
        return self.user


class TeamRecordShare(RecordShare):
    """A record shared with one of our teams (governance.Team, not an auth group): every member of the
    team, and its manager, get the level. guardian's group tables point at auth groups, so this sibling
    follows the same pattern with a Team foreign key."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", verbose_name=_("team"))

    class Meta:
        abstract = True

    @property
    def grantee(self) -> Any:
        return self.team
