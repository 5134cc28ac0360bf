"""One error format for the whole API:

{"error": {"code": "validation_error", "message": "...", "fields": {"name": ["..."]}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """409: the record changed since the caller read it (a stale `version`)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record changed since you read it.")
    default_code = "conflict"


def _first_code(detail: Any) -> str | None:
    if isinstance(detail, exceptions.ErrorDetail):
        return detail.code
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_code(next(iter(detail.values())))
    return None


def _messages(detail: Any) -> list[str]:
    """Error messages as plain strings. A list field's errors arrive keyed by the position of the
    wrong item ({1: ["This field may not be blank."]}): each becomes "1: This field may not be blank."
    instead of the Python representation of the dictionary."""
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail: Any = exc.detail
        fields: dict[str, Any] = {}
        non_field: list[str] = []
        if isinstance(detail, dict):
            for name, messages in detail.items():
                target = non_field if name in ("non_field_errors", "__all__") else fields.setdefault(name, [])
                target.extend(_messages(messages))
        else:
            non_field.extend(str(m) for m in (detail if isinstance(detail, list) else [detail]))
        body = {
            "code": "validation_error",
            "message": non_field[0] if non_field else _("Some fields are invalid."),
            "fields": fields,
        }
        response.data = {"error": body}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
    code = _first_code(detail) or str(getattr(exc, "default_code", None) or "error")
    response.data = {"error": {"code": code, "message": str(detail), "fields": {}}}
    return response
