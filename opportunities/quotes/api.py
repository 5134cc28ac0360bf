"""REST API of the catalogue and quotes: the same selectors (visibility) and services (rules) as the
pages. Fields the key's role may not read (field policies) are left out of every response."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import RoleAllows, api_actor, visible
from accounts.models import Contact
from crm.models import ApiKey, User
from governance.field_policies import hidden_fields
from opportunities.models import (
    DiscountKind,
    Opportunity,
    Price,
    PriceList,
    Product,
    Quote,
    QuoteLine,
    VatRate,
)
from opportunities.quotes.pdf import quote_pdf, quote_pdf_filename
from opportunities.services import quotes as services


class OpportunitiesRoleAllows(RoleAllows):
    app_label = "opportunities"


class OpportunitiesRoleMayChange(OpportunitiesRoleAllows):
    """Actions on a quote (POST) change it: the key's role must reach every opportunity for a change."""

    def has_permission(self, request: Request, view: Any) -> bool:
        from governance.permissions import Reach, role_reach

        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        return role_reach(key.role, self.app_label, "change") is Reach.ALL


def _role(request: Request) -> str:
    key: ApiKey = request.auth  # type: ignore[assignment]
    return key.role


def _actor(request: Request) -> User:
    actor, _reason = api_actor(request)
    if actor is None:
        raise ValidationError(_("The key's creator is no longer a member: create a new key."))
    return actor


class HidingSerializer(serializers.ModelSerializer):
    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        for name in self.context.get("hidden", {}).get(type(instance), ()):
            data.pop(name, None)
        return data


class ProductSerializer(HidingSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "description",
            "unit",
            "default_vat_rate",
            "purchase_cost",
            "is_active",
        ]
        read_only_fields = fields


class PriceSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)

    class Meta:
        model = Price
        fields = ["product", "unit_price"]
        read_only_fields = fields


class PriceListSerializer(serializers.ModelSerializer):
    segment = serializers.IntegerField(source="segment_id", read_only=True, allow_null=True)
    prices = PriceSerializer(many=True, read_only=True)

    class Meta:
        model = PriceList
        fields = ["id", "name", "currency", "valid_from", "valid_until", "segment", "is_active", "prices"]
        read_only_fields = fields


class QuoteLineSerializer(HidingSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True, allow_null=True)

    class Meta:
        model = QuoteLine
        fields = [
            "id", "position", "product", "description", "quantity", "unit", "unit_price", "discount_kind",
            "discount_value", "vat_rate", "total_excl_tax",
        ]  # fmt: skip
        read_only_fields = fields


class QuoteSerializer(HidingSerializer):
    opportunity = serializers.IntegerField(source="opportunity_id", read_only=True)
    contact = serializers.IntegerField(source="contact_id", read_only=True, allow_null=True)
    price_list = serializers.IntegerField(source="price_list_id", read_only=True, allow_null=True)
    previous_version = serializers.IntegerField(source="previous_version_id", read_only=True, allow_null=True)
    approved_by = serializers.IntegerField(source="approved_by_id", read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id", "number", "version", "previous_version", "status", "opportunity", "contact", "language",
            "price_list", "currency", "issue_date", "valid_until", "payment_terms", "commitment_months",
            "tacit_renewal", "indexation", "indexation_rate", "global_discount_kind", "global_discount_value",
            "total_excl_tax", "total_tax", "total_incl_tax", "max_discount_percent", "approval",
            "approved_by", "approved_at", "approval_note", "notes", "created_by", "created_at", "sent_at",
            "decided_at", "version_lock", "lines",
        ]  # fmt: skip
        read_only_fields = fields


class QuoteCreateSerializer(serializers.Serializer):
    opportunity = serializers.IntegerField()
    price_list = serializers.IntegerField(required=False, allow_null=True)
    contact = serializers.IntegerField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=["fr", "en"], required=False)
    valid_until = serializers.DateField(required=False)
    payment_terms = serializers.CharField(required=False, allow_blank=True, max_length=200)
    commitment_months = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=600)
    tacit_renewal = serializers.BooleanField(required=False)
    indexation = serializers.ChoiceField(choices=Quote.Indexation.choices, required=False, allow_blank=True)
    indexation_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    global_discount_kind = serializers.ChoiceField(choices=DiscountKind.choices, required=False)
    global_discount_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class QuoteLineInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit = serializers.ChoiceField(choices=Product.Unit.choices, required=False)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    vat_rate = serializers.ChoiceField(choices=VatRate.choices, required=False)
    discount_kind = serializers.ChoiceField(choices=DiscountKind.choices, required=False)
    discount_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)


class QuoteLineChangeSerializer(QuoteLineInputSerializer):
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)


class QuoteActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    move_to_won = serializers.BooleanField(
        required=False, default=True, help_text="Accept only: move the opportunity to its won stage."
    )


def _related(model: type[Any], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No such record in this company.")})
    return found


class HiddenFieldsMixin:
    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        role = _role(self.request)  # type: ignore[attr-defined]
        context["hidden"] = {model: hidden_fields(role, model) for model in (Product, Quote, QuoteLine)}
        return context


@extend_schema_view(get=extend_schema(operation_id="products_list"))
class ProductListApi(HiddenFieldsMixin, generics.ListAPIView):
    serializer_class = ProductSerializer
    permission_classes = [OpportunitiesRoleAllows]

    def get_queryset(self) -> QuerySet[Product]:
        return Product.objects.all()


@extend_schema_view(get=extend_schema(operation_id="products_retrieve"))
class ProductDetailApi(HiddenFieldsMixin, generics.RetrieveAPIView):
    serializer_class = ProductSerializer
    permission_classes = [OpportunitiesRoleAllows]

    def get_queryset(self) -> QuerySet[Product]:
        return Product.objects.all()


@extend_schema_view(get=extend_schema(operation_id="price_lists_list"))
class PriceListListApi(generics.ListAPIView):
    serializer_class = PriceListSerializer
    permission_classes = [OpportunitiesRoleAllows]

    def get_queryset(self) -> QuerySet[PriceList]:
        return PriceList.objects.prefetch_related("prices")


@extend_schema_view(get=extend_schema(operation_id="price_lists_retrieve"))
class PriceListDetailApi(generics.RetrieveAPIView):
    serializer_class = PriceListSerializer
    permission_classes = [OpportunitiesRoleAllows]

    def get_queryset(self) -> QuerySet[PriceList]:
        return PriceList.objects.prefetch_related("prices")


def _quotes(request: Request) -> QuerySet[Quote]:
    opportunities = visible(Opportunity.objects.all(), request)
    return Quote.objects.filter(opportunity__in=opportunities.values("pk")).prefetch_related("lines")


@extend_schema_view(
    get=extend_schema(operation_id="quotes_list"),
    post=extend_schema(
        operation_id="quotes_create", request=QuoteCreateSerializer, responses={201: QuoteSerializer}
    ),
)
class QuoteListApi(HiddenFieldsMixin, generics.ListCreateAPIView):
    serializer_class = QuoteSerializer
    permission_classes = [OpportunitiesRoleAllows]

    def get_queryset(self) -> QuerySet[Quote]:
        return _quotes(self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = QuoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        opportunity = visible(Opportunity.objects.all(), request).filter(pk=data.pop("opportunity")).first()
        if opportunity is None:
            raise ValidationError({"opportunity": _("No such record in this company.")})
        data["price_list"] = _related(PriceList, data.pop("price_list", None), "price_list")
        data["contact"] = _related(Contact, data.pop("contact", None), "contact")
        quote = services.quote_create(opportunity=opportunity, actor=_actor(request), **data)
        return Response(QuoteSerializer(quote, context=self.get_serializer_context()).data, status=201)


@extend_schema_view(get=extend_schema(operation_id="quotes_retrieve"))
class QuoteDetailApi(HiddenFieldsMixin, generics.RetrieveAPIView):
    serializer_class = QuoteSerializer
    permission_classes = [OpportunitiesRoleAllows]

    def get_queryset(self) -> QuerySet[Quote]:
        return _quotes(self.request)


class QuoteWriteApi(HiddenFieldsMixin, generics.GenericAPIView):
    serializer_class = QuoteSerializer
    permission_classes = [OpportunitiesRoleMayChange]

    def get_queryset(self) -> QuerySet[Quote]:
        return _quotes(self.request)

    def respond(self, quote: Quote, status: int = 200) -> Response:
        fresh = _quotes(self.request).get(pk=quote.pk)
        return Response(QuoteSerializer(fresh, context=self.get_serializer_context()).data, status=status)


class QuoteLineCreateApi(QuoteWriteApi):
    @extend_schema(
        operation_id="quotes_lines_create", request=QuoteLineInputSerializer, responses={201: QuoteSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        quote = self.get_object()
        serializer = QuoteLineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["product"] = _related(Product, data.pop("product", None), "product")
        services.quote_line_add(quote=quote, actor=_actor(request), **data)
        return self.respond(quote, status=201)


def _line(quote: Quote, line_pk: int) -> QuoteLine:
    line = quote.lines.filter(pk=line_pk).first()
    if line is None:
        raise NotFound
    return line


@extend_schema_view(
    patch=extend_schema(
        operation_id="quotes_lines_update", request=QuoteLineChangeSerializer, responses=QuoteSerializer
    )
)
class QuoteLineDetailApi(QuoteWriteApi):
    http_method_names = ["patch", "options"]

    def patch(self, request: Request, pk: int, line_pk: int) -> Response:
        quote = self.get_object()
        line = _line(quote, line_pk)
        serializer = QuoteLineChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("product", None)
        services.quote_line_update(line=line, actor=_actor(request), **data)
        return self.respond(quote)


class QuoteLineRemoveApi(QuoteWriteApi):
    @extend_schema(
        operation_id="quotes_lines_remove", request=QuoteActionSerializer, responses=QuoteSerializer
    )
    def post(self, request: Request, pk: int, line_pk: int) -> Response:
        quote = self.get_object()
        services.quote_line_remove(line=_line(quote, line_pk), actor=_actor(request))
        return self.respond(quote)


class QuoteActionApi(QuoteWriteApi):
    """approve, reject, send, accept (move_to_won, default true), refuse, new-version."""

    action_name = ""

    def post(self, request: Request, pk: int) -> Response:
        quote = self.get_object()
        serializer = QuoteActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data.get("note", "")
        actor = _actor(request)
        name = self.action_name
        if name == "approve":
            result = services.quote_approve(quote=quote, actor=actor, note=note)
        elif name == "reject":
            result = services.quote_reject(quote=quote, actor=actor, note=note)
        elif name == "send":
            result = services.quote_send(quote=quote, actor=actor)
        elif name == "accept":
            result = services.quote_accept(
                quote=quote, actor=actor, move_to_won=serializer.validated_data["move_to_won"]
            )
        elif name == "refuse":
            result = services.quote_refuse(quote=quote, actor=actor, note=note)
        else:
            return self.respond(services.quote_new_version(quote=quote, actor=actor), status=201)
        return self.respond(result)


def action_view(name: str) -> Any:
    status = 201 if name == "new-version" else 200
    view: Any = type(
        f"Quote{name.title().replace('-', '')}Api",
        (QuoteActionApi,),
        {
            "action_name": name,
            "__doc__": f"The quote's `{name}` action, through the same service as the page.",
        },
    )
    # On the method, not the class: an operation id on an APIView class breaks the schema (W002).
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"quotes_{name.replace('-', '_')}",
            request=QuoteActionSerializer,
            responses={status: QuoteSerializer},
        )
    )(view).as_view()


class QuotePdfApi(APIView):
    permission_classes = [OpportunitiesRoleAllows]

    @extend_schema(
        operation_id="quotes_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The quote's PDF"
            )
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        quote = _quotes(request).filter(pk=pk).first()
        if quote is None:
            raise NotFound
        response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{quote_pdf_filename(quote)}"'
        return response
