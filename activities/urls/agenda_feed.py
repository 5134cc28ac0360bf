"""The public ICS feed of a member's agenda (outside login: the secret in the address is the key)."""

from django.urls import path

from activities.agenda.views import agenda_feed

app_name = "agenda_feed"

urlpatterns = [path("<int:tenant_id>/<str:feed_id>/<str:secret>.ics", agenda_feed, name="feed")]
