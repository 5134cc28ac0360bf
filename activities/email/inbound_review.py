"""Reads and writes of the inbound e-mail pages: who sees a message, the review queue, and the two
review actions (attach to a contact, discard). Reviewers are the company administrator, the sales
director and the sales managers; anyone else sees the messages they sent or forwarded themselves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Contact
from activities.email.inbound import email_activity_create
from activities.models import Activity, EmailMessage
from crm.models import Membership, User
from crm.roles import Role

REVIEWERS = frozenset({Role.TENANT_ADMIN, Role.SALES_DIRECTOR, Role.SALES_MANAGER})


def is_reviewer(membership: Membership) -> bool:
    return membership.role in REVIEWERS


def message_visibility(membership: Membership) -> Q:
    """A logged message with its activity; an unlogged one (review, discarded) for reviewers and the
    member it came from."""
    logged = Q(activity__in=Activity.objects.visible_to(membership).values("pk"))
    if is_reviewer(membership):
        return logged | Q(activity__isnull=True)
    return logged | Q(activity__isnull=True, sent_by_id=membership.user_id)


def messages_visible(membership: Membership) -> QuerySet[EmailMessage]:
    return EmailMessage.objects.filter(message_visibility(membership))


def review_queue(membership: Membership) -> QuerySet[EmailMessage]:
    queryset = EmailMessage.objects.filter(status=EmailMessage.Status.REVIEW)
    if not is_reviewer(membership):
        queryset = queryset.filter(sent_by_id=membership.user_id)
    return queryset.select_related("sent_by")


def may_review(membership: Membership, message: EmailMessage) -> bool:
    return message.status == EmailMessage.Status.REVIEW and (
        is_reviewer(membership) or message.sent_by_id == membership.user_id
    )


def thread_of(message: EmailMessage, membership: Membership) -> list[EmailMessage]:
    if not message.thread_key:
        return [message]
    return list(
        messages_visible(membership)
        .filter(thread_key=message.thread_key)
        .only("pk", "subject", "from_address", "from_name", "sent_at", "direction", "status", "created_at")
        .order_by("sent_at", "pk")[:100]
    )


def contact_candidates(membership: Membership, query: str, message: EmailMessage) -> list[Contact]:
    """Visible contacts to attach to: by name or e-mail when searched, else the sender's company domain."""
    contacts = Contact.objects.visible_to(membership).select_related("account")
    query = query.strip()
    if query:
        terms = Q()
        for word in query.split()[:5]:
            terms &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        contacts = contacts.filter(terms)
    else:
        domain = message.from_address.rpartition("@")[2]
        if not domain:
            return []
        contacts = contacts.filter(email__iendswith=f"@{domain}")
    return list(contacts.order_by("last_name", "first_name", "pk")[:20])


def _locked(message: EmailMessage) -> EmailMessage:
    current = EmailMessage.objects.select_for_update().get(pk=message.pk)
    if current.status != EmailMessage.Status.REVIEW:
        raise ValidationError(_("This e-mail was already reviewed."))
    return current


@transaction.atomic
def review_attach(*, message: EmailMessage, contact: Contact, actor: User) -> EmailMessage:
    """Log a message of the queue on a contact's timeline: an e-mail activity, status LOGGED."""
    current = _locked(message)
    owner = current.sent_by or contact.owner
    current.activity = email_activity_create(
        current,
        contacts=[contact],
        owner=owner,
        description=current.body_text,
        at=current.sent_at or current.created_at,
        actor=actor,
    )
    current.status = EmailMessage.Status.LOGGED
    current.review_reason = ""
    current.save(update_fields=["activity", "status", "review_reason"])
    return current


@transaction.atomic
def review_discard(*, message: EmailMessage, actor: User) -> EmailMessage:
    current = _locked(message)
    current.status = EmailMessage.Status.DISCARDED
    current.save(update_fields=["status"])
    return current
