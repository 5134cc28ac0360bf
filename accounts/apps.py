from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and contacts")

    def ready(self) -> None:
        from crm import navigation

        navigation.register(
            navigation.NavigationEntry(
                "accounts:account_list", _("Accounts"), permission="accounts.view_account", order=10
            )
        )
        navigation.register(
            navigation.NavigationEntry(
                "accounts:contact_list", _("Contacts"), permission="accounts.view_contact", order=20
            )
        )
        navigation.register(
            navigation.NavigationEntry(
                "imports:import_list", _("Imports"), permission="accounts.add_account", order=30
            )
        )
        # Celery's autodiscovery reads accounts/tasks.py only: load the import task explicitly.
        from accounts.demo import seed_accounts
        from accounts.imports import tasks as _import_tasks  # noqa: F401
        from crm import demo

        demo.register(demo.DemoSeeder("accounts", seed_accounts, order=10))

        from crm.roles import Role
        from governance import field_policies, visibility

        visibility.register_shareable("accounts.account", _("Accounts (and their contacts)"))

        sales = {
            Role.TENANT_ADMIN,
            Role.SALES_DIRECTOR,
            Role.SALES_MANAGER,
            Role.FIELD_SALES_REP,
            Role.INSIDE_SALES_REP,
        }
        # Revenue is finance's business too; the estimated potential is the sales organisation's own.
        field_policies.register(
            "accounts.account", "customer_revenue", read_roles={*sales, Role.FINANCE}, edit_roles=sales
        )
        field_policies.register("accounts.account", "estimated_potential", read_roles=sales, edit_roles=sales)

        from accounts.search import register_search

        register_search()
