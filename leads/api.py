"""REST API for leads: the same visibility and services as the pages (list, create, read, update,
and the actions log-first-contact, qualify, disqualify and convert)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import RoleAllows, api_actor, expected_version, visible
from accounts.models import Account, Contact, Segment
from accounts.services import StaleVersion
from crm.api.errors import Conflict
from crm.models import ApiKey, Membership, User
from crm.tenancy import current_tenant
from governance.permissions import Reach, role_reach
from leads import services
from leads.models import Lead, LeadSource
from opportunities.models import Product


class LeadsRoleAllows(RoleAllows):
    app_label = "leads"


class LeadsActionAllowed(LeadsRoleAllows):
    """The actions change a lead: the key's role must change every lead."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        return isinstance(key, ApiKey) and role_reach(key.role, "leads", "change") is Reach.ALL


class LeadSerializer(serializers.ModelSerializer):
    # Checked by the service, with the other fields: one 400 names every wrong field.
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    owner = serializers.IntegerField(source="owner_id", required=False, allow_null=True)
    source = serializers.IntegerField(  # type: ignore[assignment]
        source="source_id", required=False, allow_null=True
    )
    segment = serializers.IntegerField(source="segment_id", required=False, allow_null=True)
    partner = serializers.IntegerField(source="partner_id", required=False, allow_null=True)
    product_of_interest = serializers.IntegerField(
        source="product_of_interest_id", required=False, allow_null=True
    )
    converted_opportunity = serializers.IntegerField(
        source="converted_opportunity_id", read_only=True, allow_null=True
    )
    converted_account = serializers.IntegerField(
        source="converted_account_id", read_only=True, allow_null=True
    )
    converted_contact = serializers.IntegerField(
        source="converted_contact_id", read_only=True, allow_null=True
    )
    # Read-only choices that may be empty: plain strings in the schema (an enum would refuse "").
    timeline = serializers.CharField(read_only=True)
    unqualified_reason = serializers.CharField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id", "salutation", "first_name", "last_name", "email", "phone", "job_title", "language",
            "company_name", "siret", "country", "postal_code", "city", "segment", "partner",
            "product_of_interest", "source",
            "campaign", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "score",
            "funnel_entered_at",
            "status", "unqualified_reason", "unqualified_note", "owner", "territory", "assigned_at",
            "first_contact_due_at", "first_contacted_at", "sla_breached_at", "sla_escalated_at", "budget",
            "authority", "need", "timeline", "qualification_answers", "converted_at", "converted_account",
            "converted_contact", "converted_opportunity", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "status", "unqualified_reason", "unqualified_note", "territory", "assigned_at",
            "first_contact_due_at", "first_contacted_at", "sla_breached_at", "sla_escalated_at", "budget",
            "authority", "need", "timeline", "qualification_answers", "converted_at", "version", "created_at",
            "updated_at",
        ]  # fmt: skip
        # The services normalise what people type ("06 12 34 56 78", "732 829 320 00074").
        extra_kwargs: dict[str, dict[str, Any]] = {
            name: {"max_length": None, "validators": []}
            for name in ("phone", "siret", "email", "postal_code")
        }


def _related(model: type[Any], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No such record in this company.")})
    return found


def _owner(pk: int | None) -> User | None:
    if pk is None:
        return None
    membership = Membership.objects.filter(user_id=pk, is_active=True).select_related("user").first()
    if membership is None:
        raise ValidationError(
            {"owner": _("Give the owner: the user id of an active member of this company.")}
        )
    return membership.user


def _lead_data(validated: dict[str, Any]) -> dict[str, Any]:
    data = dict(validated)
    if "owner_id" in data:
        data["owner"] = _owner(data.pop("owner_id"))
    for name, model in (
        ("source", LeadSource), ("segment", Segment), ("partner", Account), ("product_of_interest", Product),
    ):  # fmt: skip
        if f"{name}_id" in data:
            data[name] = _related(model, data.pop(f"{name}_id"), name)
    return data


def _leads(request: Request) -> QuerySet[Lead]:
    return visible(Lead.objects.select_related("source"), request)


@extend_schema_view(
    get=extend_schema(operation_id="leads_list"), post=extend_schema(operation_id="leads_create")
)
class LeadListApi(generics.ListCreateAPIView):
    serializer_class = LeadSerializer
    permission_classes = [LeadsRoleAllows]

    def get_queryset(self) -> QuerySet[Lead]:
        return _leads(self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor, reason = api_actor(request)
        lead = services.lead_create(
            tenant=current_tenant(),
            actor=actor,
            data=_lead_data(serializer.validated_data),
            channel=services.Channel.API,
            role=request.auth.role,  # type: ignore[union-attr]
            reason=reason,
        )
        return Response(LeadSerializer(lead).data, status=201)


class LeadDetailApi(generics.RetrieveUpdateAPIView):
    serializer_class = LeadSerializer
    permission_classes = [LeadsRoleAllows]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Lead]:
        return _leads(self.request)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lead = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(lead, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        actor, reason = api_actor(request)
        try:
            lead = services.lead_update(
                lead=lead,
                actor=actor,
                data=_lead_data(serializer.validated_data),
                expected_version=version,
                role=request.auth.role,  # type: ignore[union-attr]
                reason=reason,
            )
        except StaleVersion as error:
            raise Conflict(error.messages[0]) from None
        return Response(LeadSerializer(lead).data)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"opportunity_amount": _("A valid number is required.")}) from None


class _LeadActionApi(APIView):
    permission_classes = [LeadsActionAllowed]

    def lead(self, request: Request, pk: int) -> Lead:
        found = _leads(request).filter(pk=pk).first()
        if found is None:
            from rest_framework.exceptions import NotFound

            raise NotFound
        return found


class LeadFirstContactApi(_LeadActionApi):
    @extend_schema(operation_id="leads_first_contact", request=None, responses=LeadSerializer)
    def post(self, request: Request, pk: int) -> Response:
        actor, _reason = api_actor(request)
        lead = services.lead_log_first_contact(lead=self.lead(request, pk), actor=actor)
        return Response(LeadSerializer(lead).data)


class LeadQualifyApi(_LeadActionApi):
    """Save the qualification given (BANT or answers), then mark the lead qualified."""

    @extend_schema(
        operation_id="leads_qualify",
        request=inline_serializer(
            "LeadQualifyInput",
            {
                name: serializers.CharField(required=False, allow_blank=True)
                for name in ("budget", "authority", "need", "timeline")
            }
            | {"answers": serializers.DictField(child=serializers.CharField(), required=False)},
        ),
        responses=LeadSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        actor, _reason = api_actor(request)
        lead = self.lead(request, pk)
        given = request.data if isinstance(request.data, dict) else {}
        data: dict[str, Any] = {
            name: given[name]
            for name in ("budget", "authority", "need", "timeline", "answers")
            if name in given
        }
        if data:
            lead = services.lead_qualification_save(lead=lead, actor=actor, data=data)
        lead = services.lead_qualify(lead=lead, actor=actor)
        return Response(LeadSerializer(lead).data)


class LeadDisqualifyApi(_LeadActionApi):
    @extend_schema(
        operation_id="leads_disqualify",
        request=inline_serializer(
            "LeadDisqualifyInput",
            {
                "reason": serializers.ChoiceField(choices=Lead.UnqualifiedReason.choices),
                "note": serializers.CharField(required=False),
            },
        ),
        responses=LeadSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        actor, _reason = api_actor(request)
        given = request.data if isinstance(request.data, dict) else {}
        lead = services.lead_disqualify(
            lead=self.lead(request, pk),
            actor=actor,
            reason=str(given.get("reason", "")),
            note=str(given.get("note", "")),
        )
        return Response(LeadSerializer(lead).data)


class LeadConvertApi(_LeadActionApi):
    @extend_schema(
        operation_id="leads_convert",
        request=inline_serializer(
            "LeadConvertInput",
            {
                "account": serializers.IntegerField(required=False, allow_null=True),
                "contact": serializers.IntegerField(required=False, allow_null=True),
                "new_account": serializers.BooleanField(required=False),
                "new_contact": serializers.BooleanField(required=False),
                "create_opportunity": serializers.BooleanField(required=False),
                "opportunity_name": serializers.CharField(required=False),
                "opportunity_amount": serializers.DecimalField(
                    max_digits=14, decimal_places=2, required=False
                ),
            },
        ),
        responses=inline_serializer(
            "LeadConversion",
            {
                "lead": LeadSerializer(),
                "account": serializers.IntegerField(),
                "contact": serializers.IntegerField(),
                "account_created": serializers.BooleanField(),
                "contact_created": serializers.BooleanField(),
                "opportunity": serializers.IntegerField(allow_null=True),
            },
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        key: ApiKey = request.auth  # type: ignore[assignment]
        if role_reach(key.role, "accounts", "add") is not Reach.ALL:
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        actor, _reason = api_actor(request)
        lead = self.lead(request, pk)
        if actor is None:
            raise ValidationError(_("This key's creator is no longer a member: conversions need a person."))
        given = request.data if isinstance(request.data, dict) else {}
        account = (
            visible(Account.objects.all(), request).filter(pk=given["account"]).first()
            if given.get("account")
            else None
        )
        contact = Contact.objects.filter(pk=given["contact"]).first() if given.get("contact") else None
        if given.get("account") and account is None:
            raise ValidationError({"account": _("No such account in this company.")})
        if given.get("contact") and contact is None:
            raise ValidationError({"contact": _("No such contact in this company.")})
        conversion = services.lead_convert(
            lead=lead, actor=actor, account=account, contact=contact,
            new_account=bool(given.get("new_account")), new_contact=bool(given.get("new_contact")),
            create_opportunity=bool(given.get("create_opportunity")),
            opportunity_data={
                "name": given.get("opportunity_name") or "",
                "amount": _decimal(given.get("opportunity_amount")),
            },
        )  # fmt: skip
        return Response(
            {
                "lead": LeadSerializer(conversion.lead).data,
                "account": conversion.account.pk,
                "contact": conversion.contact.pk,
                "account_created": conversion.account_created,
                "contact_created": conversion.contact_created,
                "opportunity": conversion.opportunity.pk if conversion.opportunity is not None else None,
            }
        )
