"""Kernel writes: tenants, users, memberships, API keys. Each is atomic and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import ApiKey, Membership, Tenant, User
from crm.roles import Role
from crm.tenancy import tenant_scope
from crm.trees import would_make_a_loop


@transaction.atomic
def tenant_create(
    *,
    name: str,
    slug: str,
    admin_email: str,
    admin_password: str | None = None,
    admin_full_name: str = "",
    country: str = Tenant.Country.FRANCE,
    currency: str = Tenant.Currency.EUR,
    language: str = Tenant.Language.FRENCH,
    time_zone: str = "Europe/Paris",
) -> tuple[Tenant, Membership]:
    """Create a tenant with its first administrator (an existing user joins, a new one is created)."""
    tenant = Tenant(
        name=name, slug=slug, country=country, currency=currency, language=language, time_zone=time_zone
    )
    tenant.full_clean()
    tenant.save()
    user = user_get_or_create(email=admin_email, password=admin_password, full_name=admin_full_name)
    with tenant_scope(tenant):
        membership = membership_create(tenant=tenant, user=user, role=Role.TENANT_ADMIN, actor=None)
    return tenant, membership


@transaction.atomic
def user_get_or_create(*, email: str, password: str | None = None, full_name: str = "") -> User:
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    user = User(email=email, full_name=full_name)
    if password:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def membership_create(
    *, tenant: Tenant, user: User, role: str, actor: User | None, manager: Membership | None = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if Membership.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This person is already a member of this tenant.")})
    membership = Membership(tenant=tenant, user=user, role=role, manager=manager)
    membership._history_user = actor  # type: ignore[attr-defined]
    membership.full_clean(exclude=["tenant"])
    membership.save()
    return membership


def membership_check_manager(*, membership: Membership, manager: Membership | None) -> None:
    """Refuse a manager who reports, directly or not, to this person (a loop in the chain)."""
    if would_make_a_loop(membership, manager, "manager"):
        raise ValidationError({"manager": _("This manager reports to this person: that would make a loop.")})


def membership_check_new(*, email: str) -> None:
    if Membership.objects.filter(user__email__iexact=email.strip()).exists():
        raise ValidationError({"email": _("This person is already a member of this tenant.")})


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: User | None,
    role: str | None = None,
    manager: Membership | None = None,
    clear_manager: bool = False,
    is_active: bool | None = None,
) -> Membership:
    """Change role, manager or active flag. A manager chain never loops back on itself."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role is not None:
        if role not in Role.values:
            raise ValidationError({"role": _("Unknown role.")})
        membership.role = role
    if clear_manager:
        membership.manager = None
    elif manager is not None:
        membership_check_manager(membership=membership, manager=manager)
        membership.manager = manager
    if is_active is not None:
        membership.is_active = is_active
    membership._history_user = actor  # type: ignore[attr-defined]
    membership.full_clean(exclude=["tenant", "user"])
    membership.save()
    return membership


@transaction.atomic
def api_key_create(
    *, tenant: Tenant, name: str, role: str, actor: User | None, integration: str = ""
) -> tuple[ApiKey, str]:
    """Create an API key; the full key is returned once and never stored. `integration` names the
    system it belongs to, which may write the fields synchronised from it."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    public_id, secret, full_key = ApiKey.generate(tenant)
    key = ApiKey(
        tenant=tenant,
        name=name,
        role=role,
        integration=integration.strip(),
        public_id=public_id,
        secret_hash=ApiKey.hash_secret(secret),
        created_by=actor,
    )
    key._history_user = actor  # type: ignore[attr-defined]
    key.full_clean(exclude=["tenant", "created_by"])
    key.save()
    return key, full_key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User | None) -> ApiKey:
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key._history_user = actor  # type: ignore[attr-defined]
        key.save(update_fields=["revoked_at"])
    return key
