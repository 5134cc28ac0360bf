from django.urls import path

from activities.api import ActivityDetailApi, ActivityListApi, ActivityTypeListApi

app_name = "activities-api"

urlpatterns = [
    path("activities/", ActivityListApi.as_view(), name="activity-list"),
    path("activities/<int:pk>/", ActivityDetailApi.as_view(), name="activity-detail"),
    path("activity-types/", ActivityTypeListApi.as_view(), name="activity-type-list"),
]
