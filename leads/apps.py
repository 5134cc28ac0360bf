from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from crm import demo, home, navigation
        from crm.roles import Role
        from governance import visibility
        from leads import imports, prerequisites
        from leads.demo import seed_leads
        from leads.home import attention_context
        from leads.models import QUEUE_ROLES
        from leads.search import register_search
        from leads.services.sweeps import MANAGER_ROLES

        navigation.register(
            navigation.NavigationEntry("leads:lead_list", _("Leads"), permission="leads.view_lead", order=15)
        )
        demo.register(demo.DemoSeeder("leads", seed_leads, order=20))
        register_search()
        visibility.register_shareable("leads.lead", _("Leads"))
        prerequisites.register_defaults()
        imports.register()  # the lead kind of the accounts' import job
        home.register(
            home.HomeWidget(
                template="leads/home_attention.html",
                context=attention_context,
                # The people who dispatch and chase leads; reps see the same marks in their list.
                roles=frozenset({*MANAGER_ROLES, *QUEUE_ROLES, Role.TENANT_ADMIN}),
                order=40,
            )
        )
