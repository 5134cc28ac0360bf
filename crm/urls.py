"""Platform URLs. Tenant pages are in crm/tenant_urls.py, mounted at /t/<slug>/ by TenantMiddleware."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language

from crm import views
from crm.forms import EmailAuthenticationForm, InvitationAwarePasswordResetForm

urlpatterns = [
    path("", views.landing, name="landing"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=InvitationAwarePasswordResetForm),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    # Project routing: the kernel's API base, then each domain's resources.
    path("api/v1/", include("crm.api.urls")),
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("leads.api_urls")),
    # Web-to-lead, public: the tenant is the slug of the address (leads.public_views).
    path("forms/", include("leads.public_urls")),
    path("api/v1/", include("opportunities.api_urls")),
    path("api/v1/", include("opportunities.quotes.api_urls")),
    path("api/v1/", include("activities.api_urls")),
    path("api/v1/", include("activities.email.api_urls")),
    path("api/v1/", include("activities.agenda.api_urls")),
    # The agenda's ICS feed, public: the tenant id and the secret of the address (activities.agenda).
    path("ical/", include("activities.urls.agenda_feed")),
    path("api/v1/", include("activities.urls.tasks_api")),
    # /t/<slug> without its slash, or any unknown tenant path: CommonMiddleware appends the slash,
    # and TenantMiddleware answers 404 for tenants the user does not belong to.
    re_path(r"^t/[^/]+/.*$", views.not_found),
]

handler404 = "crm.views.not_found"
