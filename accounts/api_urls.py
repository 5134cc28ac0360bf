from django.urls import path

from accounts.api import AccountDetailApi, AccountListApi, ContactDetailApi, ContactListApi

app_name = "accounts-api"

urlpatterns = [
    path("accounts/", AccountListApi.as_view(), name="account-list"),
    path("accounts/<int:pk>/", AccountDetailApi.as_view(), name="account-detail"),
    path("contacts/", ContactListApi.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", ContactDetailApi.as_view(), name="contact-detail"),
]
