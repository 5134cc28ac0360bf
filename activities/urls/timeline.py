"""Activity pages and timelines, inside a tenant (/t/<slug>/activities/...)."""

from django.urls import path

from activities.views import records, timeline

app_name = "activities"

urlpatterns = [
    path("", records.activity_list, name="activity_list"),
    path("new/", records.activity_create_view, name="activity_create"),
    path("<int:pk>/", records.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", records.activity_update_view, name="activity_update"),
    path("<int:pk>/delete/", records.activity_delete_view, name="activity_delete"),
    path("timeline/<str:kind>/<int:pk>/", timeline.timeline, name="timeline"),
]
