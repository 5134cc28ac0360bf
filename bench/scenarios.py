"""The benchmark scenarios: what is requested, as whom, and the hand-written SQL that is its floor.

`HTTP_SCENARIOS` and `JOB_SCENARIOS` are registries: a later issue adds its pages (pipeline kanban,
dashboards) with one `HttpScenario(...)` entry, and its batch jobs (the SLA sweep) with one `JobScenario`.

A scenario's paths are chosen from the database before the run (random accounts the role may see), so
the load generator never guesses ids. Its SQL floor is the best single statement returning the page's
data: hand-written SELECT, ORDER BY and LIMIT; the record visibility of the role is compiled from the
same rule the application applies (`visible_to`), since that predicate *is* the page's definition.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accounts.filters import OwnerScope
from accounts.models import Account, Address, Contact
from accounts.views import PAGE_SIZE
from bench.base import Context, HttpScenario, JobScenario, Statement
from bench.jobs import duplicate_scan_job, import_job
from bench.scenarios_activities import SCENARIOS as ACTIVITY_SCENARIOS
from crm.models import Membership
from crm.pagination import encode_cursor
from governance import search
from governance.visibility import owned_by_me_or_below, role_predicate

# The deep page at each profile: page 2000 of the large tenant, the same depth ratio below it.
DEEP_PAGE = {"tiny": 5, "small": 200, "large": 2000}
API_KEY_ROLE = "sales_director"  # company-wide reader: an API key of another role sees nothing
SEARCH_TERMS = {
    # A word most generated names contain, one that a few contain, an accented one, a typo.
    "common": "societe",
    "rare": "",  # filled from the data: the legal name of one random account
    "accented": "énergie",
    "typo": "bouangerie",
}


# SQL helpers --------------------------------------------------------------------------------------


def predicate(queryset: QuerySet[Any]) -> Statement:
    """The WHERE clause of `queryset` over its own table (no alias), e.g. the visibility of a role."""
    compiler = queryset.query.get_compiler(connection=connection)
    where, params = compiler.compile(queryset.query.where)
    return (where or "TRUE"), list(params)


def table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# Accounts -----------------------------------------------------------------------------------------


def _account_page_sql(where: Statement, *, order: str, after: Statement | None = None) -> Statement:
    accounts, addresses, users = table(Account), table(Address), table(Membership.user.field.related_model)
    sql, params = where
    if after is not None:
        sql, params = f"({sql}) AND {after[0]}", [*params, *after[1]]
    return (
        f"SELECT {accounts}.id, {accounts}.legal_name, {accounts}.siren, {accounts}.account_type,"
        f" {users}.full_name,"
        f" (SELECT city FROM {addresses} WHERE {addresses}.account_id = {accounts}.id"
        f"   AND {addresses}.kind = %s LIMIT 1)"
        f" FROM {accounts} LEFT JOIN {users} ON {users}.id = {accounts}.owner_id"
        f" WHERE {sql} ORDER BY {order} LIMIT {PAGE_SIZE + 1}",
        [Address.Kind.HEAD_OFFICE.value, *params],
    )


def account_list_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/accounts/"]


def account_list_floor(context: Context, paths: list[str]) -> list[Statement]:
    where = predicate(context.visible_accounts("field_sales_rep"))
    order = f"{table(Account)}.legal_name, {table(Account)}.id"
    return [_account_page_sql(where, order=order)]


def _deep_row(context: Context) -> Account:
    visible = context.visible_accounts("tenant_admin").order_by("legal_name", "id")
    count = visible.count()
    page = max(1, min(DEEP_PAGE.get(context.profile, 5), count // PAGE_SIZE - 1))
    row = visible.only("legal_name", "id")[page * PAGE_SIZE - 1 : page * PAGE_SIZE].first()
    if row is None:
        raise LookupError("not enough accounts for a deep page")
    return row


def deep_page_paths(context: Context) -> list[str]:
    row = _deep_row(context)
    return [f"{context.prefix}/accounts/?after={encode_cursor([row.legal_name, row.pk])}"]


def deep_page_floor(context: Context, paths: list[str]) -> list[Statement]:
    row = _deep_row(context)
    accounts = table(Account)
    after = (f"({accounts}.legal_name, {accounts}.id) > (%s, %s)", [row.legal_name, row.pk])
    where = predicate(context.visible_accounts("tenant_admin"))
    return [_account_page_sql(where, order=f"{accounts}.legal_name, {accounts}.id", after=after)]


FILTERED_QUERY = f"account_type=customer&owner={OwnerScope.TEAM}&sort=-created"


def filtered_list_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/accounts/?{FILTERED_QUERY}"]


def filtered_list_floor(context: Context, paths: list[str]) -> list[Statement]:
    membership = context.memberships["sales_manager"]
    queryset = (
        Account.objects.visible_to(membership)
        .filter(owned_by_me_or_below(membership))
        .filter(account_type=Account.Type.CUSTOMER)
    )
    accounts = table(Account)
    return [_account_page_sql(predicate(queryset), order=f"{accounts}.created_at DESC, {accounts}.id DESC")]


def contact_list_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/accounts/contacts/"]


def contact_list_floor(context: Context, paths: list[str]) -> list[Statement]:
    contacts, accounts = table(Contact), table(Account)
    where, params = predicate(context.visible_accounts("sales_director"))
    return [
        (
            f"SELECT {contacts}.id, {contacts}.first_name, {contacts}.last_name, {contacts}.email,"
            f" {accounts}.legal_name FROM {contacts} JOIN {accounts} ON {accounts}.id = {contacts}.account_id"
            f" WHERE {where} ORDER BY {contacts}.last_name, {contacts}.first_name, {contacts}.id"
            f" LIMIT {PAGE_SIZE + 1}",
            params,
        )
    ]


def _ids_of(paths: list[str]) -> list[int]:
    return [int(path.rstrip("/").split("?")[0].rsplit("/", 1)[1]) for path in paths]


def account_detail_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/accounts/{pk}/" for pk in context.sample_account_ids("field_sales_rep")]


def _account_row_sql(context: Context, pk: int, role: str) -> Statement:
    accounts, contacts = table(Account), table(Contact)
    where, params = predicate(context.visible_accounts(role))
    return (
        f"SELECT {accounts}.*, (SELECT count(*) FROM {contacts} WHERE {contacts}.account_id = {accounts}.id)"
        f" FROM {accounts} WHERE {accounts}.id = %s AND {where}",
        [pk, *params],
    )


def account_detail_floor(context: Context, paths: list[str]) -> list[Statement]:
    return [_account_row_sql(context, pk, "field_sales_rep") for pk in _ids_of(paths)]


TABS = ("contacts", "group", "history")


def account_tabs_paths(context: Context) -> list[str]:
    ids = context.sample_account_ids("field_sales_rep")
    return [f"{context.prefix}/accounts/{pk}/?tab={TABS[index % len(TABS)]}" for index, pk in enumerate(ids)]


def account_tabs_floor(context: Context, paths: list[str]) -> list[Statement]:
    """The account row plus the rows of the tab: its contacts, subsidiaries, or last history entries."""
    contacts, accounts = table(Contact), table(Account)
    history = connection.ops.quote_name(Account.history.model._meta.db_table)  # type: ignore[attr-defined]
    statements = []
    for path in paths:
        pk = int(path.split("/accounts/")[1].split("/")[0])
        tab = path.rsplit("=", 1)[1]
        row_sql, row_params = _account_row_sql(context, pk, "field_sales_rep")
        if tab == "contacts":
            tab_sql = (
                f"SELECT id, first_name, last_name, email FROM {contacts} WHERE account_id = %s"
                " ORDER BY last_name, first_name, id"
            )
        elif tab == "group":
            tab_sql = f"SELECT id, legal_name FROM {accounts} WHERE parent_id = %s ORDER BY legal_name"
        else:
            tab_sql = (
                f"SELECT * FROM {history} WHERE id = %s ORDER BY history_date DESC, history_id DESC LIMIT 51"
            )
        # One statement: the floor is one round trip.
        statements.append((f"SELECT * FROM ({row_sql}) r, LATERAL ({tab_sql}) t", [*row_params, pk]))
    return statements


# Search -------------------------------------------------------------------------------------------


def _search_term(context: Context, kind: str) -> str:
    if kind == "rare":
        # The same account at every run of a data set: the middle one of the manager's, by id.
        visible = context.visible_accounts("sales_manager").order_by("id")
        names = visible.values_list("legal_name", flat=True)
        return str(names[visible.count() // 2] if visible.exists() else "introuvable")
    return SEARCH_TERMS[kind]


def _search_scenario(kind: str) -> HttpScenario:
    def paths(context: Context) -> list[str]:
        from urllib.parse import urlencode

        return [f"{context.prefix}/search/?{urlencode({'q': _search_term(context, kind)})}"]

    def floor(context: Context, paths: list[str]) -> list[Statement]:
        from urllib.parse import parse_qs, urlsplit

        from crm.tenancy import tenant_scope

        term = parse_qs(urlsplit(paths[0]).query)["q"][0]
        membership = context.memberships["sales_manager"]
        # The role's permissions are those of its membership in the current scope (crm.models.User):
        # outside it the member may read no type, and the function would return nothing at once.
        with tenant_scope(context.tenant, membership=membership):
            types = search.types_for(membership.user)
        if not types:
            raise LookupError("the search role may read no searchable type")
        return [
            (
                "SELECT object_type, object_id, title, subtitle, score"
                " FROM crm_search_page(%s, %s::text[], %s, 0)",
                [term, types, search.CANDIDATES],
            )
        ]

    return HttpScenario(
        name=f"search_{kind}",
        description=f"global search, {kind} term",
        role="sales_manager",
        target="search",
        paths=paths,
        floor=floor,
    )


# API ----------------------------------------------------------------------------------------------


def _api_where(context: Context) -> Statement:
    rule = role_predicate(API_KEY_ROLE)
    if rule is None:
        raise LookupError(f"an API key of role {API_KEY_ROLE} sees nothing")
    return predicate(Account.objects.filter(rule))


def api_list_paths(context: Context) -> list[str]:
    return ["/api/v1/accounts/"]


def api_list_floor(context: Context, paths: list[str]) -> list[Statement]:
    accounts = table(Account)
    where, params = _api_where(context)
    return [(f"SELECT * FROM {accounts} WHERE {where} ORDER BY id DESC LIMIT 51", params)]


def api_detail_paths(context: Context) -> list[str]:
    return [f"/api/v1/accounts/{pk}/" for pk in context.sample_account_ids("sales_director")]


def api_detail_floor(context: Context, paths: list[str]) -> list[Statement]:
    accounts = table(Account)
    where, params = _api_where(context)
    return [(f"SELECT * FROM {accounts} WHERE id = %s AND {where}", [pk, *params]) for pk in _ids_of(paths)]


# Opportunities (the kanban and the list) ----------------------------------------------------------

# The kanban shows this many cards per column before its "more" link (opportunities.views.board).
BOARD_CARDS = 20
OPPORTUNITY_FILTERED_QUERY = f"status=open&owner={OwnerScope.TEAM}"


def _opportunity_tables() -> tuple[str, str, str, str]:
    from opportunities.models import Opportunity, Stage

    return table(Opportunity), table(Account), table(Stage), table(Membership.user.field.related_model)


def _visible_opportunities(context: Context, role: str) -> QuerySet[Any]:
    from opportunities.models import Opportunity

    return Opportunity.objects.visible_to(context.memberships[role])  # type: ignore[attr-defined,no-any-return]


def _default_pipeline(context: Context) -> int:
    from opportunities.models import Pipeline

    pipeline = Pipeline.objects.filter(is_default=True).values_list("pk", flat=True).first()
    if pipeline is None:
        raise LookupError(f"{context.tenant.slug} has no default pipeline (generate the benchmark data)")
    return int(pipeline)


def board_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/opportunities/board/{_default_pipeline(context)}/"]


def _board_floor(context: Context, role: str) -> list[Statement]:
    """Each stage's first cards (soonest close first) and its totals: count, amount, weighted amount."""
    opportunities, accounts, stages, _users = _opportunity_tables()
    pipeline = _default_pipeline(context)
    where, params = predicate(_visible_opportunities(context, role))
    visible = f"{opportunities}.pipeline_id = %s AND ({where})"
    # The totals need the account only when the role's visibility goes through its territory.
    account_join = (
        f" JOIN {accounts} ON {accounts}.id = {opportunities}.account_id" if accounts in where else ""
    )
    return [
        (
            f"SELECT totals.stage_id, totals.n, totals.amount, totals.weighted, cards.ids"
            f" FROM (SELECT {opportunities}.stage_id, count(*) AS n, sum({opportunities}.amount) AS amount,"
            f"   sum({opportunities}.amount * {opportunities}.probability / 100) AS weighted"
            f"   FROM {opportunities}{account_join}"
            f"   WHERE {visible} GROUP BY {opportunities}.stage_id) totals"
            f" JOIN {stages} ON {stages}.id = totals.stage_id"
            f" CROSS JOIN LATERAL (SELECT array_agg(card.id) AS ids FROM ("
            f"   SELECT {opportunities}.id, {opportunities}.name, {opportunities}.amount,"
            f"   {opportunities}.expected_close_date, {accounts}.legal_name"
            f"   FROM {opportunities} JOIN {accounts} ON {accounts}.id = {opportunities}.account_id"
            f"   WHERE {visible} AND {opportunities}.stage_id = totals.stage_id"
            f"   ORDER BY {opportunities}.expected_close_date, {opportunities}.id"
            f"   LIMIT {BOARD_CARDS + 1}) card"
            f" ) cards ORDER BY {stages}.position",
            [pipeline, *params, pipeline, *params],
        )
    ]


def _opportunity_page_sql(where: Statement) -> Statement:
    opportunities, accounts, stages, users = _opportunity_tables()
    sql, params = where
    return (
        f"SELECT {opportunities}.id, {opportunities}.name, {opportunities}.amount, {opportunities}.currency,"
        f" {opportunities}.probability, {opportunities}.expected_close_date, {accounts}.legal_name,"
        f" {stages}.name, {users}.full_name"
        f" FROM {opportunities} JOIN {accounts} ON {accounts}.id = {opportunities}.account_id"
        f" JOIN {stages} ON {stages}.id = {opportunities}.stage_id"
        f" LEFT JOIN {users} ON {users}.id = {opportunities}.owner_id"
        f" WHERE {sql} ORDER BY {opportunities}.expected_close_date, {opportunities}.id"
        f" LIMIT {PAGE_SIZE + 1}",
        params,
    )


def opportunity_list_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/opportunities/"]


def opportunity_list_floor(context: Context, paths: list[str]) -> list[Statement]:
    return [_opportunity_page_sql(predicate(_visible_opportunities(context, "field_sales_rep")))]


def opportunity_filtered_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/opportunities/?{OPPORTUNITY_FILTERED_QUERY}"]


def opportunity_filtered_floor(context: Context, paths: list[str]) -> list[Statement]:
    membership = context.memberships["sales_manager"]
    queryset = (
        _visible_opportunities(context, "sales_manager")
        .filter(owned_by_me_or_below(membership))
        .filter(stage__outcome="open")
    )
    return [_opportunity_page_sql(predicate(queryset))]


# Leads --------------------------------------------------------------------------------------------


def lead_list_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/leads/"]


def _lead_list_floor(context: Context, role: str) -> list[Statement]:
    from leads.models import Lead, LeadSource

    leads, sources, users = table(Lead), table(LeadSource), table(Membership.user.field.related_model)
    where, params = predicate(Lead.objects.visible_to(context.memberships[role]))  # type: ignore[attr-defined]
    return [
        (
            f"SELECT {leads}.id, {leads}.first_name, {leads}.last_name, {leads}.company_name, {leads}.email,"
            f" {leads}.status, {leads}.score, {leads}.first_contact_due_at, {leads}.created_at,"
            f" {sources}.name, {users}.full_name"
            f" FROM {leads} LEFT JOIN {sources} ON {sources}.id = {leads}.source_id"
            f" LEFT JOIN {users} ON {users}.id = {leads}.owner_id"
            f" WHERE {where} ORDER BY {leads}.created_at DESC, {leads}.id DESC LIMIT {PAGE_SIZE + 1}",
            params,
        )
    ]


# Registries ---------------------------------------------------------------------------------------

# The framework floor: not a scenario of the table, the denominator of every ratio (crm/bench_mode.py).
FLOOR_ROLE = "field_sales_rep"


def floor_paths(context: Context) -> list[str]:
    return [f"{context.prefix}/__bench__/floor/"]


HTTP_SCENARIOS: dict[str, HttpScenario] = {
    scenario.name: scenario
    for scenario in [
        HttpScenario(
            "account_list",
            "account list, page 1",
            "field_sales_rep",
            "list",
            account_list_paths,
            account_list_floor,
        ),
        HttpScenario(
            "account_list_deep",
            "account list, deep page (keyset cursor)",
            "tenant_admin",
            "list",
            deep_page_paths,
            deep_page_floor,
        ),
        HttpScenario(
            "account_list_filtered",
            "account list, customers of my team, newest first",
            "sales_manager",
            "list",
            filtered_list_paths,
            filtered_list_floor,
        ),
        HttpScenario(
            "contact_list",
            "contact list, page 1",
            "sales_director",
            "list",
            contact_list_paths,
            contact_list_floor,
        ),
        HttpScenario(
            "account_detail",
            "account detail, overview tab",
            "field_sales_rep",
            "detail",
            account_detail_paths,
            account_detail_floor,
        ),
        HttpScenario(
            "account_tabs",
            "account detail, contacts / group / history tabs",
            "field_sales_rep",
            "detail",
            account_tabs_paths,
            account_tabs_floor,
        ),
        HttpScenario(
            "opportunity_board",
            "opportunity kanban, default pipeline",
            "field_sales_rep",
            "list",
            board_paths,
            lambda context, paths: _board_floor(context, "field_sales_rep"),
        ),
        HttpScenario(
            "opportunity_board_director",
            "opportunity kanban, default pipeline, whole company",
            "sales_director",
            "list",
            board_paths,
            lambda context, paths: _board_floor(context, "sales_director"),
        ),
        HttpScenario(
            "opportunity_list",
            "opportunity list, page 1",
            "field_sales_rep",
            "list",
            opportunity_list_paths,
            opportunity_list_floor,
        ),
        HttpScenario(
            "opportunity_list_filtered",
            "opportunity list, open ones of my team",
            "sales_manager",
            "list",
            opportunity_filtered_paths,
            opportunity_filtered_floor,
        ),
        HttpScenario(
            "lead_list",
            "lead list, page 1",
            "field_sales_rep",
            "list",
            lead_list_paths,
            lambda context, paths: _lead_list_floor(context, "field_sales_rep"),
        ),
        HttpScenario(
            "lead_list_manager",
            "lead list, page 1, my team and the unassigned queue",
            "sales_manager",
            "list",
            lead_list_paths,
            lambda context, paths: _lead_list_floor(context, "sales_manager"),
        ),
        *(_search_scenario(kind) for kind in SEARCH_TERMS),
        HttpScenario("api_list", "API account list", "api", "api", api_list_paths, api_list_floor),
        HttpScenario("api_detail", "API account detail", "api", "api", api_detail_paths, api_detail_floor),
        *ACTIVITY_SCENARIOS,
    ]
}


JOB_SCENARIOS: dict[str, JobScenario] = {
    scenario.name: scenario
    for scenario in [
        JobScenario("duplicate_scan", "nightly duplicate scan of the main tenant", duplicate_scan_job),
        JobScenario("import", "account import (CSV) with duplicates, through the import job", import_job),
    ]
}
