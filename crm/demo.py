"""The demo registry: each app adds the demo data of its domain, and `seed_demo` runs them in order.
Seeders receive the demo tenant, inside its scope, and the demo memberships by e-mail local part."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.models import Membership, Tenant

Seeder = Callable[[Tenant, dict[str, Membership]], str]


@dataclass(frozen=True)
class DemoSeeder:
    name: str
    seed: Seeder
    order: int = 100


_registry: list[DemoSeeder] = []


def register(seeder: DemoSeeder) -> None:
    if all(existing.name != seeder.name for existing in _registry):
        _registry.append(seeder)
        _registry.sort(key=lambda item: item.order)


def seeders() -> list[DemoSeeder]:
    return list(_registry)
