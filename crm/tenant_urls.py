"""URLs inside a tenant, served under /t/<slug>/. Domain apps add their pages here."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from crm import views, views_saved
from crm.admin_site import tenant_admin
from governance.views_search import search_results

app_patterns = (
    [
        path("", views.tenant_home, name="home"),
        path("saved-views/new/", views_saved.saved_view_create, name="saved_view_create"),
        path("saved-views/<int:pk>/", views_saved.saved_view_update, name="saved_view_update"),
        path("saved-views/<int:pk>/default/", views_saved.saved_view_default, name="saved_view_default"),
        path("saved-views/<int:pk>/delete/", views_saved.saved_view_delete, name="saved_view_delete"),
    ],
    "crm",
)

urlpatterns = [
    path("", include(app_patterns)),
    path("accounts/", include("accounts.urls")),
    path("imports/", include("accounts.imports.urls")),
    path("duplicates/", include("accounts.dedup.urls")),
    path("leads/", include("leads.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("quotes/", include("opportunities.quotes.urls")),
    path("search/", search_results, name="search"),
    path("admin/", tenant_admin.urls),
    # The shared layout links these by name inside a tenant too.
    path("i18n/setlang/", set_language, name="set_language"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("activities/", include("activities.urls.timeline")),
    path("email/", include("activities.urls.email")),
    path("email/", include("activities.urls.email_review")),
    path("integrations/", include("integrations.urls")),
    path("agenda/", include("activities.urls.agenda")),
    path("integrations/calendar/", include("integrations.urls_caldav")),
    path("notifications/", include("crm.urls_notifications")),
    path("tasks/", include("activities.urls.tasks")),
]

handler404 = "crm.views.not_found"
