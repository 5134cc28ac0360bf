"""Integration pages, inside a tenant (/t/<slug>/integrations/...)."""

from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("mailboxes/", views.mailbox_status, name="mailbox_status"),
    path("mailboxes/<int:pk>/poll/", views.mailbox_poll_now, name="mailbox_poll_now"),
]
