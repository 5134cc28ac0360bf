"""The calendar as an API resource: `GET /api/v1/calendar-events/?start=&end=[&owner=]`.

Meetings and calls (planned or done) overlapping a range of at most 92 days, soonest first, paged like
every list of the API. A key sees the events of the records its role reaches (activities.api); a
private event it may not read comes back as a "busy" block: times only, no subject, place or links.
Writing goes through `/api/v1/activities/` (an event is an activity of a meeting or call type).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import visible
from activities.agenda.selectors import AGENDA_KINDS, AGENDA_STATUSES
from activities.api import ActivitiesRoleAllows, _date_filter, activities_for
from activities.models import Activity

MAX_RANGE = timedelta(days=92)


class CalendarEventSerializer(serializers.ModelSerializer):
    busy = serializers.SerializerMethodField()
    type_code = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()  # type: ignore[assignment]
    account = serializers.SerializerMethodField()
    opportunity = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id", "uid", "sequence", "busy", "type_code", "title", "starts_at", "ends_at", "all_day",
            "location", "status", "owner", "account", "opportunity", "updated_at",
        ]  # fmt: skip

    def _readable(self, obj: Activity) -> bool:
        return obj.pk in self.context["readable"]

    def get_busy(self, obj: Activity) -> bool:
        return not self._readable(obj)

    def get_type_code(self, obj: Activity) -> str | None:
        return obj.type.code if self._readable(obj) else None

    def get_title(self, obj: Activity) -> str:
        return obj.subject if self._readable(obj) else str(_("Busy"))

    def get_location(self, obj: Activity) -> str:
        return obj.location if self._readable(obj) else ""

    def get_account(self, obj: Activity) -> int | None:
        return obj.account_id if self._readable(obj) else None

    def get_opportunity(self, obj: Activity) -> int | None:
        return obj.opportunity_id if self._readable(obj) else None


@extend_schema_view(
    get=extend_schema(
        operation_id="calendar_events_list",
        parameters=[
            OpenApiParameter(
                "start", OpenApiTypes.DATETIME, required=True, description="Range start (ISO 8601)."
            ),
            OpenApiParameter(
                "end", OpenApiTypes.DATETIME, required=True, description="Range end, at most 92 days later."
            ),
            OpenApiParameter("owner", OpenApiTypes.INT, description="Only this user's events."),
        ],
    )
)
class CalendarEventListApi(generics.ListAPIView):
    serializer_class = CalendarEventSerializer
    permission_classes = [ActivitiesRoleAllows]
    http_method_names = ["get", "head", "options"]

    def _range(self) -> tuple[Any, Any]:
        params = self.request.query_params
        if not params.get("start") or not params.get("end"):
            raise ValidationError({"start": _("Give the start and end of the range.")})
        start, end = _date_filter(params["start"], "start"), _date_filter(params["end"], "end")
        if end <= start:
            raise ValidationError({"end": _("The end must come after the start.")})
        if end - start > MAX_RANGE:
            raise ValidationError({"end": _("Ask for at most 92 days at a time.")})
        return start, end

    def get_queryset(self) -> QuerySet[Activity]:
        start, end = self._range()
        # Every event of the records the key's role reaches, private ones included (shown as busy).
        queryset = visible(Activity.objects.all(), self.request).filter(
            Q(starts_at__lt=end) & (Q(starts_at__gte=start) | Q(ends_at__gt=start)),
            type__kind__in=AGENDA_KINDS,
            status__in=AGENDA_STATUSES,
        )
        owner = self.request.query_params.get("owner")
        if owner is not None:
            if not owner.isdigit():
                raise ValidationError({"owner": _("A valid integer is required.")})
            queryset = queryset.filter(owner_id=int(owner))
        return queryset.select_related("type").order_by("starts_at", "id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        # One query: which of these events the key may read in full (the others are busy blocks).
        readable = set(
            activities_for(request).filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True)
        )
        data = CalendarEventSerializer(rows, many=True, context={"readable": readable}).data
        return self.get_paginated_response(data) if page is not None else Response(data)
