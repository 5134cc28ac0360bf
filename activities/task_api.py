"""REST API for tasks (/api/v1/tasks/: list with filters, create, read, update, delete) and for the
notifications of the key's creator (/api/v1/notifications/: list, mark read). Same services and
visibility rules as the pages: a key acts with its role; it sees every task when its role reads the
whole company, none otherwise; it writes when its role changes every activity."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import RoleAllows, api_actor, expected_version, visible
from accounts.models import Account, Contact
from activities.models import Task
from activities.services import tasks as services
from crm import notifications
from crm.api.errors import Conflict
from crm.models import ApiKey, Membership, Notification, User
from governance.permissions import Reach, role_reach
from leads.models import Lead
from opportunities.models import Opportunity

RELATED_MODELS = {"account": Account, "contact": Contact, "lead": Lead, "opportunity": Opportunity}


class TasksRoleAllows(RoleAllows):
    app_label = "activities"

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method == "DELETE":
            key = request.auth
            return isinstance(key, ApiKey) and role_reach(key.role, self.app_label, "delete") is Reach.ALL
        return super().has_permission(request, view)


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.IntegerField(source="assignee_id", required=False)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    account = serializers.IntegerField(source="account_id", required=False, allow_null=True)
    contact = serializers.IntegerField(source="contact_id", required=False, allow_null=True)
    lead = serializers.IntegerField(source="lead_id", required=False, allow_null=True)
    opportunity = serializers.IntegerField(source="opportunity_id", required=False, allow_null=True)
    remind_minutes_before = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=60 * 24 * 31
    )

    class Meta:
        model = Task
        fields = [
            "id", "kind", "title", "description", "due_at", "priority", "status", "assignee", "created_by",
            "account", "contact", "lead", "opportunity", "remind_minutes_before", "remind_at", "reminded_at",
            "completed_at", "created_at", "updated_at", "version",
        ]  # fmt: skip
        read_only_fields = [
            "id", "remind_at", "reminded_at", "completed_at", "created_at", "updated_at", "version",
        ]  # fmt: skip


def _assignee(pk: int | None, request: Request) -> User:
    key: ApiKey = request.auth  # type: ignore[assignment]
    user_id = pk or key.created_by_id
    membership = (
        Membership.objects.filter(user_id=user_id, is_active=True).select_related("user").first()
        if user_id
        else None
    )
    if membership is None:
        raise ValidationError(
            {"assignee": _("Give the assignee: the user id of an active member of this company.")}
        )
    return membership.user


def _task_data(validated: dict[str, Any], request: Request, *, creating: bool) -> dict[str, Any]:
    data = dict(validated)
    if "assignee_id" in data or creating:
        data["assignee"] = _assignee(data.pop("assignee_id", None), request)
    for name, model in RELATED_MODELS.items():
        if f"{name}_id" in data:
            pk = data.pop(f"{name}_id")
            found = visible(model.objects.all(), request).filter(pk=pk).first() if pk is not None else None
            if pk is not None and found is None:
                raise ValidationError({name: _("No such record in this company.")})
            data[name] = found
    return data


def _tasks(request: Request) -> QuerySet[Task]:
    rows = visible(Task.objects.all(), request)
    params = request.query_params
    if params.get("status") in Task.Status.values:
        rows = rows.filter(status=params["status"])
    for name in ("assignee", *RELATED_MODELS):
        value = params.get(name, "")
        if value.isdigit():
            rows = rows.filter(**{f"{name}_id": int(value)})
    for name, lookup in (("due_after", "due_at__gte"), ("due_before", "due_at__lt")):
        given = params.get(name)
        if given:
            moment = parse_datetime(given)
            if moment is None:
                raise ValidationError({name: _("Give a date and time (ISO 8601).")})
            rows = rows.filter(**{lookup: moment})
    return rows


FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=Task.Status.values),
    OpenApiParameter("assignee", OpenApiTypes.INT),
    OpenApiParameter("account", OpenApiTypes.INT),
    OpenApiParameter("contact", OpenApiTypes.INT),
    OpenApiParameter("lead", OpenApiTypes.INT),
    OpenApiParameter("opportunity", OpenApiTypes.INT),
    OpenApiParameter("due_after", OpenApiTypes.DATETIME),
    OpenApiParameter("due_before", OpenApiTypes.DATETIME),
]


@extend_schema_view(
    get=extend_schema(operation_id="tasks_list", parameters=FILTERS),
    post=extend_schema(operation_id="tasks_create"),
)
class TaskListApi(generics.ListCreateAPIView):
    serializer_class = TaskSerializer
    permission_classes = [TasksRoleAllows]

    def get_queryset(self) -> QuerySet[Task]:
        return _tasks(self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor, _reason = api_actor(request)
        data = _task_data(serializer.validated_data, request, creating=True)
        data.pop("status", None)
        task = services.task_create(actor=actor, **data)
        return Response(TaskSerializer(task).data, status=201)


@extend_schema_view(
    get=extend_schema(operation_id="tasks_read"),
    patch=extend_schema(operation_id="tasks_update"),
    delete=extend_schema(operation_id="tasks_delete"),
)
class TaskDetailApi(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = TaskSerializer
    permission_classes = [TasksRoleAllows]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Task]:
        return visible(Task.objects.all(), self.request)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(task, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        actor, _reason = api_actor(request)
        data = _task_data(serializer.validated_data, request, creating=False)
        status = data.pop("status", None)
        if version != task.version:
            raise Conflict(_("Someone else changed this task since you read it. Read it again."))
        try:
            if data:
                task = services.task_update(task=task, actor=actor, expected_version=version, **data)
            if status == Task.Status.DONE:
                task = services.task_complete(task=task, actor=actor)
            elif status == Task.Status.OPEN:
                task = services.task_reopen(task=task, actor=actor)
            elif status == Task.Status.CANCELLED:
                task = services.task_cancel(task=task, actor=actor)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise Conflict(error.messages[0]) from None
            raise
        return Response(TaskSerializer(task).data)

    def perform_destroy(self, instance: Task) -> None:
        actor, _reason = api_actor(self.request)
        services.task_delete(task=instance, actor=actor)


# --- Notifications of the key's creator ---------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


def _notifications(request: Request) -> QuerySet[Notification]:
    key: ApiKey = request.auth  # type: ignore[assignment]
    if not isinstance(key, ApiKey) or key.created_by_id is None:
        return Notification.objects.none()
    rows = Notification.objects.filter(user_id=key.created_by_id, in_app=True)
    if request.query_params.get("unread") in ("1", "true"):
        rows = rows.filter(read_at__isnull=True)
    return rows


@extend_schema_view(
    get=extend_schema(
        operation_id="notifications_list",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only the unread ones.")],
    )
)
class NotificationListApi(generics.ListAPIView):
    """The notifications of the person who created the key (the integration acts for them)."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return _notifications(self.request)


class NotificationReadApi(APIView):
    serializer_class = NotificationSerializer

    @extend_schema(operation_id="notifications_mark_read", request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = _notifications(request).filter(pk=pk).first()
        if notification is None:
            raise NotFound
        notifications.mark_read(user=notification.user, pk=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    @extend_schema(
        operation_id="notifications_mark_all_read",
        request=None,
        responses=inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        key: ApiKey = request.auth  # type: ignore[assignment]
        if key.created_by is None:
            return Response({"marked": 0})
        return Response({"marked": notifications.mark_read(user=key.created_by)})
