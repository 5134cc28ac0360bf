"""Inbound e-mail pages, inside a tenant (/t/<slug>/email/...)."""

from django.urls import path

from activities.email import review_views as views

app_name = "email_review"

urlpatterns = [
    path("review/", views.review_list, name="review_list"),
    path("messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("messages/<int:pk>/attach/", views.review_attach, name="review_attach"),
    path("messages/<int:pk>/discard/", views.review_discard, name="review_discard"),
    path(
        "messages/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
