"""Every route the CRM serves: the root URLconf, the tenant URLconf (mounted at /t/<slug>/, tenant admin
included) and the API's OpenAPI schema. The attack suite takes its list from here, never from a list
written by hand, so a new page or API operation is attacked the day it lands."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
_UNNAMED_GROUP = re.compile(r"\((?!\?)[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern. `template` is the path with `<name>` placeholders (no leading slash, no tenant
    prefix); `parameters` maps each placeholder to its converter name ("int", "str", "path", "regex")."""

    urlconf: str  # "root" or "tenant"
    name: str  # "accounts:account_detail"; the template when the pattern has no name
    template: str
    parameters: dict[str, str] = field(hash=False)
    callback: Callable[..., Any] = field(hash=False, compare=False, repr=False)
    unnamed_regex: str = ""  # a regular expression part with no named group (a catch-all)

    @property
    def is_api(self) -> bool:
        return self.urlconf == "root" and self.template.startswith("api/v1/")

    def methods(self) -> tuple[str, ...]:
        """The methods the view answers: a class-based view says so; a function view is tried with
        every method (405 is a fine answer for one it refuses)."""
        view_class = getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)
        if view_class is None:
            return METHODS
        allowed = [method for method in METHODS if hasattr(view_class, method.lower())]
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.insert(allowed.index("GET") + 1, "HEAD")
        return tuple(allowed)

    def __str__(self) -> str:
        prefix = "/t/<slug>/" if self.urlconf == "tenant" else "/"
        return f"{self.name} ({prefix}{self.template})"


def _piece(pattern: RoutePattern | RegexPattern) -> tuple[str, dict[str, str], str]:
    """(template piece, parameters, leftover regex) for one level of a pattern."""
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        parameters = {
            match["name"]: match["converter"] or "str" for match in _ROUTE_PARAMETER.finditer(route)
        }
        template = _ROUTE_PARAMETER.sub(lambda match: f"<{match['name']}>", route)
        return template, parameters, ""
    regex = str(pattern._regex).removeprefix("^").removesuffix("$").removesuffix("\\Z")
    parameters = {match["name"]: "regex" for match in _NAMED_GROUP.finditer(regex)}
    template = _NAMED_GROUP.sub(lambda match: f"<{match['name']}>", regex)
    # Unnamed groups are positional arguments (simple-history's admin pages): `<_1>`, `<_2>`...
    counter = iter(range(1, 100))
    template = _UNNAMED_GROUP.sub(lambda match: f"<_{next(counter)}>", template)
    parameters.update(dict.fromkeys(re.findall(r"<(_\d+)>", template), "regex"))
    leftover = template if re.search(r"[\\\[\]().*+?|^$]", _ROUTE_PARAMETER.sub("", template)) else ""
    return template, parameters, leftover


def _walk(
    patterns: list[URLPattern | URLResolver],
    urlconf: str,
    namespace: str,
    template: str,
    parameters: dict[str, str],
    leftover: str,
) -> Iterator[Route]:
    for entry in patterns:
        piece, piece_parameters, piece_leftover = _piece(entry.pattern)  # type: ignore[arg-type]
        joined = {**parameters, **piece_parameters}
        regex = leftover or piece_leftover
        if isinstance(entry, URLResolver):
            child_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, urlconf, child_namespace, template + piece, joined, regex)
        else:
            name = f"{namespace}{entry.name}" if entry.name else template + piece
            yield Route(
                urlconf=urlconf,
                name=name,
                template=template + piece,
                parameters=joined,
                callback=entry.callback,
                unnamed_regex=regex,
            )


def discover_routes(*, root_urlconf: str | None = None, tenant_urlconf: str | None = None) -> list[Route]:
    """Every pattern of the root URLconf and of the tenant URLconf, in resolver order."""
    routes: list[Route] = []
    for label, module in (
        ("root", root_urlconf or settings.ROOT_URLCONF),
        ("tenant", tenant_urlconf or settings.CRM_TENANT_URLCONF),
    ):
        routes.extend(_walk(get_resolver(module).url_patterns, label, "", "", {}, ""))
    return routes


@dataclass(frozen=True)
class Operation:
    """One operation of the OpenAPI schema: `path` as the schema writes it (`/api/v1/accounts/{pk}/`)."""

    path: str
    method: str
    parameters: tuple[str, ...]

    @property
    def template(self) -> str:
        """The path in the URLconf's placeholder form, without the leading slash."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path).removeprefix("/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def discover_api_operations() -> list[Operation]:
    """Every operation of /api/v1/schema/, from drf-spectacular's generator (the same the page serves)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method.upper() not in METHODS:
                continue
            names = tuple(
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "path"
            )
            operations.append(Operation(path=path, method=method.upper(), parameters=names))
    return operations
