"""Task and notification API routes (/api/v1/...)."""

from django.urls import path

from activities.task_api import (
    NotificationListApi,
    NotificationReadAllApi,
    NotificationReadApi,
    TaskDetailApi,
    TaskListApi,
)

app_name = "tasks-api"

urlpatterns = [
    path("tasks/", TaskListApi.as_view(), name="task-list"),
    path("tasks/<int:pk>/", TaskDetailApi.as_view(), name="task-detail"),
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all/", NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", NotificationReadApi.as_view(), name="notification-read"),
]
