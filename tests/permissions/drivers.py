"""How the permission matrix (matrix.csv, sensitive_fields.csv) is run, one driver per kind of record.

A driver knows, for its kind of record:
- how to build one record for each relation to the viewer (`build`), in a world made once per role;
- which actions apply through the pages and through the API;
- how to perform each action and read the outcome (allow, deny, hidden, invalid);
- where its sensitive fields show (detail page, export, API) and how to recognise them.

A new kind of record (leads, opportunities...) adds a driver here and its rows to the two tables; the
completeness tests fail until both exist for every role.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import models
from django.test import Client

from accounts.models import Account, Contact
from activities.models import Activity, Task
from crm.models import Membership, Tenant
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from governance.models import SharingRule, Team, Territory, TerritoryMember
from governance.sharing import ShareLevel, share_grant
from opportunities.models import Opportunity
from tests.activities.factories_agenda import activity_type
from tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory

# own: the viewer owns it; below: someone the viewer manages owns it; territory: it lies in the
# viewer's territory; shared: a sharing rule gives the owner's team's records to the viewer's team;
# manual: its owner shared it by hand with the viewer (read and write); other: none of these;
# foreign: it belongs to another company. "new" is the relation of a record being created.
RELATIONS = ("own", "below", "territory", "shared", "manual", "other", "foreign")
CHANNELS = ("page", "api")
SENSITIVE_CHANNELS = ("page", "export", "api")
OUTCOMES = ("allow", "deny", "hidden", "invalid")
SENSITIVE_OUTCOMES = ("shown", "hidden", "unreachable")

# A record's sensitive values are chosen so that they cannot appear on a page by chance.
SENSITIVE_VALUES = {
    "estimated_potential": Decimal("424242"),
    "customer_revenue": Decimal("535353"),
}


@dataclass
class World:
    """One viewer of a role, the people and settings that give each relation meaning, and the
    records the drivers build (kind -> relation -> record), in the tenant "durand"."""

    tenant: Tenant
    other_tenant: Tenant
    viewer: Membership
    below: Membership
    stranger: Membership
    sharer: Membership
    foreigner: Membership
    territory: Territory
    source_team: Team
    target_team: Team
    api_key: str = ""
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A second record of the viewer's own, per kind: the survivor when merging.
    spare: dict[str, Any] = field(default_factory=dict)

    def page_client(self) -> Client:
        client = Client(headers={"accept-language": "en"})
        client.force_login(self.viewer.user)
        return client

    def api_client(self) -> Client:
        return Client(headers={"authorization": f"Bearer {self.api_key}", "accept-language": "en"})

    def url(self, path: str) -> str:
        return f"/t/{self.tenant.slug}/{path}"


def _member(tenant: Tenant, role: str, **kwargs: Any) -> Membership:
    with tenant_scope(tenant):
        return MembershipFactory(tenant=tenant, role=role, **kwargs)


def world_build(*, role: str, tenant: Tenant, other_tenant: Tenant) -> World:
    viewer = _member(tenant, role)
    world = World(
        tenant=tenant,
        other_tenant=other_tenant,
        viewer=viewer,
        below=_member(tenant, Role.FIELD_SALES_REP, manager=viewer),
        stranger=_member(tenant, Role.FIELD_SALES_REP),
        sharer=_member(tenant, Role.FIELD_SALES_REP),
        foreigner=_member(other_tenant, Role.SALES_DIRECTOR),
        territory=Territory(),
        source_team=Team(),
        target_team=Team(),
    )
    with tenant_scope(tenant):
        world.territory = Territory.objects.create(name="Zone")
        TerritoryMember.objects.create(territory=world.territory, membership=viewer)
        world.source_team, world.target_team = TeamFactory(name="Source"), TeamFactory(name="Cible")
        TeamMemberFactory(team=world.source_team, membership=world.sharer)
        TeamMemberFactory(team=world.target_team, membership=viewer)
        # The key acts with the viewer's role; its creator (the viewer) owns what it creates.
        world.api_key = api_key_create(tenant=tenant, name="Matrice", role=role, actor=viewer.user)[1]
    for driver in DRIVERS.values():
        driver.build(world)
    return world


# Outcomes -------------------------------------------------------------------------------------------

STATUS_OUTCOMES = {200: "allow", 201: "allow", 400: "invalid", 403: "deny", 404: "hidden"}


def status_outcome(status: int) -> str:
    return STATUS_OUTCOMES.get(status, f"status {status}")


def written(outcome: str, *, changed: bool) -> str:
    """A write's outcome, checked against the database: an allowed write must have happened and a
    refused one must have left nothing behind."""
    if (outcome == "allow") is changed:
        return outcome
    return f"{outcome}, but the database says {'changed' if changed else 'unchanged'}"


def record_value(record: models.Model, name: str) -> Any:
    """A field as stored now, read in the record's own tenant."""
    model = type(record)
    with tenant_scope(record.tenant):  # type: ignore[attr-defined]
        return model.objects.filter(pk=record.pk).values_list(name, flat=True).get()  # type: ignore[attr-defined]


def created_in(tenant: Tenant, model: type[models.Model], **lookup: Any) -> bool:
    with tenant_scope(tenant):
        return model.objects.filter(**lookup).exists()  # type: ignore[attr-defined]


def listed(present: bool) -> str:
    return "allow" if present else "hidden"


def shows_number(text: str, value: Decimal | str) -> bool:
    """Whether the digits of `value` appear, in any grouping (424242, 424,242, 424 242, 06 11 ...)."""
    digits = re.sub(r"\D", "", str(value).split(".")[0])
    return re.search(r"[^\d<>]{0,3}".join(digits), text) is not None


def csv_text(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


Outcomes = dict[tuple[str, str], str]  # (relation, action) -> outcome
SensitiveOutcomes = dict[tuple[str, str], str]  # (field, channel) -> outcome


@dataclass(frozen=True)
class Driver:
    """One kind of record in the matrix. `name` is how the tables call it."""

    name: str
    model: type[models.Model]
    api_path: str  # the API's list of this kind; a record's is <api_path><id>/
    page_actions: tuple[str, ...]
    api_actions: tuple[str, ...]
    build: Callable[[World], None]
    run_pages: Callable[[World, Client], Outcomes]
    run_api: Callable[[World, Client], Outcomes]
    read_sensitive: Callable[[World, Client, Client], SensitiveOutcomes]
    # How a sensitive field's value shows in a page or an export.
    sensitive_text: Callable[[Any, str], str]
    # The relations its records have to the viewer (besides "new" for a record being created).
    relation_names: tuple[str, ...] = RELATIONS
    # Whether the sharing model knows the kind (governance.sharing); if not, its visibility derives
    # from the records it relates to (an activity from its account, lead or opportunity).
    shareable: bool = True

    @property
    def model_label(self) -> str:
        return self.model._meta.label_lower

    def actions(self, channel: str) -> tuple[str, ...]:
        return self.page_actions if channel == "page" else self.api_actions

    def relations(self, action: str) -> tuple[str, ...]:
        return ("new",) if action == "create" else self.relation_names


def pages_run(
    world: World,
    client: Client,
    *,
    kind: str,
    label: str,
    listings: tuple[str, ...],
    detail: str,
    actions: tuple[str, ...],
) -> Outcomes:
    """A kind's list pages (present in any of them), then its detail page (`detail`, with {pk}) and the
    pages of the other actions under it (<detail><action>/), one GET each."""
    pages = [client.get(world.url(path)) for path in listings]
    outcomes: Outcomes = {}
    for relation, record in world.records[kind].items():
        name = getattr(record, label)
        outcomes[relation, "list"] = (
            listed(any(name in page.text for page in pages))
            if pages[0].status_code == 200
            else status_outcome(pages[0].status_code)
        )
        base = detail.format(pk=record.pk)
        for action in actions:
            path = base if action == "view" else f"{base}{action}/"
            outcomes[relation, action] = status_outcome(client.get(world.url(path)).status_code)
    return outcomes


def api_run(
    world: World,
    client: Client,
    *,
    kind: str,
    label: str,
    path: str,
    change: tuple[str, str],
    create: Callable[[World], dict[str, Any]],
) -> Outcomes:
    """A kind's API: listed, read, changed (one field set to a value, checked in the database), and one
    record created from the body `create` gives (found again by its `label` field)."""
    records = world.records[kind]
    listing = client.get(path)
    names = {row[label] for row in listing.json()["results"]} if listing.status_code == 200 else set()
    field_name, value = change
    outcomes: Outcomes = {}
    for relation, record in records.items():
        outcomes[relation, "list"] = (
            listed(getattr(record, label) in names)
            if listing.status_code == 200
            else status_outcome(listing.status_code)
        )
        outcomes[relation, "view"] = status_outcome(client.get(f"{path}{record.pk}/").status_code)
        response = client.patch(
            f"{path}{record.pk}/",
            {field_name: value, "version": record.version},
            content_type="application/json",
        )
        changed = record_value(record, field_name) == value
        outcomes[relation, "edit"] = written(status_outcome(response.status_code), changed=changed)
    body = create(world)
    created = client.post(path, body, content_type="application/json")
    model = type(next(iter(records.values())))
    outcomes["new", "create"] = written(
        status_outcome(created.status_code),
        changed=created_in(world.tenant, model, **{label: body[label]}),
    )
    return outcomes


def detail_driver(
    *,
    name: str,
    model: type[models.Model],
    label: str,
    list_pages: tuple[str, ...],
    detail: str,
    page_actions: tuple[str, ...],
    api_path: str,
    change: tuple[str, str],
    create: Callable[[World], dict[str, Any]],
    build: Callable[[World], None],
    relation_names: tuple[str, ...] = RELATIONS,
    shareable: bool = True,
) -> Driver:
    """A kind without sensitive fields, tried through its list pages, its detail page and the pages of
    the other actions under it, and its API (list, read, change one field, create): `pages_run` and
    `api_run` with the kind's names and addresses."""
    return Driver(
        name=name,
        model=model,
        api_path=api_path,
        page_actions=("list", *page_actions),
        api_actions=("list", "view", "edit", "create"),
        build=build,
        run_pages=partial(
            pages_run, kind=name, label=label, listings=list_pages, detail=detail, actions=page_actions
        ),
        run_api=partial(api_run, kind=name, label=label, path=api_path, change=change, create=create),
        read_sensitive=lambda world, pages, api: {},
        sensitive_text=lambda record, field_name: str(getattr(record, field_name)),
        relation_names=relation_names,
        shareable=shareable,
    )


# Accounts -------------------------------------------------------------------------------------------


def _account_build(world: World) -> None:
    tenant, viewer = world.tenant, world.viewer
    values = dict(SENSITIVE_VALUES)
    with tenant_scope(tenant):
        SharingRule.objects.create(
            model_label="accounts.account", source_team=world.source_team, target_team=world.target_team
        )
        owners = {
            "own": viewer,
            "below": world.below,
            "territory": world.stranger,
            "shared": world.sharer,
            "manual": world.stranger,
            "other": world.stranger,
        }
        accounts = {
            relation: Account.objects.create(
                legal_name=f"Matrice {relation} compte",
                owner=owner.user,
                territory=world.territory if relation == "territory" else None,
                **values,
            )
            for relation, owner in owners.items()
        }
        share_grant(
            record=accounts["manual"],
            actor=world.stranger.user,
            membership=world.stranger,
            level=ShareLevel.READ_WRITE,
            user_id=viewer.user_id,
        )
        world.spare["account"] = Account.objects.create(
            legal_name="Matrice survivant compte", owner=viewer.user, **values
        )
    with tenant_scope(world.other_tenant):
        accounts["foreign"] = Account.objects.create(
            legal_name="Matrice foreign compte", owner=world.foreigner.user, **values
        )
    world.records["account"] = accounts


def _account_pages(world: World, client: Client) -> Outcomes:
    accounts: dict[str, Account] = world.records["account"]
    listing = client.get(world.url("accounts/")).text
    export = client.get(world.url("accounts/export/csv/"))
    exported = csv_text(export) if export.status_code == 200 else None
    survivor = world.spare["account"]
    outcomes: Outcomes = {}
    for relation, account in accounts.items():
        outcomes[relation, "list"] = listed(account.legal_name in listing)
        outcomes[relation, "export"] = (
            listed(account.legal_name in exported)
            if exported is not None
            else status_outcome(export.status_code)
        )
        for action, path in (
            ("view", f"accounts/{account.pk}/"),
            ("edit", f"accounts/{account.pk}/edit/"),
            ("delete", f"accounts/{account.pk}/delete/"),
            # Merging this record into one of the viewer's own: change the survivor, delete this one.
            ("merge", f"accounts/{survivor.pk}/merge/?with={account.pk}"),
        ):
            outcomes[relation, action] = status_outcome(client.get(world.url(path)).status_code)
    return outcomes


def _account_api(world: World, client: Client) -> Outcomes:
    accounts: dict[str, Account] = world.records["account"]
    names = {row["legal_name"] for row in client.get("/api/v1/accounts/").json()["results"]}
    outcomes: Outcomes = {}
    for relation, account in accounts.items():
        outcomes[relation, "list"] = listed(account.legal_name in names)
        outcomes[relation, "view"] = status_outcome(client.get(f"/api/v1/accounts/{account.pk}/").status_code)
        response = client.patch(
            f"/api/v1/accounts/{account.pk}/",
            {"trade_name": "Changé par la matrice", "version": account.version},
            content_type="application/json",
        )
        changed = record_value(account, "trade_name") == "Changé par la matrice"
        outcomes[relation, "edit"] = written(status_outcome(response.status_code), changed=changed)
    created = client.post(
        "/api/v1/accounts/", {"legal_name": "Matrice créé"}, content_type="application/json"
    )
    outcomes["new", "create"] = written(
        status_outcome(created.status_code),
        changed=created_in(world.tenant, Account, legal_name="Matrice créé", owner=world.viewer.user),
    )
    return outcomes


def _account_sensitive(world: World, pages: Client, api: Client) -> SensitiveOutcomes:
    return _sensitive(world, DRIVERS["account"], pages, api, detail="accounts/{pk}/", export="accounts/")


# Contacts -------------------------------------------------------------------------------------------
# A contact's relation is its account's: contacts take their account's visibility and shares.

MOBILES = {relation: f"+3367182930{number}" for number, relation in enumerate((*RELATIONS, "spare"))}


def _contact_build(world: World) -> None:
    accounts: dict[str, Account] = world.records["account"]
    contacts: dict[str, Contact] = {}
    for relation, account in accounts.items():
        with tenant_scope(world.other_tenant if relation == "foreign" else world.tenant):
            contacts[relation] = Contact.objects.create(
                account=account,
                owner=account.owner,
                first_name="Personne",
                last_name=f"Matrice-{relation}",
                mobile=MOBILES[relation],
            )
    with tenant_scope(world.tenant):
        world.spare["contact"] = Contact.objects.create(
            account=accounts["own"],
            owner=world.viewer.user,
            first_name="Personne",
            last_name="Matrice-survivant",
            mobile=MOBILES["spare"],
        )
    world.records["contact"] = contacts


def _contact_pages(world: World, client: Client) -> Outcomes:
    contacts: dict[str, Contact] = world.records["contact"]
    listing = client.get(world.url("accounts/contacts/")).text
    export = client.get(world.url("accounts/contacts/export/csv/"))
    exported = csv_text(export) if export.status_code == 200 else None
    survivor = world.spare["contact"]
    outcomes: Outcomes = {}
    for relation, contact in contacts.items():
        outcomes[relation, "list"] = listed(contact.last_name in listing)
        outcomes[relation, "export"] = (
            listed(contact.last_name in exported)
            if exported is not None
            else status_outcome(export.status_code)
        )
        for action, path in (
            ("view", f"accounts/contacts/{contact.pk}/"),
            ("edit", f"accounts/contacts/{contact.pk}/edit/"),
            ("delete", f"accounts/contacts/{contact.pk}/delete/"),
            ("merge", f"accounts/contacts/{survivor.pk}/merge/?with={contact.pk}"),
        ):
            outcomes[relation, action] = status_outcome(client.get(world.url(path)).status_code)
    return outcomes


def _contact_api(world: World, client: Client) -> Outcomes:
    contacts: dict[str, Contact] = world.records["contact"]
    names = {row["last_name"] for row in client.get("/api/v1/contacts/").json()["results"]}
    outcomes: Outcomes = {}
    for relation, contact in contacts.items():
        outcomes[relation, "list"] = listed(contact.last_name in names)
        outcomes[relation, "view"] = status_outcome(client.get(f"/api/v1/contacts/{contact.pk}/").status_code)
        response = client.patch(
            f"/api/v1/contacts/{contact.pk}/",
            {"job_title": "Changé par la matrice", "version": contact.version},
            content_type="application/json",
        )
        changed = record_value(contact, "job_title") == "Changé par la matrice"
        outcomes[relation, "edit"] = written(status_outcome(response.status_code), changed=changed)
    # Attached to the viewer's own account: a key that reaches no account has none to attach it to.
    created = client.post(
        "/api/v1/contacts/",
        {
            "account": world.records["account"]["own"].pk,
            "first_name": "Api",
            "last_name": "Matrice-créé",
            "email": "api.matrice@example.fr",
        },
        content_type="application/json",
    )
    outcomes["new", "create"] = written(
        status_outcome(created.status_code),
        changed=created_in(world.tenant, Contact, last_name="Matrice-créé"),
    )
    return outcomes


def _contact_sensitive(world: World, pages: Client, api: Client) -> SensitiveOutcomes:
    return _sensitive(
        world, DRIVERS["contact"], pages, api, detail="accounts/contacts/{pk}/", export="accounts/contacts/"
    )


# Opportunities ----------------------------------------------------------------------------------------
# Their own visibility: owner chain, the territory of their account, sharing rules and manual shares of
# "opportunities.opportunity". Each is built on the account of the same relation.


def _opportunity_build(world: World) -> None:
    import datetime

    from opportunities.services import opportunity_create

    accounts: dict[str, Account] = world.records["account"]
    opportunities: dict[str, Opportunity] = {}
    for relation, account in accounts.items():
        tenant = world.other_tenant if relation == "foreign" else world.tenant
        with tenant_scope(tenant):
            if relation == "shared":
                SharingRule.objects.create(
                    model_label="opportunities.opportunity",
                    source_team=world.source_team,
                    target_team=world.target_team,
                )
            opportunity = opportunity_create(
                tenant=tenant,
                actor=account.owner,
                account=account,
                owner=account.owner,
                name=f"Matrice {relation} affaire",
                expected_close_date=datetime.date(2027, 6, 30),
            )
            # "manual": on the account shared by hand with the viewer (read-write), whose shares the
            # opportunities inherit.
        opportunities[relation] = opportunity
    world.records["opportunity"] = opportunities


def _opportunity_new(world: World) -> dict[str, Any]:
    return {
        "account": world.records["account"]["own"].pk,
        "name": "Matrice créée",
        "expected_close_date": "2027-06-30",
    }


# Activities -------------------------------------------------------------------------------------------
# An activity has no sharing of its own: it is visible with the record it is about (here the account of
# the same relation, whose owner owns it), and a private one only to its owner and those above them.
# "private": a private activity its owner (a stranger to the viewer) logged on the viewer's own account.

ACTIVITY_RELATIONS = (*RELATIONS, "private")


def _activity_build(world: World) -> None:
    import datetime

    accounts: dict[str, Account] = world.records["account"]
    activities: dict[str, Activity] = {}
    when = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)
    for relation in ACTIVITY_RELATIONS:
        account = accounts["own" if relation == "private" else relation]
        owner = world.stranger.user if relation == "private" else account.owner
        with tenant_scope(world.other_tenant if relation == "foreign" else world.tenant):
            activities[relation] = Activity.objects.create(
                type=activity_type("outbound_call"),
                subject=f"Matrice {relation} activité",
                starts_at=when,
                duration_minutes=15,
                owner=owner,
                account=account,
                is_private=relation == "private",
            )
    world.records["activity"] = activities


def _activity_new(world: World) -> dict[str, Any]:
    with tenant_scope(world.tenant):
        call = activity_type("outbound_call")
    return {
        "type": call.pk,
        "subject": "Matrice activité créée",
        "starts_at": "2026-11-03T10:00:00+01:00",
        "account": world.records["account"]["own"].pk,
    }


# Tasks ------------------------------------------------------------------------------------------------
# A task is its assignee's: visible to them, to the people above them, and to whoever created it. Its
# relations: own (assigned to the viewer), below (assigned to someone they manage), created (the viewer
# gave it to a stranger), other (a stranger's, from a stranger), foreign. The page list is "my tasks"
# with the team (the viewer and the people below them) and with the tasks given to others.

TASK_RELATIONS = ("own", "below", "created", "other", "foreign")


def _task_build(world: World) -> None:
    import datetime

    due = datetime.datetime(2027, 1, 15, 9, 0, tzinfo=datetime.UTC)
    people = {
        "own": (world.viewer, world.stranger),
        "below": (world.below, world.below),
        "created": (world.stranger, world.viewer),
        "other": (world.stranger, world.stranger),
        "foreign": (world.foreigner, world.foreigner),
    }
    tasks: dict[str, Task] = {}
    for relation, (assignee, creator) in people.items():
        with tenant_scope(world.other_tenant if relation == "foreign" else world.tenant):
            tasks[relation] = Task.objects.create(
                title=f"Matrice {relation} tâche", due_at=due, assignee=assignee.user, created_by=creator.user
            )
    world.records["task"] = tasks


# Sensitive fields, for any kind ---------------------------------------------------------------------


def _sensitive(
    world: World, driver: Driver, pages: Client, api: Client, *, detail: str, export: str
) -> SensitiveOutcomes:
    """Each sensitive field of the viewer's own record (which every role sees), on its detail page, in
    the export of the list, and in the API's answer for it (through the key, which may reach none)."""
    from governance.field_policies import sensitive_fields

    record = world.records[driver.name]["own"]
    page = pages.get(world.url(detail.format(pk=record.pk))).text
    exported = pages.get(world.url(f"{export}export/csv/"))
    exported_text = csv_text(exported) if exported.status_code == 200 else None
    answer = api.get(f"{driver.api_path}{record.pk}/")
    outcomes: SensitiveOutcomes = {}
    for sensitive in sensitive_fields(driver.model_label):
        name = sensitive.field_name
        value = driver.sensitive_text(record, name)
        outcomes[name, "page"] = "shown" if shows_number(page, value) else "hidden"
        outcomes[name, "export"] = (
            ("shown" if shows_number(exported_text, value) else "hidden")
            if exported_text is not None
            else "unreachable"
        )
        outcomes[name, "api"] = (
            ("shown" if name in answer.json() else "hidden") if answer.status_code == 200 else "unreachable"
        )
    return outcomes


DRIVERS: dict[str, Driver] = {
    driver.name: driver
    for driver in (
        Driver(
            name="account",
            model=Account,
            api_path="/api/v1/accounts/",
            page_actions=("list", "view", "edit", "delete", "export", "merge"),
            api_actions=("list", "view", "edit", "create"),
            build=_account_build,
            run_pages=_account_pages,
            run_api=_account_api,
            read_sensitive=_account_sensitive,
            sensitive_text=lambda record, name: str(getattr(record, name)),
        ),
        Driver(
            name="contact",
            model=Contact,
            api_path="/api/v1/contacts/",
            page_actions=("list", "view", "edit", "delete", "export", "merge"),
            api_actions=("list", "view", "edit", "create"),
            build=_contact_build,
            run_pages=_contact_pages,
            run_api=_contact_api,
            read_sensitive=_contact_sensitive,
            # Shown as dialled in France (06 71 ...) or internationally (+33 6 71 ...): the subscriber digits.
            sensitive_text=lambda record, name: str(getattr(record, name))[-8:],
        ),
        # No sensitive field: the amount is the sales organisation's working data.
        detail_driver(
            name="opportunity",
            model=Opportunity,
            label="name",
            list_pages=("opportunities/",),
            detail="opportunities/{pk}/",
            page_actions=("view", "edit", "delete"),
            api_path="/api/v1/opportunities/",
            change=("description", "Changé par la matrice"),
            create=_opportunity_new,
            build=_opportunity_build,
        ),
        detail_driver(
            name="activity",
            model=Activity,
            label="subject",
            list_pages=("activities/",),
            detail="activities/{pk}/",
            page_actions=("view", "edit", "delete"),
            api_path="/api/v1/activities/",
            change=("outcome", "reached"),
            create=_activity_new,
            build=_activity_build,
            relation_names=ACTIVITY_RELATIONS,
            shareable=False,
        ),
        detail_driver(
            name="task",
            model=Task,
            label="title",
            list_pages=("tasks/?assignee=team", "tasks/?assignee=delegated"),
            detail="tasks/{pk}/",
            page_actions=("view", "edit"),
            api_path="/api/v1/tasks/",
            change=("description", "Changé par la matrice"),
            create=lambda world: {"title": "Matrice tâche créée", "due_at": "2027-01-20T10:00:00+01:00"},
            build=_task_build,
            relation_names=TASK_RELATIONS,
            shareable=False,
        ),
    )
}


def drivers_for(model_label: str) -> list[Driver]:
    return [driver for driver in DRIVERS.values() if driver.model_label == model_label]
