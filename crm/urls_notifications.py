"""The notification centre, inside a tenant (/t/<slug>/notifications/...)."""

from django.urls import path

from crm import views_notifications as views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path("preferences/", views.notification_preferences, name="notification_preferences"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
]
