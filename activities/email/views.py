"""Pages of the outbound e-mail part: compose from a record, a sent (or failed) message, try again.

A record the member may not see answers 404; a role that may not log activities answers 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.email import selectors
from activities.email.forms import ComposeForm
from activities.email.sending import (
    Links,
    OutboundInput,
    SendFailed,
    email_retry,
    email_send,
    has_marketing_consent,
    template_render,
)
from activities.email.templates import email_templates_ensure
from activities.models import EmailMessage, EmailTemplate
from crm.http import TenantRequest

SEND_PERMISSION = "activities.add_activity"


def _require_send(request: TenantRequest) -> None:
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied


def _links(request: TenantRequest) -> Links:
    try:
        return selectors.links_resolve(
            scope=selectors.member_scope(request.membership),
            contact=request.GET.get("contact"),
            lead=request.GET.get("lead"),
            opportunity=request.GET.get("opportunity"),
            quote=request.GET.get("quote"),
        )
    except selectors.RecordNotFound:
        raise Http404 from None


def back_url(links: Links) -> str:
    """The page the e-mail was written from."""
    if links.quote is not None:
        return reverse("quotes:quote_detail", args=[links.quote.pk])
    if links.opportunity is not None:
        return reverse("opportunities:opportunity_detail", args=[links.opportunity.pk])
    if links.lead is not None:
        return reverse("leads:lead_detail", args=[links.lead.pk])
    if links.contact is not None:
        return reverse("accounts:contact_detail", args=[links.contact.pk])
    return reverse("crm:home")


def _language(request: TenantRequest, links: Links) -> str:
    asked = request.GET.get("language", "")
    if asked in EmailTemplate.Language.values:
        return asked
    record = links.recipient_record
    language = getattr(record, "language", "") or "fr"
    return language if language in EmailTemplate.Language.values else "fr"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def compose(request: TenantRequest) -> HttpResponse:
    _require_send(request)
    links = _links(request)
    if not EmailTemplate.objects.exists():
        email_templates_ensure()
    language = _language(request, links)
    template = selectors.template_pick(code=request.GET.get("template", ""), language=language)
    is_marketing = template is not None and template.purpose == EmailTemplate.Purpose.MARKETING
    recipient = links.recipient_record
    if request.method == "POST":
        form = ComposeForm(request.POST)
        if form.is_valid() and recipient is not None:
            try:
                message = email_send(
                    data=OutboundInput(
                        links=links,
                        subject=form.cleaned_data["subject"],
                        body=form.cleaned_data["body"],
                        template=template,
                        is_marketing=is_marketing,
                        cc=form.cc_list(),
                    ),
                    actor=request.user,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            except SendFailed as failure:
                messages.error(request, failure.user_message)
                return HttpResponseRedirect(reverse("email:outbound_detail", args=[failure.message.pk]))
            else:
                messages.success(request, _sent_text(message))
                return HttpResponseRedirect(reverse("email:outbound_detail", args=[message.pk]))
    else:
        initial: dict[str, Any] = {}
        if template is not None:
            initial["subject"], initial["body"] = template_render(
                template=template, links=links, sender=request.user
            )
        form = ComposeForm(initial=initial)
    context = {
        "form": form,
        "links": links,
        "recipient": recipient,
        "language": language,
        "languages": EmailTemplate.Language.choices,
        "templates": selectors.templates_for(language),
        "template": template,
        "is_marketing": is_marketing,
        "consent_missing": is_marketing and recipient is not None and not has_marketing_consent(links),
        "back_url": back_url(links),
        "query": request.GET,
    }
    return render(request, "activities/email/compose.html", context)


def _sent_text(message: EmailMessage) -> str:
    return _("The e-mail was sent to %(to)s.") % {"to": ", ".join(message.to_addresses)}


def _outbound_or_404(request: TenantRequest, pk: int) -> EmailMessage:
    found = (
        selectors.outbound_visible(request.membership)
        .select_related("template", "sent_by", "contact", "lead", "opportunity", "quote", "activity")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "HEAD"])
def outbound_detail(request: TenantRequest, pk: int) -> HttpResponse:
    message = _outbound_or_404(request, pk)
    links = Links(
        contact=message.contact, lead=message.lead, opportunity=message.opportunity, quote=message.quote
    )
    context = {
        "message": message,
        "back_url": back_url(links),
        "may_retry": message.status == EmailMessage.Status.FAILED and request.user.has_perm(SEND_PERMISSION),
    }
    return render(request, "activities/email/outbound.html", context)


@login_required
@require_POST
def outbound_retry(request: TenantRequest, pk: int) -> HttpResponse:
    _require_send(request)
    message = _outbound_or_404(request, pk)
    try:
        email_retry(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except SendFailed as failure:
        messages.error(request, failure.user_message)
    else:
        messages.success(request, _sent_text(message))
    return HttpResponseRedirect(reverse("email:outbound_detail", args=[message.pk]))
