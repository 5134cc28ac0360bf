"""Called once from ActivitiesConfig.ready(): the inbound e-mail part's registrations."""

from __future__ import annotations


def ready() -> None:
    from django.utils.translation import gettext_lazy as _

    from crm import navigation

    navigation.register(
        navigation.NavigationEntry(
            "email_review:review_list",
            _("E-mails to review"),
            permission="activities.view_emailmessage",
            order=75,
        )
    )
