"""The duplicates queue, inside a tenant (/t/<slug>/duplicates/...)."""

from django.urls import path

from accounts.dedup import views

app_name = "dedup"

urlpatterns = [
    path("", views.candidate_queue, name="queue"),
    path("<int:pk>/dismiss/", views.candidate_dismiss, name="dismiss"),
]
