"""The agenda, inside a tenant (/t/<slug>/agenda/...)."""

from django.urls import path

from activities.agenda import views

app_name = "agenda"

urlpatterns = [
    path("", views.agenda_calendar, {"view": "week"}, name="calendar"),
    path("day/", views.agenda_calendar, {"view": "day"}, name="day"),
    path("week/", views.agenda_calendar, {"view": "week"}, name="week"),
    path("month/", views.agenda_calendar, {"view": "month"}, name="month"),
    path("team/", views.agenda_team, name="team"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("settings/", views.agenda_settings, name="settings"),
    path("settings/feed/", views.feed_regenerate, name="feed_regenerate"),
    path("settings/feed/revoke/", views.feed_revoke, name="feed_revoke"),
    path("import/", views.agenda_import, name="import"),
]
