from django.urls import path

from activities.agenda.api import CalendarEventListApi

app_name = "agenda-api"

urlpatterns = [path("calendar-events/", CalendarEventListApi.as_view(), name="calendar-event-list")]
