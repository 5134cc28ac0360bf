"""Reads of the outbound e-mail part: the records an e-mail is written from (visible ones only), the
templates to offer, and the sent messages a member may open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from activities.email.sending import Links
from activities.models import Activity, EmailMessage, EmailTemplate
from crm.models import Membership
from governance.visibility import owned_by_me_or_below


class RecordNotFound(LookupError):
    """A record id that is not one of the member's visible records (answered as 404 or 400)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _pk(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RecordNotFound(field) from None


Scope = Callable[[QuerySet[Any]], QuerySet[Any]]


def member_scope(membership: Membership) -> Scope:
    """Records a member sees (each model's `visible_to`)."""
    return lambda queryset: queryset.visible_to(membership)  # type: ignore[attr-defined, no-any-return]


def links_resolve(
    *, scope: Scope, contact: Any = None, lead: Any = None, opportunity: Any = None, quote: Any = None
) -> Links:
    """The records given by id, each among those the caller sees (`scope`); the ones filled from them
    (a quote's opportunity and addressee, an opportunity's primary contact) are kept only when visible."""
    from accounts.models import Contact
    from leads.models import Lead
    from opportunities.models import Opportunity, Quote

    contacts = scope(Contact.objects.select_related("account"))
    opportunities = scope(Opportunity.objects.select_related("account"))
    links = Links()
    for field, queryset in (
        ("contact", contacts),
        ("lead", scope(Lead.objects.all())),
        ("opportunity", opportunities),
        ("quote", scope(Quote.objects.select_related("opportunity"))),
    ):
        pk = _pk({"contact": contact, "lead": lead, "opportunity": opportunity, "quote": quote}[field], field)
        if pk is None:
            continue
        found = queryset.filter(pk=pk).first()
        if found is None:
            raise RecordNotFound(field)
        setattr(links, field, found)
    given_contact = links.contact
    links.complete()
    if links.contact is not None and links.contact is not given_contact:
        links.contact = contacts.filter(pk=links.contact.pk).first()
    if (
        links.opportunity is not None
        and links.quote is not None
        and links.opportunity.pk != links.quote.opportunity_id
    ):
        raise RecordNotFound("quote")
    return links


def templates_for(language: str) -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.filter(is_active=True, language=language).order_by("name")


def template_pick(*, code: str, language: str) -> EmailTemplate | None:
    """The template of this code in the language, else in the other one."""
    if not code:
        return None
    variants = {item.language: item for item in EmailTemplate.objects.filter(code=code, is_active=True)}
    return variants.get(language) or next(iter(variants.values()), None)


def outbound_visible(membership: Membership) -> QuerySet[EmailMessage]:
    """Sent messages: those the member or the people below them sent, and those logged as an activity
    the member sees."""
    seen_activities = Activity.objects.visible_to(membership).values("pk")  # type: ignore[attr-defined]
    return EmailMessage.objects.filter(direction=EmailMessage.Direction.OUTBOUND).filter(
        owned_by_me_or_below(membership, "sent_by") | Q(activity__in=seen_activities)
    )
