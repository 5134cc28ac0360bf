"""The user's calendar sync settings, inside a tenant (/t/<slug>/integrations/calendar/)."""

from django.urls import path

from integrations.caldav import views

app_name = "caldav"

urlpatterns = [
    path("", views.calendar_settings, name="settings"),
    path("test/", views.calendar_test, name="test"),
    path("choose/", views.calendar_choose, name="choose"),
    path("active/", views.calendar_active, name="active"),
    path("sync/", views.calendar_sync_now, name="sync"),
    path("disconnect/", views.calendar_disconnect, name="disconnect"),
]
