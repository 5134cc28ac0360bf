"""The newcomer's walk-through of the demo tenant (issue 3, "Done when"), as the people of the demo see
it through the pages: a field rep sees their territory, a manager their team, the director everything;
finance reads revenue but not the potential; search finds the Léman account however it is typed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from crm.models import User

pytestmark = pytest.mark.django_db

NORD = {  # territory "Nord et Île-de-France" (postal codes 59, 62, 80, 75, 92-94, 35)
    "Boulangeries Artisanales Petit",
    "Transports Lefort et Fils",
    "Groupe Durand Énergie",
    "Durand Énergie Ouest",
}
SUD_EST_OF_CAMILLE = {
    "Société Générale des Eaux du Léman",
    "Atelier Numérique Rhône-Alpes",
    "Fromagerie du Jura",
}
SOPHIE_OWN = {"Coopérative Agricole du Berry", "Durand Énergie Ouest"}


def as_user(local: str) -> Client:
    client = Client(headers={"accept-language": "fr"})
    client.force_login(User.objects.get(email=f"{local}@demo.example"))
    return client


def listed(client: Client) -> set[str]:
    response = client.get("/t/demo/accounts/?per_page=100")
    assert response.status_code == 200
    return {row["account"].legal_name for row in response.context["rows"]}


def test_the_demo_walkthrough() -> None:
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())

    # A field rep sees the accounts of their territory (they own two of them), nothing else.
    assert listed(as_user("rep")) == NORD
    # Their manager sees what she owns and what her team owns (Julien, and Camille in the Sud-Est).
    assert (
        listed(as_user("manager"))
        == SOPHIE_OWN | {"Boulangeries Artisanales Petit", "Transports Lefort et Fils"} | SUD_EST_OF_CAMILLE
    )
    # The director sees the whole company: 15 accounts, the duplicate printer included.
    assert len(listed(as_user("direction"))) == 15

    # Global search finds the Léman account typed without accents, in lower case, or with a typo.
    director = as_user("direction")
    for query in (
        "Societe Generale des Eaux du Leman",  # without accents
        "société générale des eaux du léman",  # lower case
        "Société Génrale des Eaux du Léman",  # one letter missing
        "Societe Generale des Eaux du Lemna",  # two letters swapped
        "generale des eaux",  # a part of the name
    ):
        found = first_account(director, query)
        assert found is not None, query
        assert found.legal_name == "Société Générale des Eaux du Léman", query

    # Finance reads the customer revenue, never the estimated potential (1 850 000 / 2 400 000 €).
    page = as_user("finance").get(f"/t/demo/accounts/{found.pk}/").text
    assert "1\xa0850\xa0000,00\xa0€" in page
    assert "2\xa0400\xa0000" not in page
    assert "2400000" not in page

    # The duplicates queue pairs the two printers of Nantes; the director merges them.
    queue = director.get("/t/demo/duplicates/")
    pair = next(c for c in queue.context["candidates"] if c.kind == "account")
    assert {pair.first_account.legal_name, pair.second_account.legal_name} == {
        "Imprimerie Moderne de Nantes",
        "IMPRIMERIE MODERNE NANTES",
    }
    keep, drop = sorted((pair.first_account, pair.second_account), key=lambda a: a.siret == "")
    merged = director.post(
        f"/t/demo/accounts/{keep.pk}/merge/",
        {"with": drop.pk, "survivor_version": keep.version, "merged_version": drop.version},
    )
    assert merged.status_code == 302
    assert len(listed(director)) == 14
    assert director.get(f"/t/demo/accounts/{drop.pk}/").status_code == 404


def first_account(client: Client, query: str):
    response = client.get("/t/demo/search/", {"q": query})
    for group in response.context["groups"]:
        for result in group.results:
            if result.object_type == "accounts.account":
                return result.record
    return None
