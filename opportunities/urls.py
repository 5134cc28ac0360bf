"""Opportunity pages and the kanban, inside a tenant (/t/<slug>/opportunities/...)."""

from django.urls import path

from opportunities.views import board, pages

app_name = "opportunities"

urlpatterns = [
    path("", pages.opportunity_list, name="opportunity_list"),
    path("new/", pages.opportunity_create, name="opportunity_create"),
    path("<int:pk>/", pages.opportunity_detail, name="opportunity_detail"),
    path("<int:pk>/edit/", pages.opportunity_update, name="opportunity_update"),
    path("<int:pk>/delete/", pages.opportunity_delete, name="opportunity_delete"),
    path("<int:pk>/move/", pages.opportunity_move, name="opportunity_move"),
    path("<int:pk>/contact-roles/", pages.contact_role_add, name="contact_role_add"),
    path(
        "<int:pk>/contact-roles/<int:role_pk>/remove/", pages.contact_role_remove, name="contact_role_remove"
    ),
    path("<int:pk>/products/", pages.product_add, name="product_add"),
    path("<int:pk>/products/<int:product_pk>/remove/", pages.product_remove, name="product_remove"),
    path("board/", board.board_default, name="board_default"),
    path("board/<int:pipeline_pk>/", board.board, name="board"),
    path("board/<int:pipeline_pk>/stages/<int:stage_pk>/more/", board.board_more, name="board_more"),
    path("board/move/<int:pk>/", board.board_move, name="board_move"),
]
