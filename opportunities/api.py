"""REST API for opportunities, their stage history, pipelines and the catalogues of competitors and loss
reasons: the same visibility and services as the pages (accounts/api.py patterns: API keys, the role's
reach, `version` on every PATCH, 409 when stale). A move refused for missing fields answers 400 with
`missing_fields`, the names the stage asks for."""

from __future__ import annotations

from datetime import UTC
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

from accounts.api import RoleAllows, api_actor, expected_version, owner_for, visible
from accounts.models import Account, Contact
from accounts.services import StaleVersion
from crm.api.errors import Conflict
from crm.api.pagination import CursorPagination
from crm.models import ApiKey
from crm.tenancy import current_tenant
from governance.permissions import Reach, role_reach
from opportunities import services
from opportunities.models import Competitor, LossReason, Opportunity, Pipeline, Stage, StageChange


class OpportunitiesRoleAllows(RoleAllows):
    app_label = "opportunities"


class OpportunitiesRoleAllowsChange(OpportunitiesRoleAllows):
    """A move is a change: the key's role must reach every opportunity for "change"."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        return role_reach(key.role, self.app_label, "change") is Reach.ALL


class OpportunitySerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id")
    primary_contact = serializers.IntegerField(source="primary_contact_id", required=False, allow_null=True)
    pipeline = serializers.IntegerField(source="pipeline_id", required=False)
    stage = serializers.IntegerField(source="stage_id", required=False)
    owner = serializers.IntegerField(source="owner_id", required=False)
    loss_reason = serializers.IntegerField(source="loss_reason_id", required=False, allow_null=True)
    competitors = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Competitor.objects.all()
    )
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "name", "account", "primary_contact", "pipeline", "stage", "amount", "currency",
            "probability", "probability_overridden", "expected_close_date", "expected_signature_date",
            "competitors", "loss_reason", "loss_comment", "budget_type", "sale_type", "description", "owner",
            "stage_entered_at", "closed_at", "created_at", "updated_at", "version",
        ]  # fmt: skip
        read_only_fields = [
            "id", "probability_overridden", "stage_entered_at", "closed_at", "created_at", "updated_at",
            "version",
        ]  # fmt: skip
        extra_kwargs: dict[str, dict[str, Any]] = {"currency": {"max_length": 3}}


def _related(model: type[Any], queryset: QuerySet[Any], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No such record in this company.")})
    return found


def _opportunity_data(request: Request, validated: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    data = dict(validated)
    if "owner_id" in data or not partial:
        data["owner"] = owner_for(request, data.pop("owner_id", None))
    if "account_id" in data:
        data["account"] = _related(
            Account, visible(Account.objects.all(), request), data.pop("account_id"), "account"
        )
    if "primary_contact_id" in data:
        data["primary_contact"] = _related(
            Contact, Contact.objects.all(), data.pop("primary_contact_id"), "primary_contact"
        )
    if "loss_reason_id" in data:
        data["loss_reason"] = _related(
            LossReason, LossReason.objects.all(), data.pop("loss_reason_id"), "loss_reason"
        )
    if "pipeline_id" in data:
        data["pipeline"] = _related(Pipeline, Pipeline.objects.all(), data.pop("pipeline_id"), "pipeline")
    if "stage_id" in data:
        data["stage"] = _related(Stage, Stage.objects.all(), data.pop("stage_id"), "stage")
    return data


def _visible_opportunities(request: Request) -> QuerySet[Opportunity]:
    return visible(Opportunity.objects.all(), request).prefetch_related("competitors").order_by("-id")


@extend_schema_view(
    get=extend_schema(operation_id="opportunities_list"),
    post=extend_schema(operation_id="opportunities_create"),
)
class OpportunityListApi(generics.ListCreateAPIView):
    serializer_class = OpportunitySerializer
    permission_classes = [OpportunitiesRoleAllows]

    def get_queryset(self) -> QuerySet[Opportunity]:
        return _visible_opportunities(self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor, reason = api_actor(request)
        data = _opportunity_data(request, serializer.validated_data, partial=False)
        competitors = data.pop("competitors", None)
        if data.get("stage") is not None and data.get("pipeline") is None:
            data["pipeline"] = data["stage"].pipeline
        opportunity = services.opportunity_create(
            tenant=current_tenant(),  # type: ignore[arg-type]
            actor=actor,
            reason=reason,
            account=data.pop("account"),
            name=data.pop("name"),
            expected_close_date=data.pop("expected_close_date"),
            **data,
        )
        if competitors:
            opportunity = services.opportunity_update(
                opportunity=opportunity, actor=actor, reason=reason, data={"competitors": competitors}
            )
        return Response(OpportunitySerializer(opportunity).data, status=201)


@extend_schema_view(
    get=extend_schema(operation_id="opportunities_retrieve"),
    patch=extend_schema(operation_id="opportunities_partial_update"),
)
class OpportunityDetailApi(generics.RetrieveUpdateAPIView):
    serializer_class = OpportunitySerializer
    permission_classes = [OpportunitiesRoleAllows]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Opportunity]:
        return _visible_opportunities(self.request)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        opportunity = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(opportunity, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = _opportunity_data(request, serializer.validated_data, partial=True)
        if "stage" in data or "pipeline" in data:
            raise ValidationError({"stage": _("Move the opportunity with its move-stage action.")})
        actor, reason = api_actor(request)
        try:
            updated = services.opportunity_update(
                opportunity=opportunity,
                actor=actor,
                reason=reason,
                data=data,
                expected_version=version,
                role=request.auth.role,  # type: ignore[union-attr]
            )
        except StaleVersion as error:
            raise Conflict(error.messages[0]) from None
        return Response(OpportunitySerializer(updated).data)


class MoveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stage = serializers.IntegerField()
    version = serializers.IntegerField()
    values = serializers.DictField(required=False, help_text="Values of the fields the stage asks for.")


class MoveValuesSerializer(OpportunitySerializer):
    class Meta(OpportunitySerializer.Meta):
        fields = [
            "primary_contact", "amount", "expected_signature_date", "loss_reason", "loss_comment",
            "budget_type", "description", "competitors",
        ]  # fmt: skip
        read_only_fields: list[str] = []


class OpportunityMoveApi(APIView):
    """POST {"stage": id, "version": n, "values": {...}}: move through `opportunity_move_stage`."""

    permission_classes = [OpportunitiesRoleAllowsChange]

    @extend_schema(
        operation_id="opportunities_move_stage",
        request=MoveSerializer,
        responses={
            200: OpportunitySerializer,
            400: inline_serializer(
                "MoveRefused",
                {"error": inline_serializer("MoveRefusedError", {
                    "code": serializers.CharField(),
                    "message": serializers.CharField(),
                    "fields": serializers.DictField(),
                    # Only when the stage asked for fields the opportunity lacks (other refusals,
                    # e.g. an unknown stage, carry code, message and fields only).
                    "missing_fields": serializers.ListField(child=serializers.CharField(), required=False),
                })},
            ),
        },
    )  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        opportunity = _visible_opportunities(request).filter(pk=pk).first()
        if opportunity is None:
            raise NotFound
        move = MoveSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        stage = Stage.objects.filter(
            pk=move.validated_data["stage"], pipeline_id=opportunity.pipeline_id
        ).first()
        if stage is None:
            raise ValidationError({"stage": _("No such stage in this opportunity's pipeline.")})
        values_input = MoveValuesSerializer(data=move.validated_data.get("values") or {}, partial=True)
        values_input.is_valid(raise_exception=True)
        values = _opportunity_data(request, values_input.validated_data, partial=True)
        actor, _reason = api_actor(request)
        try:
            moved = services.opportunity_move_stage(
                opportunity=opportunity,
                stage=stage,
                actor=actor,
                values=values,
                expected_version=move.validated_data["version"],
            )
        except services.MissingRequiredFields as missing:
            body = {
                "code": "missing_required_fields",
                "message": missing.messages[0],
                "fields": {name: [_("Required to enter this stage.")] for name in missing.fields},
                "missing_fields": missing.fields,
            }
            return Response({"error": body}, status=400)
        except StaleVersion as error:
            raise Conflict(error.messages[0]) from None
        return Response(OpportunitySerializer(moved).data)


class StageChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageChange
        fields = [
            "id", "opportunity", "pipeline", "from_stage", "to_stage", "changed_at", "changed_by", "amount",
            "currency", "probability",
        ]  # fmt: skip
        read_only_fields = fields


class StageChangePagination(CursorPagination):
    ordering = ("-changed_at", "-id")  # type: ignore[assignment]


@extend_schema_view(get=extend_schema(operation_id="opportunities_stage_changes_list"))
class OpportunityStageChangeListApi(generics.ListAPIView):
    """The stage history of one opportunity, newest first."""

    serializer_class = StageChangeSerializer
    permission_classes = [OpportunitiesRoleAllows]
    pagination_class = StageChangePagination

    def get_queryset(self) -> QuerySet[StageChange]:
        opportunity = _visible_opportunities(self.request).filter(pk=self.kwargs["pk"]).first()
        if opportunity is None:
            raise NotFound
        return StageChange.objects.filter(opportunity=opportunity)


@extend_schema_view(
    get=extend_schema(
        operation_id="stage_changes_list",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Changes at or after (ISO 8601)."),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Changes before (ISO 8601)."),
        ],
    )
)
class StageChangeListApi(generics.ListAPIView):
    """Every stage change of the visible opportunities, for reports (forecast, cycle times)."""

    serializer_class = StageChangeSerializer
    permission_classes = [OpportunitiesRoleAllows]
    pagination_class = StageChangePagination

    def get_queryset(self) -> QuerySet[StageChange]:
        queryset = StageChange.objects.filter(
            opportunity__in=visible(Opportunity.objects.all(), self.request)
        )
        for name, lookup in (("since", "changed_at__gte"), ("until", "changed_at__lt")):
            raw = self.request.query_params.get(name)
            if raw:
                try:
                    when = parse_datetime(raw)
                    if when is not None:
                        # An aware time far in the past may not fit in UTC (year 1, offset -19:27).
                        when = when.astimezone(UTC) if when.tzinfo else when
                except (ValueError, OverflowError):
                    when = None
                if when is None:
                    raise ValidationError({name: _("Give an ISO 8601 date and time.")})
                queryset = queryset.filter(**{lookup: when})
        return queryset


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "position", "probability", "outcome", "required_fields", "is_active"]
        read_only_fields = fields


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "position", "is_default", "is_active", "stages"]
        read_only_fields = fields


class NamedPagination(CursorPagination):
    ordering = "id"


@extend_schema_view(get=extend_schema(operation_id="pipelines_list"))
class PipelineListApi(generics.ListAPIView):
    serializer_class = PipelineSerializer
    permission_classes = [OpportunitiesRoleAllows]
    pagination_class = NamedPagination

    def get_queryset(self) -> QuerySet[Pipeline]:
        return Pipeline.objects.prefetch_related("stages")


class CompetitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Competitor
        fields = ["id", "name", "website", "is_active"]
        read_only_fields = fields


class LossReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LossReason
        fields = ["id", "name", "position", "is_active"]
        read_only_fields = fields


@extend_schema_view(get=extend_schema(operation_id="competitors_list"))
class CompetitorListApi(generics.ListAPIView):
    serializer_class = CompetitorSerializer
    permission_classes = [OpportunitiesRoleAllows]
    pagination_class = NamedPagination
    queryset = Competitor.objects.all()


@extend_schema_view(get=extend_schema(operation_id="loss_reasons_list"))
class LossReasonListApi(generics.ListAPIView):
    serializer_class = LossReasonSerializer
    permission_classes = [OpportunitiesRoleAllows]
    pagination_class = NamedPagination
    queryset = LossReason.objects.all()
