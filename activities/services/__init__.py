"""Writes on activities, tasks, e-mails and the agenda."""

from activities.services.records import (
    ActivityInput,
    activity_create,
    activity_delete,
    activity_types_ensure,
    activity_update,
)

__all__ = ["ActivityInput", "activity_create", "activity_delete", "activity_types_ensure", "activity_update"]
