"""REST API of the outbound e-mail part: the e-mail templates (list and read for keys that see
activities; create and change for an administrator's key) and sending an e-mail from a record, through
the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import RoleAllows, api_actor, owner_for, visible
from activities.email import selectors
from activities.email.sending import (
    OutboundInput,
    SendFailed,
    email_compose_render,
    email_send,
    template_render,
)
from activities.email.templates import email_template_save
from activities.models import EmailMessage, EmailTemplate
from crm.models import ApiKey
from crm.roles import Role


class ActivitiesRoleAllows(RoleAllows):
    app_label = "activities"


class TemplatesAllowed(ActivitiesRoleAllows):
    """Reading: a key whose role sees activities. Writing: an administrator's key (the templates are
    the company's settings, as in the tenant admin)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().has_permission(request, view)
        return key.role == Role.TENANT_ADMIN


class EmailTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailTemplate
        fields = ["id", "code", "name", "language", "purpose", "subject", "body", "is_active", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]


class EmailMessageSerializer(serializers.ModelSerializer):
    template = serializers.IntegerField(source="template_id", read_only=True, allow_null=True)
    contact = serializers.IntegerField(source="contact_id", read_only=True, allow_null=True)
    lead = serializers.IntegerField(source="lead_id", read_only=True, allow_null=True)
    opportunity = serializers.IntegerField(source="opportunity_id", read_only=True, allow_null=True)
    quote = serializers.IntegerField(source="quote_id", read_only=True, allow_null=True)
    activity = serializers.IntegerField(source="activity_id", read_only=True, allow_null=True)

    class Meta:
        model = EmailMessage
        fields = ["id", "direction", "status", "message_id", "from_address", "from_name", "to_addresses",
                  "cc_addresses", "subject", "body_text", "is_marketing", "template", "contact", "lead",
                  "opportunity", "quote", "activity", "sent_at", "error", "created_at"]  # fmt: skip
        read_only_fields = fields


class EmailSendSerializer(serializers.Serializer):
    contact = serializers.IntegerField(required=False, allow_null=True)
    lead = serializers.IntegerField(required=False, allow_null=True)
    opportunity = serializers.IntegerField(required=False, allow_null=True)
    quote = serializers.IntegerField(required=False, allow_null=True)
    template = serializers.IntegerField(
        required=False, allow_null=True, help_text="A template's id: its subject and body are used."
    )
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    body = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    cc = serializers.ListField(child=serializers.CharField(max_length=320), required=False, default=list)


def _templates() -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.all()


@extend_schema_view(
    get=extend_schema(operation_id="email_templates_list"),
    post=extend_schema(operation_id="email_templates_create"),
)
class EmailTemplateListApi(generics.ListCreateAPIView):
    serializer_class = EmailTemplateSerializer
    permission_classes = [TemplatesAllowed]

    def get_queryset(self) -> QuerySet[EmailTemplate]:
        return _templates().order_by("code", "language", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor, _reason = api_actor(request)
        template = email_template_save(template=EmailTemplate(), data=serializer.validated_data, actor=actor)
        return Response(EmailTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(operation_id="email_templates_retrieve"),
    patch=extend_schema(operation_id="email_templates_update"),
)
class EmailTemplateDetailApi(generics.RetrieveUpdateAPIView):
    serializer_class = EmailTemplateSerializer
    permission_classes = [TemplatesAllowed]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[EmailTemplate]:
        return _templates()

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        serializer = self.get_serializer(template, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        actor, _reason = api_actor(request)
        template = email_template_save(template=template, data=serializer.validated_data, actor=actor)
        return Response(EmailTemplateSerializer(template).data)


class EmailSendApi(APIView):
    """Send an e-mail to a contact (or a lead) from its records: a template (merge fields filled) or
    a subject and body (merge fields filled too). 201 with the sent message; 424 (failed dependency)
    with the message stored as failed when the mail server refused it or was unreachable (not a 5xx: the
    kernel rolls a request back on those, and the failed message is kept for the record and a retry from
    its page); 400 when it may not be sent (nothing stored)."""

    permission_classes = [ActivitiesRoleAllows]

    @extend_schema(
        operation_id="emails_send",
        request=EmailSendSerializer,
        responses={
            201: EmailMessageSerializer,
            424: inline_serializer(
                "EmailSendFailed", {"detail": serializers.CharField(), "message": EmailMessageSerializer()}
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = EmailSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sender = owner_for(request, None)
        try:
            links = selectors.links_resolve(
                scope=lambda queryset: visible(queryset, request),
                contact=data.get("contact"),
                lead=data.get("lead"),
                opportunity=data.get("opportunity"),
                quote=data.get("quote"),
            )
        except selectors.RecordNotFound as missing:
            raise ApiValidationError({missing.field: [_("No such record in this company.")]}) from None
        template = None
        if data.get("template") is not None:
            template = EmailTemplate.objects.filter(pk=data["template"], is_active=True).first()
            if template is None:
                raise ApiValidationError({"template": [_("No such record in this company.")]})
            subject, body = template_render(template=template, links=links.complete(), sender=sender)
        else:
            subject, body = email_compose_render(
                subject=data.get("subject", ""), body=data.get("body", ""), links=links, sender=sender
            )
        try:
            message = email_send(
                data=OutboundInput(
                    links=links,
                    subject=subject,
                    body=body,
                    template=template,
                    is_marketing=template is not None and template.purpose == EmailTemplate.Purpose.MARKETING,
                    cc=data.get("cc") or [],
                ),
                actor=sender,
            )
        except SendFailed as failure:
            return Response(
                {"detail": failure.user_message, "message": EmailMessageSerializer(failure.message).data},
                status=status.HTTP_424_FAILED_DEPENDENCY,
            )
        return Response(EmailMessageSerializer(message).data, status=status.HTTP_201_CREATED)
