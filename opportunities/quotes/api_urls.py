from django.urls import path

from opportunities.quotes import api

app_name = "quotes-api"

urlpatterns = [
    path("products/", api.ProductListApi.as_view(), name="product-list"),
    path("products/<int:pk>/", api.ProductDetailApi.as_view(), name="product-detail"),
    path("price-lists/", api.PriceListListApi.as_view(), name="price-list-list"),
    path("price-lists/<int:pk>/", api.PriceListDetailApi.as_view(), name="price-list-detail"),
    path("quotes/", api.QuoteListApi.as_view(), name="quote-list"),
    path("quotes/<int:pk>/", api.QuoteDetailApi.as_view(), name="quote-detail"),
    path("quotes/<int:pk>/pdf/", api.QuotePdfApi.as_view(), name="quote-pdf"),
    path("quotes/<int:pk>/lines/", api.QuoteLineCreateApi.as_view(), name="quote-line-create"),
    path("quotes/<int:pk>/lines/<int:line_pk>/", api.QuoteLineDetailApi.as_view(), name="quote-line-detail"),
    path(
        "quotes/<int:pk>/lines/<int:line_pk>/remove/",
        api.QuoteLineRemoveApi.as_view(),
        name="quote-line-remove",
    ),
    *[
        path(f"quotes/<int:pk>/{name}/", api.action_view(name), name=f"quote-{name}")
        for name in ("approve", "reject", "send", "accept", "refuse", "new-version")
    ],
]
