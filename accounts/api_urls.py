from django.urls import path

from accounts.api import AccountDetailApi, AccountListApi, ContactDetailApi, ContactListApi
from accounts.shares.api import AccountShareDetailApi, AccountShareListApi

app_name = "accounts-api"

urlpatterns = [
    path("accounts/", AccountListApi.as_view(), name="account-list"),
    path("accounts/<int:pk>/", AccountDetailApi.as_view(), name="account-detail"),
    path("accounts/<int:pk>/shares/", AccountShareListApi.as_view(), name="account-share-list"),
    path(
        "accounts/<int:pk>/shares/<str:grantee_type>/<int:grantee_id>/",
        AccountShareDetailApi.as_view(),
        name="account-share-detail",
    ),
    path("contacts/", ContactListApi.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", ContactDetailApi.as_view(), name="contact-detail"),
]
