"""REST API for accounts and contacts: the same selectors (visibility) and services (rules) as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.models import Account, Contact
from crm.api.errors import Conflict
from crm.models import ApiKey, Membership, User
from crm.tenancy import current_tenant
from governance import field_rules
from governance.field_policies import hidden_fields
from governance.permissions import Reach, role_reach
from governance.visibility import role_predicate

ACTION_BY_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PATCH": "change",
    "PUT": "change",
}


class RoleAllows(BasePermission):
    """The key's role must reach every record of the kind for the action (a key owns nothing)."""

    app_label = "accounts"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        action = ACTION_BY_METHOD.get(request.method or "GET")
        if action is None:
            return False
        reach = role_reach(key.role, self.app_label, action)
        return reach is not None and (action == "view" or reach is Reach.ALL)


def visible(queryset: QuerySet[Any], request: Request) -> QuerySet[Any]:
    key: ApiKey = request.auth  # type: ignore[assignment]
    predicate = role_predicate(key.role)
    return queryset.none() if predicate is None else queryset.filter(predicate)


def owner_for(request: Request, owner_id: int | None) -> User:
    """The owner given, who must be an active member of the tenant; by default the key's creator."""
    key: ApiKey = request.auth  # type: ignore[assignment]
    user_id = owner_id or key.created_by_id
    membership = (
        Membership.objects.filter(user_id=user_id, is_active=True).select_related("user").first()
        if user_id
        else None
    )
    if membership is None:
        raise ValidationError(
            {"owner": _("Give the owner: the user id of an active member of this company.")}
        )
    return membership.user


def api_actor(request: Request) -> tuple[User | None, str]:
    """Who an API write is recorded as: the key's creator as the history user (the person who handed
    the key to the integration and answers for it), and a change reason naming the key itself, so the
    History tab tells a write through the key apart from the same person's own edits. A key whose
    creator was removed writes with no user, the reason still names the key."""
    key: ApiKey = request.auth  # type: ignore[assignment]
    reason = _("Through the API key “%(name)s” (%(key)s)") % {
        "name": key.name,
        "key": f"{ApiKey.PREFIX}.{key.tenant_id}.{key.public_id}",
    }
    return key.created_by, reason


def expected_version(request: Request) -> int:
    """Every PATCH carries the `version` the client read (in every response): the write is refused
    with 409 when the record changed since. Missing or not an integer: 400 on the field "version"."""
    version = request.data.get("version") if isinstance(request.data, dict) else None
    if version is None:
        raise ValidationError({"version": _("This field is required.")})
    if isinstance(version, bool) or not isinstance(version, int | str):
        raise ValidationError({"version": _("A valid integer is required.")})
    try:
        return int(version)
    except ValueError:
        raise ValidationError({"version": _("A valid integer is required.")}) from None


class FieldRulesInputMixin:
    """A value given for a read-only field that the tenant's field rules mark computed or synchronised
    is passed on to the service, which refuses a change (400 naming the field) instead of DRF
    dropping it silently."""

    def to_internal_value(self, data: Any) -> Any:
        validated = super().to_internal_value(data)  # type: ignore[misc]
        if hasattr(data, "keys"):
            model = self.Meta.model  # type: ignore[attr-defined]
            for name, effective in field_rules.rules(model).items():
                field = self.fields.get(name)  # type: ignore[attr-defined]
                if effective.is_read_only and name in data and field is not None and field.read_only:
                    validated[name] = data[name]
        return validated


class AccountSerializer(FieldRulesInputMixin, serializers.ModelSerializer):
    """Fields the key's role may not read (field policies) are left out of every response."""

    relationship_status = serializers.CharField(read_only=True)
    owner = serializers.IntegerField(source="owner_id", required=False)
    # DRF's metaclass moves declared fields off the class: "parent" does not clash with Field.parent.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="parent_id", required=False, allow_null=True
    )
    segment = serializers.IntegerField(source="segment_id", required=False, allow_null=True)

    class Meta:
        model = Account
        fields = [
            "id", "legal_name", "trade_name", "legal_form", "siren", "siret", "vat_number", "naf_code",
            "naf_version", "naics_code", "website", "account_type", "revenue_band", "headcount_band",
            "segment", "origin", "owner", "parent", "currency", "customer_revenue", "estimated_potential",
            "last_purchase_date", "relationship_status", "relationship_status_override", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "siren", "naf_version", "version", "created_at", "updated_at"]
        # The services check identifiers; the serializer only parses types.
        # Identifiers arrive as people type them ("732 829 320 00074"): the services normalise and check them.
        identifiers = ("siret", "vat_number", "naf_code", "naics_code")
        extra_kwargs: dict[str, dict[str, Any]] = {
            name: {"validators": [], "max_length": None} for name in identifiers
        }

    def to_representation(self, instance: Account) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        for name in self.context.get("hidden_fields", ()):
            data.pop(name, None)
        return data


class AccountApiMixin:
    """Field policies of the key's role, looked up once per request (not once per row)."""

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        key: ApiKey = self.request.auth  # type: ignore[attr-defined]
        context["hidden_fields"] = hidden_fields(key.role, Account)
        return context


def _related(model: type[Any], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No such record in this company.")})
    return found


def _account_data(request: Request, validated: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    from accounts.models import Segment

    data = dict(validated)
    if "owner_id" in data or not partial:
        data["owner"] = owner_for(request, data.pop("owner_id", None))
    if "parent_id" in data:
        data["parent"] = _related(Account, data.pop("parent_id"), "parent")
    if "segment_id" in data:
        data["segment"] = _related(Segment, data.pop("segment_id"), "segment")
    return data


@extend_schema_view(
    get=extend_schema(operation_id="accounts_list"), post=extend_schema(operation_id="accounts_create")
)
class AccountListApi(AccountApiMixin, generics.ListCreateAPIView):
    serializer_class = AccountSerializer
    permission_classes = [RoleAllows]

    def get_queryset(self) -> QuerySet[Account]:
        return visible(Account.objects.all(), self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor, reason = api_actor(request)
        outcome = services.account_create(
            tenant=current_tenant(),
            actor=actor,
            reason=reason,
            role=request.auth.role,  # type: ignore[union-attr]
            api_key=request.auth,  # type: ignore[arg-type]
            data=_account_data(request, serializer.validated_data, partial=False),
        )
        body = AccountSerializer(outcome.record, context=self.get_serializer_context()).data
        return Response({**body, "warnings": outcome.warnings}, status=201)


class AccountDetailApi(AccountApiMixin, generics.RetrieveUpdateAPIView):
    serializer_class = AccountSerializer
    permission_classes = [RoleAllows]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Account]:
        return visible(Account.objects.all(), self.request)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(account, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        actor, reason = api_actor(request)
        try:
            outcome = services.account_update(
                account=account,
                actor=actor,
                reason=reason,
                role=request.auth.role,  # type: ignore[union-attr]
                api_key=request.auth,  # type: ignore[arg-type]
                data=_account_data(request, serializer.validated_data, partial=True),
                expected_version=version,
            )
        except services.StaleVersion as error:
            raise Conflict(error.messages[0]) from None
        body = AccountSerializer(outcome.record, context=self.get_serializer_context()).data
        return Response({**body, "warnings": outcome.warnings})


class ContactSerializer(FieldRulesInputMixin, serializers.ModelSerializer):
    """Fields the key's role may not read (field policies) are left out of every response."""

    account = serializers.IntegerField(source="account_id")
    owner = serializers.IntegerField(source="owner_id", required=False)

    class Meta:
        model = Contact
        fields = [
            "id", "salutation", "first_name", "last_name", "job_title", "department", "team", "phone",
            "mobile", "email", "language", "account", "owner", "topics", "products_of_interest",
            "preferred_channels", "contact_frequency", "relationship_status", "do_not_call", "version",
            "created_at", "last_contacted_at",
        ]  # fmt: skip
        read_only_fields = ["id", "version", "created_at", "last_contacted_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {name: {"max_length": None} for name in ("phone", "mobile")}

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        for name in self.context.get("hidden_fields", ()):
            data.pop(name, None)
        return data


class ContactApiMixin:
    """Field policies of the key's role, looked up once per request (not once per row)."""

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        key: ApiKey = self.request.auth  # type: ignore[attr-defined]
        context["hidden_fields"] = hidden_fields(key.role, Contact)
        return context


def _contact_data(request: Request, validated: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    data = dict(validated)
    if "owner_id" in data or not partial:
        data["owner"] = owner_for(request, data.pop("owner_id", None))
    if "account_id" in data:
        account = visible(Account.objects.all(), request).filter(pk=data.pop("account_id")).first()
        if account is None:
            raise ValidationError({"account": _("No such account in this company.")})
        data["account"] = account
    return data


class ContactListApi(ContactApiMixin, generics.ListCreateAPIView):
    serializer_class = ContactSerializer
    permission_classes = [RoleAllows]

    def get_queryset(self) -> QuerySet[Contact]:
        visible_accounts = visible(Account.objects.all(), self.request).values("pk")
        return Contact.objects.filter(account__in=visible_accounts)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        duplicate_reason = request.data.get("duplicate_reason", "") if isinstance(request.data, dict) else ""
        actor, reason = api_actor(request)
        outcome = services.contact_create(
            tenant=current_tenant(),
            actor=actor,
            reason=reason,
            data=_contact_data(request, serializer.validated_data, partial=False),
            duplicate_reason=str(duplicate_reason or ""),
            role=request.auth.role,  # type: ignore[union-attr]
            api_key=request.auth,  # type: ignore[arg-type]
        )
        body = ContactSerializer(outcome.record, context=self.get_serializer_context()).data
        return Response(body, status=201)


class ContactDetailApi(ContactApiMixin, generics.RetrieveUpdateAPIView):
    serializer_class = ContactSerializer
    permission_classes = [RoleAllows]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Contact]:
        visible_accounts = visible(Account.objects.all(), self.request).values("pk")
        return Contact.objects.filter(account__in=visible_accounts)

    def get_object(self) -> Contact:
        try:
            return super().get_object()
        except Contact.DoesNotExist as error:  # pragma: no cover - get_object raises Http404 already
            raise NotFound from error

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contact = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(contact, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        actor, reason = api_actor(request)
        try:
            outcome = services.contact_update(
                contact=contact,
                actor=actor,
                reason=reason,
                data=_contact_data(request, serializer.validated_data, partial=True),
                expected_version=version,
                role=request.auth.role,  # type: ignore[union-attr]
                api_key=request.auth,  # type: ignore[arg-type]
            )
        except services.StaleVersion as error:
            raise Conflict(error.messages[0]) from None
        return Response(ContactSerializer(outcome.record, context=self.get_serializer_context()).data)
