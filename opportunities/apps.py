from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from crm import demo, home, navigation, panels, saved_views
        from governance import sharing, visibility
        from opportunities.demo import seed_opportunities
        from opportunities.filters import OpportunityFilter
        from opportunities.home import overdue_context
        from opportunities.merge_movers import register_movers
        from opportunities.panels import account_opportunities
        from opportunities.quotes.setup import register_quotes
        from opportunities.search import register_search
        from opportunities.views.pages import OPPORTUNITY_LIST_KEY

        for url_name, label, order in (
            ("opportunities:opportunity_list", _("Opportunities"), 40),
            ("opportunities:board_default", _("Kanban"), 41),
        ):
            navigation.register(
                navigation.NavigationEntry(
                    url_name, label, permission="opportunities.view_opportunity", order=order
                )
            )
        saved_views.register_list(
            saved_views.SavedList(
                key=OPPORTUNITY_LIST_KEY,
                label=_("Opportunities"),
                url_name="opportunities:opportunity_list",
                permission="opportunities.view_opportunity",
                filterset=lambda data, membership: OpportunityFilter(data, membership=membership),
            )
        )
        register_search()
        register_movers()
        # Sharing settings (team rules, organisation-wide default, manual shares) apply to them.
        visibility.register_shareable("opportunities.opportunity", _("Opportunities"))
        sharing.register_inherited_shares(
            "opportunities.opportunity", shared_label="accounts.account", field="account"
        )
        home.register(home.HomeWidget("opportunities/home_overdue.html", overdue_context, order=30))
        panels.register(
            panels.RecordPanel(
                "accounts.account", "opportunities/account_panel.html", account_opportunities, order=10
            )
        )
        demo.register(demo.DemoSeeder("opportunities", seed_opportunities, order=30))
        # No field policy: the amount and probability are the sales organisation's working data, read by
        # every role that reads opportunities (finance included); margins and discounts live on quotes.
        register_quotes()
