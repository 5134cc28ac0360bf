from django.urls import path

from activities.email import api

app_name = "email-api"

urlpatterns = [
    path("email-templates/", api.EmailTemplateListApi.as_view(), name="template-list"),
    path("email-templates/<int:pk>/", api.EmailTemplateDetailApi.as_view(), name="template-detail"),
    path("emails/send/", api.EmailSendApi.as_view(), name="send"),
]
