"""Quote and catalogue pages, inside a tenant (/t/<slug>/quotes/...)."""

from django.urls import path

from opportunities.quotes import views

app_name = "quotes"

urlpatterns = [
    path("", views.quote_list, name="quote_list"),
    path("products/", views.product_list, name="product_list"),
    path("new/<int:opportunity_pk>/", views.quote_create, name="quote_create"),
    path("<int:pk>/", views.quote_detail, name="quote_detail"),
    path("<int:pk>/header/", views.quote_header, name="quote_header"),
    path("<int:pk>/lines/", views.quote_line_add, name="quote_line_add"),
    path("<int:pk>/lines/<int:line_pk>/", views.quote_line_update, name="quote_line_update"),
    path("<int:pk>/lines/<int:line_pk>/remove/", views.quote_line_remove, name="quote_line_remove"),
    path("<int:pk>/pdf/", views.quote_pdf_download, name="quote_pdf"),
    path("<int:pk>/<str:action>/", views.quote_action, name="quote_action"),
]
