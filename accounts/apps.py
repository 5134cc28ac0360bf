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
        from accounts.imports.services import register_kinds as register_import_kinds
        from accounts.saved_lists import register_saved_lists
        from accounts.search import register_search
        from accounts.shares.registry import register_shares
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
        register_import_kinds()
        register_saved_lists()
        register_search()
        visibility.register_shareable("accounts.account", _("Accounts (and their contacts)"))
        register_shares()

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
        # A contact's mobile is often their personal number: the people who call or text customers
        # read it (sales, support, marketing for SMS campaigns); finance does not.
        field_policies.register(
            "accounts.contact",
            "mobile",
            read_roles={
                *sales,
                Role.MARKETING_MANAGER,
                Role.MARKETING_USER,
                Role.SUPPORT_SUPERVISOR,
                Role.SUPPORT_AGENT,
            },
            edit_roles={*sales, Role.MARKETING_MANAGER, Role.SUPPORT_SUPERVISOR, Role.SUPPORT_AGENT},
        )

        register_field_rules()


def register_field_rules() -> None:
    """The fields a tenant may configure (governance.field_rules), their default and allowed rules.
    Fields the model requires stay required; the relationship status of an account is computed; the
    others may be required, optional or synchronised from an integration (an ERP, a marketing tool)."""
    from governance import field_rules

    rule = field_rules.Rule
    configurable = {rule.REQUIRED, rule.OPTIONAL, rule.SYNCHRONISED}
    for model_label, names in (
        ("accounts.account", ("legal_name",)),
        ("accounts.contact", ("first_name", "last_name")),
    ):
        for name in names:
            field_rules.register(model_label, name, default=rule.REQUIRED)
    field_rules.register("accounts.account", "relationship_status", default=rule.COMPUTED)
    # Required by the model but with a default: an ERP or a marketing tool may own them.
    for model_label, names in (
        ("accounts.account", ("account_type", "currency")),
        ("accounts.contact", ("language", "relationship_status")),
    ):
        for name in names:
            field_rules.register(model_label, name, default=rule.REQUIRED, allowed={rule.SYNCHRONISED})
    for name in (
        "trade_name", "legal_form", "siret", "vat_number", "naf_code", "naics_code", "website",
        "revenue_band", "headcount_band", "segment", "origin", "partner", "customer_revenue",
        "estimated_potential", "last_purchase_date",
    ):  # fmt: skip
        field_rules.register("accounts.account", name, default=rule.OPTIONAL, allowed=configurable)
    # A professional e-mail is expected for every contact; a tenant may relax it.
    field_rules.register("accounts.contact", "email", default=rule.REQUIRED, allowed=configurable)
    for name in (
        "salutation", "job_title", "department", "team", "phone", "mobile", "manager", "contact_frequency",
    ):  # fmt: skip
        field_rules.register("accounts.contact", name, default=rule.OPTIONAL, allowed=configurable)
