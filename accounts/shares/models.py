"""The share tables of accounts: django-guardian direct foreign-key object permissions, one row per
account and grantee (decision 0003). Contacts inherit their account's shares."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantManager
from governance.models import TeamRecordShare, UserRecordShare


class AccountUserShare(UserRecordShare):
    content_object = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="user_shares", verbose_name=_("account")
    )

    objects: ClassVar[TenantManager[Any]] = TenantManager()  # type: ignore[assignment]
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account shared with a user")
        verbose_name_plural = _("accounts shared with users")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "content_object", "user"], name="accounts_usershare_unique"
            )
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="accounts_usershare_user_idx")]


class AccountTeamShare(TeamRecordShare):
    content_object = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="team_shares", verbose_name=_("account")
    )

    objects: ClassVar[TenantManager[Any]] = TenantManager()  # type: ignore[assignment]
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account shared with a team")
        verbose_name_plural = _("accounts shared with teams")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "content_object", "team"], name="accounts_teamshare_unique"
            )
        ]
        indexes = [models.Index(fields=["tenant", "team"], name="accounts_teamshare_team_idx")]
