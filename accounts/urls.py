"""Account and contact pages, inside a tenant (/t/<slug>/accounts/...)."""

from django.urls import path

from accounts import addresses, deletion_views, export_views, history_views, views
from accounts.contact_merge_views import contact_merge_view
from accounts.merge_views import account_merge_view
from accounts.shares import views as share_views
from accounts.views_inline import account_inline, contact_inline

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("export/<str:file_format>/", export_views.account_export, name="account_export"),
    path("contacts/export/<str:file_format>/", export_views.contact_export, name="contact_export"),
    path("new/", views.account_create, name="account_create"),
    path("<int:pk>/", views.account_detail, name="account_detail"),
    path("<int:pk>/edit/", views.account_update, name="account_update"),
    path("<int:pk>/delete/", deletion_views.account_delete, name="account_delete"),
    path("<int:pk>/addresses/new/", addresses.address_create, name="address_create"),
    path("<int:pk>/addresses/<int:address_pk>/", addresses.address_update, name="address_update"),
    path("<int:pk>/addresses/<int:address_pk>/remove/", addresses.address_remove, name="address_remove"),
    path("<int:pk>/merge/", account_merge_view, name="account_merge"),
    path("<int:pk>/history/<int:history_id>/restore/", history_views.account_revert, name="account_revert"),
    path("<int:pk>/shares/", share_views.account_share_add, name="account_share_add"),
    path(
        "<int:pk>/shares/<str:kind>/<int:share_pk>/remove/",
        share_views.account_share_remove,
        name="account_share_remove",
    ),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_update, name="contact_update"),
    path("contacts/<int:pk>/delete/", deletion_views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/merge/", contact_merge_view, name="contact_merge"),
    path(
        "contacts/<int:pk>/history/<int:history_id>/restore/",
        history_views.contact_revert,
        name="contact_revert",
    ),
    path("contacts/<int:pk>/consents/", views.contact_consent_record, name="contact_consent_record"),
    # Inline edit of one field (htmx); the edit pages above stay the way without JavaScript.
    path("<int:pk>/edit/<str:field>/", account_inline, name="account_inline"),
    path("contacts/<int:pk>/edit/<str:field>/", contact_inline, name="contact_inline"),
]
