"""What quotes and the catalogue add to the project's registries, called from OpportunitiesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register_quotes() -> None:
    from crm import demo, navigation
    from crm.roles import Role
    from governance import field_policies
    from opportunities.quotes import admin as _admin  # noqa: F401 - registers the tenant admin pages
    from opportunities.quotes import tasks as _tasks  # noqa: F401 - Celery reads only <app>/tasks.py
    from opportunities.quotes.demo import seed_quotes
    from opportunities.quotes.search import register_quote_search

    navigation.register(
        navigation.NavigationEntry(
            "quotes:quote_list", _("Quotes"), permission="opportunities.view_quote", order=45
        )
    )
    demo.register(demo.DemoSeeder("quotes", seed_quotes, order=60))
    register_quote_search()

    sales = {
        Role.TENANT_ADMIN,
        Role.SALES_DIRECTOR,
        Role.SALES_MANAGER,
        Role.FIELD_SALES_REP,
        Role.INSIDE_SALES_REP,
    }
    managers = {Role.TENANT_ADMIN, Role.SALES_DIRECTOR, Role.SALES_MANAGER}
    # The purchase cost gives away the margin: managers, the director, the admin and finance read it;
    # the catalogue's administrator edits it. Reps sell at the list price without seeing it.
    field_policies.register(
        "opportunities.product",
        "purchase_cost",
        read_roles={*managers, Role.FINANCE},
        edit_roles={Role.TENANT_ADMIN},
    )
    # Discounts are the sales organisation's and finance's business: marketing and support, who may read
    # opportunities, do not see what a customer was granted.
    for model_label, name in (
        ("opportunities.quote", "global_discount_value"),
        ("opportunities.quote", "max_discount_percent"),
        ("opportunities.quoteline", "discount_value"),
    ):
        field_policies.register(model_label, name, read_roles={*sales, Role.FINANCE}, edit_roles=sales)
