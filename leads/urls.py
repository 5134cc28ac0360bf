"""Lead pages, inside a tenant (/t/<slug>/leads/...)."""

from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("new/", views.lead_create, name="lead_create"),
    path("<int:pk>/", views.lead_detail, name="lead_detail"),
    path("<int:pk>/edit/", views.lead_update, name="lead_update"),
    path("<int:pk>/first-contact/", views.lead_first_contact, name="lead_first_contact"),
    path("<int:pk>/qualification/", views.lead_qualification, name="lead_qualification"),
    path("<int:pk>/qualify/", views.lead_qualify, name="lead_qualify"),
    path("<int:pk>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("<int:pk>/assign/", views.lead_assign, name="lead_assign"),
    path("<int:pk>/convert/", views.lead_convert, name="lead_convert"),
]
