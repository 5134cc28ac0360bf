from django.urls import path

from leads.api import (
    LeadConvertApi,
    LeadDetailApi,
    LeadDisqualifyApi,
    LeadFirstContactApi,
    LeadListApi,
    LeadQualifyApi,
)

app_name = "leads-api"

urlpatterns = [
    path("leads/", LeadListApi.as_view(), name="lead-list"),
    path("leads/<int:pk>/", LeadDetailApi.as_view(), name="lead-detail"),
    path("leads/<int:pk>/first-contact/", LeadFirstContactApi.as_view(), name="lead-first-contact"),
    path("leads/<int:pk>/qualify/", LeadQualifyApi.as_view(), name="lead-qualify"),
    path("leads/<int:pk>/disqualify/", LeadDisqualifyApi.as_view(), name="lead-disqualify"),
    path("leads/<int:pk>/convert/", LeadConvertApi.as_view(), name="lead-convert"),
]
