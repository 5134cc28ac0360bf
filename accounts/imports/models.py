"""An import job: the uploaded file, its column mapping, its progress and every rejected row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.imports import registry
from crm.models import TenantOwnedModel


def kind_label(key: str) -> str:
    """The registered kind's label; the key itself for a kind no app registers any more."""
    return str(registry.get(key).label) if registry.is_known(key) else key


class ImportJob(TenantOwnedModel):
    class Kind(models.TextChoices):
        # This app's own kinds. The kinds are a registry (accounts.imports.registry) other apps add to
        # (leads registers "lead"): the column takes any registered key, checked by the services.
        ACCOUNTS = "accounts", _("Accounts")
        CONTACTS = "contacts", _("Contacts")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATED = "validated", _("Checked")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        # The pages say what is matched on, for each kind (`services.mode_choices`).
        CREATE = "create", _("Create new records only")
        UPDATE = "update", _("Update existing records only")
        CREATE_OR_UPDATE = "create_or_update", _("Create or update")

    kind = models.CharField(_("kind"), max_length=16, default=Kind.ACCOUNTS)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    # The raw bytes, not a file on disk: no shared volume between web and workers, and the file goes
    # away with the job.
    content = models.BinaryField(_("file content"))
    filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)  # "csv" or "xlsx"
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    delimiter = models.CharField(_("separator"), max_length=1, blank=True)
    headers = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)  # column index (as text) -> field name
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.CREATE)
    key_field = models.CharField(_("matching key"), max_length=32, default="siret")
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    rejects = models.JSONField(_("rejected rows"), default=list)  # [{"row", "reason", "values"}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Beaten by each batch: a running job whose heartbeat stops had its worker die (see supervision.py).
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    # The language of the person who uploaded the file: the worker writes the reasons in it.
    language = models.CharField(_("language"), max_length=8, default="fr")

    class Meta:
        app_label = "accounts"
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="accounts_import_created_idx")]

    def __str__(self) -> str:
        return self.filename

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def import_kind(self) -> registry.ImportKind:
        return registry.get(self.kind)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class ImportMapping(TenantOwnedModel):
    """A column mapping saved for reuse, per kind: the next file of that kind with the same column
    names (compared as `parsing.header_key` writes them) starts from it instead of the suggestion."""

    kind = models.CharField(_("kind"), max_length=16)
    signature = models.CharField(_("columns signature"), max_length=64)
    headers = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    mode = models.CharField(_("mode"), max_length=16, choices=ImportJob.Mode.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    updated_at = models.DateTimeField(_("saved at"), auto_now=True)

    class Meta:
        app_label = "accounts"
        verbose_name = _("saved import mapping")
        verbose_name_plural = _("saved import mappings")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "signature"], name="accounts_importmap_unique")
        ]

    def __str__(self) -> str:
        return f"{kind_label(self.kind)}: {', '.join(self.headers)}"
