"""/api/v1/accounts/{id}/shares/: the manual shares of one account, through the same service and rules
as the Sharing tab. A key has a role but no person: it sees the accounts its role sees, and may share
when its role may change every account (governance.sharing.sharing_rights); the key's creator is
recorded as the one who granted or removed the share."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import visible
from accounts.models import Account
from accounts.shares.models import AccountTeamShare, AccountUserShare
from crm.models import ApiKey
from governance.models import RecordShare, ShareCause, ShareLevel
from governance.permissions import role_reach
from governance.sharing import share_grant, share_list, share_revoke, sharing_rights

GRANTEE_TYPES = ("user", "team")


class ShareSerializer(serializers.Serializer):  # type: ignore[type-arg]
    grantee_type = serializers.ChoiceField(choices=GRANTEE_TYPES)
    grantee_id = serializers.IntegerField(min_value=1)
    grantee_name = serializers.CharField(read_only=True)
    level = serializers.ChoiceField(choices=ShareLevel.choices)
    cause = serializers.ChoiceField(choices=ShareCause.choices, read_only=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    granted_by = serializers.IntegerField(read_only=True, allow_null=True)
    granted_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: RecordShare) -> dict[str, Any]:
        kind = "team" if isinstance(instance, AccountTeamShare) else "user"
        return {
            "grantee_type": kind,
            "grantee_id": getattr(instance, f"{kind}_id"),
            "grantee_name": str(instance.grantee),
            "level": instance.level,
            "cause": instance.cause,
            "note": instance.note,
            "granted_by": instance.granted_by_id,
            "granted_at": serializers.DateTimeField().to_representation(instance.granted_at),
        }


class RoleSeesAccounts(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        return isinstance(key, ApiKey) and role_reach(key.role, "accounts", "view") is not None


class AccountSharesView(APIView):
    permission_classes = [RoleSeesAccounts]

    def account_to_share(self, pk: int) -> Account:
        """The account if the key's role sees it (else 404) and may share it (else 403)."""
        account = visible(Account.objects.all(), self.request).filter(pk=pk).first()
        if account is None:
            raise Http404
        key: ApiKey = self.request.auth  # type: ignore[assignment]
        if not sharing_rights(record=account, role=key.role).may_share:
            raise PermissionDenied
        return account


class AccountShareListApi(AccountSharesView):
    serializer_class = ShareSerializer

    @extend_schema(operation_id="accounts_shares_list", responses=ShareSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        account = self.account_to_share(pk)
        return Response([ShareSerializer(share).data for share in share_list(account)])

    @extend_schema(operation_id="accounts_shares_create", request=ShareSerializer, responses=ShareSerializer)
    def post(self, request: Request, pk: int) -> Response:
        account = self.account_to_share(pk)
        serializer = ShareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key: ApiKey = request.auth  # type: ignore[assignment]
        share = share_grant(
            record=account,
            actor=key.created_by,
            role=key.role,
            level=data["level"],
            note=data.get("note", ""),
            **{f"{data['grantee_type']}_id": data["grantee_id"]},
        )
        return Response(ShareSerializer(share).data, status=status.HTTP_201_CREATED)


class AccountShareDetailApi(AccountSharesView):
    @extend_schema(
        operation_id="accounts_shares_destroy",
        parameters=[OpenApiParameter("grantee_type", str, OpenApiParameter.PATH, enum=list(GRANTEE_TYPES))],
        responses={204: None},
    )
    def delete(self, request: Request, pk: int, grantee_type: str, grantee_id: int) -> Response:
        account = self.account_to_share(pk)
        model = {"user": AccountUserShare, "team": AccountTeamShare}.get(grantee_type)
        share = (
            model.objects.filter(content_object=account, **{f"{grantee_type}_id": grantee_id})
            .select_related("permission")
            .first()
            if model is not None
            else None
        )
        if share is None:
            raise Http404
        key: ApiKey = request.auth  # type: ignore[assignment]
        share.content_object = account
        share_revoke(share=share, actor=key.created_by, role=key.role)
        return Response(status=status.HTTP_204_NO_CONTENT)
