"""Activities, tasks, e-mails and the agenda (spec 2.3.1 and 2.3.2). One module per part, so that each
can change without touching the others; everything is importable from `activities.models`."""

from activities.models.agenda import CalendarSettings, InvitationRecipient
from activities.models.core import Activity, ActivityContact, ActivityQuerySet, ActivityType
from activities.models.email import EmailAttachment, EmailMessage, EmailSettings, EmailTemplate
from activities.models.tasks import Task, TaskQuerySet

__all__ = [
    "Activity",
    "ActivityContact",
    "ActivityQuerySet",
    "ActivityType",
    "CalendarSettings",
    "EmailAttachment",
    "EmailMessage",
    "EmailSettings",
    "EmailTemplate",
    "InvitationRecipient",
    "Task",
    "TaskQuerySet",
]
