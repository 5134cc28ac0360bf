from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and contacts")

    def ready(self) -> None:
        # Celery's autodiscovery reads accounts/tasks.py only: the import and duplicate-scan tasks are
        # loaded here. The dedup services also register the merge step that closes merged pairs.
        from accounts.dedup import services as _dedup_services  # noqa: F401
        from accounts.dedup import tasks as _dedup_tasks  # noqa: F401
        from accounts.demo import seed_accounts
        from accounts.imports import tasks as _import_tasks  # noqa: F401
        from accounts.saved_lists import register_saved_lists
        from accounts.search import register_search
        from crm import demo, navigation
        from crm.roles import Role
        from governance import field_policies, visibility

        for url_name, label, permission, order in (
            ("accounts:account_list", _("Accounts"), "accounts.view_account", 10),
            ("accounts:contact_list", _("Contacts"), "accounts.view_contact", 20),
            ("dedup:queue", _("Duplicates"), "accounts.change_account", 25),
            ("imports:import_list", _("Imports"), "accounts.add_account", 30),
        ):
            navigation.register(
                navigation.NavigationEntry(url_name, label, permission=permission, order=order)
            )

        demo.register(demo.DemoSeeder("accounts", seed_accounts, order=10))
        register_saved_lists()
        register_search()
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
