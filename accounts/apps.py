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
        from accounts.demo import seed_accounts
        from crm import demo

        demo.register(demo.DemoSeeder("accounts", seed_accounts, order=10))
