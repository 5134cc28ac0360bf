"""Inbound e-mail pages: the review queue (messages no contact matched), one message (headers, the
sanitised HTML, text, attachments, thread) and the download of an attachment.

A message the member may not see answers 404; review actions on a message they see but may not review
answer 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Contact
from activities.email import inbound_review as review
from activities.models import EmailAttachment, EmailMessage
from crm.http import TenantRequest
from crm.pagination import keyset_page, page_links

PAGE_SIZE = 30
# Types a browser may be told; anything else is downloaded as bytes.
SAFE_DOWNLOAD_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain", "text/calendar", "text/csv",
     "application/zip", "message/rfc822"}
)  # fmt: skip


def _require_email_access(request: TenantRequest) -> None:
    if not request.user.has_perm("activities.view_emailmessage"):
        raise PermissionDenied  # a role without activities (finance): no e-mail exists for it


def _message_or_404(request: TenantRequest, pk: int) -> EmailMessage:
    _require_email_access(request)
    message = (
        review.messages_visible(request.membership)
        .select_related("activity", "sent_by")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message


@login_required
@require_http_methods(["GET", "HEAD"])
def review_list(request: TenantRequest) -> HttpResponse:
    _require_email_access(request)
    page = keyset_page(
        review.review_queue(request.membership),
        order=("created_at", "id"),
        descending=True,
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    context = {
        "emails": page.rows,
        "is_reviewer": review.is_reviewer(request.membership),
        **page_links(request, page),
    }
    return render(request, "activities/email/review_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def message_detail(request: TenantRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    may_review = review.may_review(request.membership, message)
    query = request.GET.get("q", "")[:100]
    context = {
        "email": message,
        "attachments": list(EmailAttachment.objects.filter(message=message).defer("content").order_by("pk")),
        "thread": review.thread_of(message, request.membership),
        "may_review": may_review,
        "query": query,
        "candidates": review.contact_candidates(request.membership, query, message) if may_review else [],
    }
    return render(request, "activities/email/message_detail.html", context)


@login_required
@require_POST
def review_attach(request: TenantRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    if not review.may_review(request.membership, message):
        raise PermissionDenied
    contact_id = request.POST.get("contact", "")
    contact = (
        Contact.objects.visible_to(request.membership).filter(pk=contact_id).first()
        if contact_id.isdigit()
        else None
    )
    detail_url = reverse("email_review:message_detail", args=[message.pk])
    if contact is None:
        messages.error(request, _("Choose one of the contacts you can see."))
        return HttpResponseRedirect(detail_url)
    try:
        review.review_attach(message=message, contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(detail_url)
    messages.success(request, _("The e-mail is logged on %(contact)s's timeline.") % {"contact": contact})
    return HttpResponseRedirect(reverse("email_review:review_list"))


@login_required
@require_POST
def review_discard(request: TenantRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    if not review.may_review(request.membership, message):
        raise PermissionDenied
    try:
        review.review_discard(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("email_review:message_detail", args=[message.pk]))
    messages.success(request, _("The e-mail is discarded."))
    return HttpResponseRedirect(reverse("email_review:review_list"))


@login_required
@require_http_methods(["GET", "HEAD"])
def attachment_download(request: TenantRequest, pk: int, attachment_pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    attachment = EmailAttachment.objects.filter(message=message, pk=attachment_pk).first()
    if attachment is None or attachment.content is None:
        raise Http404
    content_type = attachment.content_type if attachment.content_type in SAFE_DOWNLOAD_TYPES else ""
    response = HttpResponse(
        bytes(attachment.content), content_type=content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
