from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from crm.api.views import MeView

app_name = "api"

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="docs",
    ),
]
