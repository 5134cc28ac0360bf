"""REST API for activities and activity types: the same visibility and services as the pages.

A key has a role but no person: it sees the activities of every record when its role reads the whole
company (governance.visibility.role_predicate), never a private one unless its creator would (their own
or below them). Ids of another company or of records the key cannot see: 404 in the path, 400 in a body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import RoleAllows, api_actor, expected_version, owner_for, visible
from accounts.models import Account, Contact
from activities.models import Activity, ActivityContact, ActivityType
from activities.services import ActivityInput, activity_create, activity_delete, activity_update
from crm.api.errors import Conflict
from crm.history import set_history_user
from crm.models import ApiKey, Membership
from crm.roles import Role
from crm.tenancy import current_tenant
from governance.permissions import Reach, role_reach
from governance.visibility import owned_by_me_or_below, role_predicate
from leads.models import Lead
from opportunities.models import Opportunity


class ActivitiesRoleAllows(RoleAllows):
    """View for reading; add, change, delete only when the key's role reaches every activity."""

    app_label = "activities"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        if request.method not in SAFE_METHODS and role_predicate(key.role) is None:
            return False  # a key that sees no record would write activities it cannot read back
        if request.method == "DELETE":
            return role_reach(key.role, "activities", "delete") is Reach.ALL
        return super().has_permission(request, view)


class ActivityTypeAllows(RoleAllows):
    """Every key that reads activities lists the types; only a company administrator's key adds one."""

    app_label = "activities"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if request.method == "POST":
            return isinstance(key, ApiKey) and key.role == Role.TENANT_ADMIN
        return super().has_permission(request, view)


class ContactIdsField(serializers.ListField):
    """The ids of the activity's contacts (read from its prefetched links)."""

    def get_attribute(self, instance: Activity) -> list[int]:
        return sorted(link.contact_id for link in instance.contact_links.all())


class ActivitySerializer(serializers.ModelSerializer):
    type = serializers.IntegerField(source="type_id")  # type: ignore[assignment]
    type_code = serializers.CharField(source="type.code", read_only=True)
    owner = serializers.IntegerField(source="owner_id", required=False, allow_null=True)
    account = serializers.IntegerField(source="account_id", required=False, allow_null=True)
    lead = serializers.IntegerField(source="lead_id", required=False, allow_null=True)
    opportunity = serializers.IntegerField(source="opportunity_id", required=False, allow_null=True)
    contacts = ContactIdsField(child=serializers.IntegerField(), required=False)
    # Choices that may be empty: plain strings in the schema (an enum would refuse "").
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=20)
    channel = serializers.CharField(required=False, allow_blank=True, max_length=16)

    class Meta:
        model = Activity
        fields = [
            "id", "type", "type_code", "subject", "description", "outcome", "channel", "status", "starts_at",
            "duration_minutes", "ends_at", "all_day", "location", "owner", "account", "lead", "opportunity",
            "contacts", "is_private", "created_at", "updated_at", "version",
        ]  # fmt: skip
        read_only_fields = ["id", "type_code", "ends_at", "created_at", "updated_at", "version"]

    def validate_outcome(self, value: str) -> str:
        if value not in Activity.Outcome.values:
            raise serializers.ValidationError(_("Not a known outcome."))
        return value

    def validate_channel(self, value: str) -> str:
        if value and value not in Activity.Channel.values:
            raise serializers.ValidationError(_("Not a known channel."))
        return value


class ActivityTypeSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = ActivityType
        fields = ["id", "code", "name", "label", "kind", "icon", "position", "is_active"]
        read_only_fields = ["id", "label"]

    def get_label(self, obj: ActivityType) -> str:
        return str(obj.label)

    def validate_code(self, value: str) -> str:
        if ActivityType.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("Another activity type already has this code."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not str(attrs.get("name") or "").strip():
            raise serializers.ValidationError({"name": _("Give your own type a name.")})
        return attrs


def _creator_membership(request: Request) -> Membership | None:
    key: ApiKey = request.auth  # type: ignore[assignment]
    if key.created_by_id is None:
        return None
    return Membership.objects.filter(user_id=key.created_by_id, is_active=True).first()


def activities_for(request: Request) -> QuerySet[Activity]:
    queryset = visible(Activity.objects.all(), request)
    creator = _creator_membership(request)
    private = owned_by_me_or_below(creator) if creator is not None else Q(pk__in=[])
    return (
        queryset.filter(Q(is_private=False) | private)
        .select_related("type")
        .prefetch_related("contact_links")
    )


def _visible_record(request: Request, model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = visible(model.objects.all(), request).filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No such record in this company.")})
    return found


def _inputs(request: Request, validated: dict[str, Any]) -> dict[str, Any]:
    """Model instances for the ids given (each one a record the key sees, else 400)."""
    data = dict(validated)
    if "type_id" in data:
        found = ActivityType.objects.filter(pk=data.pop("type_id")).first()
        if found is None:
            raise ValidationError({"type": _("No such activity type in this company.")})
        data["type"] = found
    for name, model in (("account", Account), ("lead", Lead), ("opportunity", Opportunity)):
        if f"{name}_id" in data:
            data[name] = _visible_record(request, model, data.pop(f"{name}_id"), name)
    if "contacts" in data:
        ids = set(data["contacts"])
        found_contacts = list(visible(Contact.objects.all(), request).filter(pk__in=ids))
        if len(found_contacts) != len(ids):
            raise ValidationError({"contacts": _("No such record in this company.")})
        data["contacts"] = found_contacts
    if "owner_id" in data:
        data["owner"] = owner_for(request, data.pop("owner_id"))
    return data


def _date_filter(value: str, name: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValidationError({name: _("Give a date and time in ISO 8601, e.g. 2026-03-31T14:00:00+02:00.")})
    return parsed


FILTERS = [
    OpenApiParameter(name, OpenApiTypes.INT, description=description)
    for name, description in (
        ("account", "Activities of this account (its own, its contacts' and its opportunities')."),
        ("contact", "Activities this contact took part in."),
        ("lead", "Activities of this lead."),
        ("opportunity", "Activities of this opportunity."),
        ("type", "Activity type id."),
        ("owner", "Owner's user id."),
    )
] + [
    OpenApiParameter("starts_after", OpenApiTypes.DATETIME, description="Starting at or after (ISO 8601)."),
    OpenApiParameter("starts_before", OpenApiTypes.DATETIME, description="Starting before (ISO 8601)."),
]


@extend_schema_view(
    get=extend_schema(operation_id="activities_list", parameters=FILTERS),
    post=extend_schema(operation_id="activities_create"),
)
class ActivityListApi(generics.ListCreateAPIView):
    serializer_class = ActivitySerializer
    permission_classes = [ActivitiesRoleAllows]

    def get_queryset(self) -> QuerySet[Activity]:
        queryset = activities_for(self.request)
        params = self.request.query_params
        for name in ("account", "lead", "opportunity", "type", "owner"):
            value = params.get(name)
            if value is None:
                continue
            if not value.isdigit():
                raise ValidationError({name: _("A valid integer is required.")})
            queryset = queryset.filter(**{f"{name}_id": int(value)})
        contact = params.get("contact")
        if contact is not None:
            if not contact.isdigit():
                raise ValidationError({"contact": _("A valid integer is required.")})
            queryset = queryset.filter(
                pk__in=ActivityContact.objects.filter(contact_id=int(contact)).values("activity_id")
            )
        if params.get("starts_after"):
            queryset = queryset.filter(starts_at__gte=_date_filter(params["starts_after"], "starts_after"))
        if params.get("starts_before"):
            queryset = queryset.filter(starts_at__lt=_date_filter(params["starts_before"], "starts_before"))
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor, _reason = api_actor(request)
        data = _inputs(request, serializer.validated_data)
        data.setdefault("owner", owner_for(request, None))
        activity = activity_create(data=ActivityInput(**data), actor=actor)
        return Response(ActivitySerializer(activities_for(request).get(pk=activity.pk)).data, status=201)


@extend_schema_view(
    get=extend_schema(operation_id="activities_retrieve"),
    patch=extend_schema(operation_id="activities_partial_update"),
    delete=extend_schema(operation_id="activities_destroy"),
)
class ActivityDetailApi(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ActivitySerializer
    permission_classes = [ActivitiesRoleAllows]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Activity]:
        return activities_for(self.request)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        activity = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(activity, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if activity.version != version:
            raise Conflict
        actor, _reason = api_actor(request)
        data = _inputs(request, serializer.validated_data)
        contacts = data.pop("contacts", None)
        activity_update(activity=activity, actor=actor, contacts=contacts, **data)
        return Response(ActivitySerializer(activities_for(request).get(pk=activity.pk)).data)

    def perform_destroy(self, instance: Activity) -> None:
        actor, _reason = api_actor(self.request)
        activity_delete(activity=instance, actor=actor)


@extend_schema_view(
    get=extend_schema(operation_id="activity_types_list"),
    post=extend_schema(operation_id="activity_types_create"),
)
class ActivityTypeListApi(generics.ListCreateAPIView):
    serializer_class = ActivityTypeSerializer
    permission_classes = [ActivityTypeAllows]

    def get_queryset(self) -> QuerySet[ActivityType]:
        return ActivityType.objects.order_by("position", "id")

    def perform_create(self, serializer: Any) -> None:
        actor, reason = api_actor(self.request)
        activity_type = ActivityType(tenant=current_tenant(), **serializer.validated_data)
        set_history_user(activity_type, actor=actor, reason=reason)
        activity_type.save()
        serializer.instance = activity_type
