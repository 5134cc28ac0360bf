"""Outbound e-mail pages, inside a tenant (/t/<slug>/email/...)."""

from django.urls import path

from activities.email import views

app_name = "email"

urlpatterns = [
    path("compose/", views.compose, name="compose"),
    path("sent/<int:pk>/", views.outbound_detail, name="outbound_detail"),
    path("sent/<int:pk>/retry/", views.outbound_retry, name="outbound_retry"),
]
