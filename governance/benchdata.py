"""Benchmark territories and teams of the main tenant.

A five-level territory tree: France > régions > départements > secteurs > micro-secteurs, a
micro-secteur being a three-digit postal-code prefix of the towns where the accounts are (the accounts
generator writes one TerritoryRule per micro-secteur and puts each account in the micro-secteur of its
head office). Every sales rep is a member of one or more micro-secteurs, and the accounts of a
micro-secteur are owned by its reps, so a rep's territory and her own accounts agree. Each manager
leads a team of the reps who report to her, under the director's team.
"""

from __future__ import annotations

from crm.benchdata import BenchContext, Generator, copy_columns, register
from crm.benchdata.france import DEPARTEMENTS, REGIONS
from crm.benchdata.kernel import SALES_REPS, BenchTenant
from crm.roles import Role
from governance.models import Team, TeamMember, Territory, TerritoryMember


def generate(ctx: BenchContext) -> None:
    main: BenchTenant = ctx.state["main"]
    territories: list[tuple[int, int, str, int | None]] = []

    def territory(name: str, parent: int | None) -> int:
        territory_id = ctx.next_id("governance_territory")
        territories.append((territory_id, main.id, name, parent))
        return territory_id

    france = territory("France", None)
    regions = {region: territory(region, france) for region in REGIONS}
    micro: dict[str, int] = {}  # postal-code prefix -> micro-secteur id
    for departement in DEPARTEMENTS:
        label = f"{departement.name} ({departement.code})"
        departement_id = territory(label, regions[departement.region])
        prefixes = sorted({town.postal_code[:3] for town in departement.towns})
        for sector_number, start in enumerate(range(0, len(prefixes), 2), start=1):
            sector_id = territory(f"{label} - secteur {sector_number}", departement_id)
            for prefix in prefixes[start : start + 2]:
                micro[prefix] = territory(f"{label} - {prefix}", sector_id)
    ctx.copy(
        "governance_territory", copy_columns(Territory, ["id", "tenant_id", "name", "parent_id"]), territories
    )

    reps = main.with_role(*SALES_REPS)
    prefixes = list(micro)
    reps_of: dict[str, list[int]] = {prefix: [] for prefix in prefixes}
    assignments = []
    for k in range(max(len(reps), len(prefixes))):
        prefix, rep = prefixes[k % len(prefixes)], reps[k % len(reps)]
        reps_of[prefix].append(rep.user_id)
        assignments.append(
            (ctx.next_id("governance_territorymember"), main.id, micro[prefix], rep.membership_id)
        )
    ctx.copy(
        "governance_territorymember",
        copy_columns(TerritoryMember, ["id", "tenant_id", "territory_id", "membership_id"]),
        assignments,
    )
    ctx.state["micro_territories"] = {prefix: (micro[prefix], reps_of[prefix]) for prefix in prefixes}

    teams: list[tuple[int, int, str, int | None, int | None]] = []
    members: list[tuple[int, int, int, int]] = []
    director = main.with_role(Role.SALES_DIRECTOR)[0]
    direction = ctx.next_id("governance_team")
    teams.append((direction, main.id, "Direction commerciale", None, director.membership_id))
    for number, manager in enumerate(main.with_role(Role.SALES_MANAGER), start=1):
        team_id = ctx.next_id("governance_team")
        teams.append((team_id, main.id, f"Équipe commerciale {number:03d}", direction, manager.membership_id))
        for rep in main.members:
            if rep.manager_membership_id == manager.membership_id:
                members.append((ctx.next_id("governance_teammember"), main.id, team_id, rep.membership_id))
    for name, lead_role, member_role in (
        ("Marketing", Role.MARKETING_MANAGER, Role.MARKETING_USER),
        ("Service client", Role.SUPPORT_SUPERVISOR, Role.SUPPORT_AGENT),
    ):
        team_id = ctx.next_id("governance_team")
        teams.append((team_id, main.id, name, None, main.with_role(lead_role)[0].membership_id))
        for member in main.with_role(member_role):
            members.append((ctx.next_id("governance_teammember"), main.id, team_id, member.membership_id))
    ctx.copy(
        "governance_team", copy_columns(Team, ["id", "tenant_id", "name", "parent_id", "manager_id"]), teams
    )
    ctx.copy(
        "governance_teammember",
        copy_columns(TeamMember, ["id", "tenant_id", "team_id", "membership_id"]),
        members,
    )


register(
    Generator(
        "governance",
        generate,
        tables=(
            "governance_territory",
            "governance_territorymember",
            "governance_team",
            "governance_teammember",
        ),
        order=20,
    )
)
