"""Import pages, inside a tenant (/t/<slug>/imports/...)."""

from django.urls import path

from accounts.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_upload, name="import_upload"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("<int:pk>/start/", views.import_start, name="import_start"),
    path("<int:pk>/rejects.csv", views.import_rejects, name="import_rejects"),
]
