from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import ApiKey
from crm.tenancy import current_tenant


class TenantOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    currency = serializers.CharField()
    language = serializers.CharField()
    time_zone = serializers.CharField()


class MeOutputSerializer(serializers.Serializer):
    key_id = serializers.CharField()
    key_name = serializers.CharField()
    role = serializers.CharField()
    tenant = TenantOutputSerializer()


class MeView(APIView):
    """Who is calling: the API key, its role and its tenant."""

    @extend_schema(responses=MeOutputSerializer, operation_id="me")
    def get(self, request: Request) -> Response:
        key: ApiKey = request.auth  # type: ignore[assignment]
        data = {"key_id": key.public_id, "key_name": key.name, "role": key.role, "tenant": current_tenant()}
        return Response(MeOutputSerializer(data).data)
