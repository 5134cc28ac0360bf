"""The attack engine: turn discovered routes into requests as tenant B, carrying tenant A's ids, and
judge every answer (status, leaked values, and whether anything of A changed)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.http import HttpResponse
from django.test import Client

from crm.models import Tenant, User
from crm.tenancy import tenant_scope
from governance.models import SecurityEvent
from tests.security.builders import (
    UNNAMED_REGEX,
    MissingBuilder,
    World,
    parameter_for,
)
from tests.security.discovery import Route

_PLACEHOLDER = re.compile(r"<(\w+)>")


@dataclass(frozen=True)
class Attempt:
    """One request to make: `expect_not_found` for a route that names one of A's records."""

    route: Route
    method: str
    path: str
    expect_not_found: bool
    as_api_key: bool = False
    query: str = ""

    def __str__(self) -> str:
        who = "B's API key" if self.as_api_key else "B's tenant admin"
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query} [{self.route.name}, as {who}]"


def fill(route: Route, world: World) -> tuple[str, bool]:
    """The route's path with A's values in it, and whether one of them names a record of A."""
    if route.unnamed_regex and not route.parameters:
        build = UNNAMED_REGEX.get(route.unnamed_regex)
        if build is None:
            raise MissingBuilder(
                f"no builder for the pattern {route.unnamed_regex!r} in route {route.name}: "
                "add one to UNNAMED_REGEX in tests/security/builders.py"
            )
        return build(world), True
    is_object = False
    values: dict[str, str] = {}
    for name in route.parameters:
        parameter = parameter_for(route.name, route.template, name)
        values[name] = str(parameter.build(world))
        is_object = is_object or parameter.is_object
    return _PLACEHOLDER.sub(lambda match: values[match[1]], route.template), is_object


def plan(routes: Iterable[Route], world: World) -> tuple[list[Attempt], list[str]]:
    """Every attempt for every route and method, and the routes the registry cannot fill."""
    attempts: list[Attempt] = []
    missing: list[str] = []
    for route in routes:
        try:
            with tenant_scope(world.tenant_a):  # history ids are read in A's scope
                path, is_object = fill(route, world)
        except MissingBuilder as error:
            missing.append(str(error))
            continue
        for method in route.methods():
            if route.urlconf == "tenant":
                attempts.append(Attempt(route, method, f"/t/{world.tenant_b.slug}/{path}", is_object))
                # The same page at A's address: B's admin is no member of A, whatever the page.
                attempts.append(Attempt(route, method, f"/t/{world.tenant_a.slug}/{path}", True))
            else:
                attempts.append(Attempt(route, method, f"/{path}", is_object and not route.is_api))
                if route.is_api:
                    attempts.append(Attempt(route, method, f"/{path}", is_object, as_api_key=True))
    return attempts, missing


def form_data(world: World) -> dict[str, Any]:
    """A plausible form for any page, pointing at A's records wherever a form takes an id."""
    return {
        "legal_name": "Bravo pirate",
        "name": "Bravo pirate",
        "first_name": "Pirate",
        "last_name": "Bravo",
        "email": "pirate@bravo.example",
        "value": "Bravo pirate",
        "with": world["other_account"].pk,
        "account": world["account"].pk,
        "user": world.a_rep.user_id,
        "team": world["team"].pk,
        "level": "read",
        "version": 1,
        "survivor_version": 1,
        "merged_version": 1,
        "list_key": "accounts.account",
        "query": "sort=legal_name",
        "line1": "1 rue pirate",
        "postal_code": "75002",
        "city": "Paris",
        "kind": "site",
        "purpose": "marketing_email",
        "status": "withdrawn",
        "source": "pirate",
        "post": "yes",
    }


def json_data(world: World) -> dict[str, Any]:
    return {
        "legal_name": "Bravo pirate",
        "first_name": "Pirate",
        "last_name": "Bravo",
        "account": world["account"].pk,
        "grantee_type": "user",
        "grantee_id": world.a_rep.user_id,
        "level": "read",
    }


def body_text(response: HttpResponse) -> str:
    """What the response shows: its text, a streamed export, or the text inside an XLSX file."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    if raw.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = b"".join(archive.read(name) for name in archive.namelist())
    text = raw.decode("utf-8", errors="replace")
    return (
        text + "\n" + response.headers.get("Location", "") + response.headers.get("Content-Disposition", "")
    )


def leaked(world: World, text: str, sent: str) -> list[str]:
    """A's identifying values found in `text`, except those the attacker sent itself (an echo)."""
    return [value for value in world.secret_values if value in text and value not in sent]


class Attacker:
    """B's two identities (its tenant admin's session, its tenant-admin API key) sending attempts."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.member = Client(headers={"accept-language": "en"})
        self.member.force_login(world.b_admin.user)
        self.api = Client(headers={"authorization": f"Bearer {world.b_api_key}", "accept-language": "en"})

    def send(self, attempt: Attempt, *, data: dict[str, Any] | None = None) -> HttpResponse:
        client = self.api if attempt.as_api_key else self.member
        path = f"{attempt.path}?{attempt.query}" if attempt.query else attempt.path
        method = attempt.method.lower()
        if attempt.method == "POST" and not attempt.route.is_api:
            response = client.post(path, data if data is not None else form_data(self.world))
        elif attempt.method in ("POST", "PUT", "PATCH"):
            payload = data if data is not None else json_data(self.world)
            response = getattr(client, method)(path, json.dumps(payload), content_type="application/json")
        else:
            response = getattr(client, method)(path)
        if (
            not client.cookies.get(settings.SESSION_COOKIE_NAME)
            or not client.cookies[settings.SESSION_COOKIE_NAME].value
        ):
            self.member.force_login(self.world.b_admin.user)  # a logout page did its job: log in again
        return response

    def judge(self, attempt: Attempt, response: HttpResponse, *, sent: str = "") -> list[str]:
        """What is wrong with the answer to one attempt (an empty list when it is right)."""
        problems = []
        status = response.status_code
        text = body_text(response)
        if status >= 500:
            problems.append(f"{attempt}: server error {status}")
        elif attempt.expect_not_found and status not in (404, 405):
            # A redirect that only rewrites the address (the admin's "<id>/" to "<id>/change/") is fine
            # when its target answers 404; a write before it would show in A's snapshot.
            if 300 <= status < 400:
                followed = self.send(
                    Attempt(
                        attempt.route,
                        "GET",
                        response.headers["Location"].split("?")[0],
                        True,
                        attempt.as_api_key,
                    )
                )
                if followed.status_code != 404:
                    problems.append(
                        f"{attempt}: redirects to a page that answers {followed.status_code}, not 404"
                    )
                text += body_text(followed)
            else:
                problems.append(f"{attempt}: answered {status}, expected 404")
        found = leaked(self.world, text, sent=f"{attempt.path}?{attempt.query} {sent}")
        if found:
            problems.append(f"{attempt}: the answer ({status}) shows A's values {found}")
        return problems


def _tenant_models() -> list[type[models.Model]]:
    """Every model with a tenant column: domain models, share tables, history tables."""
    found = []
    for model in apps.get_models():
        tenant_field = next((f for f in model._meta.concrete_fields if f.name == "tenant"), None)
        if tenant_field is not None and getattr(tenant_field, "related_model", None) is Tenant:
            found.append(model)
    return found


def snapshot(world: World) -> dict[str, list[dict[str, Any]]]:
    """Every row of A (read in A's scope), A's users, A's tenant row and A's security events."""
    rows: dict[str, list[dict[str, Any]]] = {}
    with tenant_scope(world.tenant_a):
        for model in _tenant_models():
            queryset = model._base_manager.filter(tenant_id=world.tenant_a.pk).order_by("pk")
            rows[model._meta.label] = list(queryset.values())
        user_ids = [world.a_admin.user_id, world.a_rep.user_id]
        rows["crm.User"] = list(User.objects.filter(pk__in=user_ids).order_by("pk").values())
        rows["crm.Tenant"] = list(Tenant.objects.filter(pk=world.tenant_a.pk).values())
        rows["governance.SecurityEvent"] = list(
            SecurityEvent.objects.filter(user_id__in=user_ids).order_by("pk").values()
        )
    return rows


def fingerprint(world: World) -> list[tuple[str, str | None]]:
    """One query: a digest of every row of A per table (the cheap check run after each route)."""
    user_ids = [world.a_admin.user_id, world.a_rep.user_id]
    parts, params = [], []
    sources: list[tuple[type[models.Model], str, list[Any]]] = [
        (model, "tenant_id = %s", [world.tenant_a.pk]) for model in _tenant_models()
    ]
    sources += [
        (User, "id = ANY(%s)", [user_ids]),
        (Tenant, "id = %s", [world.tenant_a.pk]),
        (SecurityEvent, "user_id = ANY(%s)", [user_ids]),
    ]
    for model, where, values in sources:
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)  # type: ignore[union-attr]
        parts.append(
            f"SELECT %s AS label, md5(string_agg(t::text, ',' ORDER BY t.{pk})) FROM {table} t WHERE {where}"  # noqa: S608
        )
        params += [model._meta.label, *values]
    with tenant_scope(world.tenant_a), connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return list(cursor.fetchall())


def changes(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The tables of A whose rows differ, with the ids that appeared, went or changed."""
    found = []
    for label, old_rows in before.items():
        old = {row.get("pk", row.get("id", row.get("history_id"))): row for row in old_rows}
        new = {row.get("pk", row.get("id", row.get("history_id"))): row for row in after.get(label, [])}
        if old != new:
            changed = sorted(str(key) for key in old.keys() & new.keys() if old[key] != new[key])
            found.append(
                f"{label}: added {sorted(map(str, new.keys() - old.keys()))}, "
                f"removed {sorted(map(str, old.keys() - new.keys()))}, changed {changed}"
            )
    return found


def foreign_references(world: World, a_rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Rows of B pointing at one of A's records (a form or serializer that took A's id)."""
    a_ids = {label: {row.get("id") for row in rows} for label, rows in a_rows.items()}
    found = []
    with tenant_scope(world.tenant_b):
        for model in _tenant_models():
            for field in model._meta.concrete_fields:
                target = getattr(field, "related_model", None)
                if not isinstance(field, models.ForeignKey) or target is None or target is Tenant:
                    continue
                ids = a_ids.get(target._meta.label, set()) - {None}
                if not ids:
                    continue
                hits = list(
                    model._base_manager.filter(
                        tenant_id=world.tenant_b.pk, **{f"{field.attname}__in": ids}
                    ).values_list("pk", flat=True)
                )
                if hits:
                    found.append(
                        f"{model._meta.label}.{field.name} of B points at A's {target._meta.label} {hits}"
                    )
    return found
