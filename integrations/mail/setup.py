"""Called once from IntegrationsConfig.ready(): the dropbox mailbox part's registrations (its Celery
tasks live in integrations/tasks.py, which Celery discovers by itself)."""

from __future__ import annotations


def ready() -> None:
    from django.utils.translation import gettext_lazy as _

    from crm import navigation

    # Only the company administrator changes integrations: the page is theirs.
    navigation.register(
        navigation.NavigationEntry(
            "integrations:mailbox_status",
            _("Inbound e-mail"),
            permission="integrations.change_mailbox",
            order=95,
        )
    )
