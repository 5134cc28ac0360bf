"""The public web-to-lead endpoint (outside login): /forms/<tenant slug>/<form key>/."""

from django.urls import path

from leads.public_views import web_form_endpoint

app_name = "webforms"

urlpatterns = [path("<slug:tenant_slug>/<slug:key>/", web_form_endpoint, name="submit")]
