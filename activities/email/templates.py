"""E-mail templates: merge fields and the tenant's default templates.

Tenant text is never run as a Django template (it could reach any attribute, filter or tag). The only
syntax is `{{ object.field }}` from a fixed whitelist (MERGE_FIELDS); values are looked up in a plain
dictionary built by `merge_context()`, in the recipient's language. An unknown placeholder is refused
when a template is saved (`merge_fields_check`); a known one without a value renders as "".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from activities.models import EmailSettings, EmailTemplate
from crm.money import format_money

PLACEHOLDER = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}")

MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "contact": ("salutation", "first_name", "last_name", "full_name", "email", "job_title"),
    "account": ("name", "legal_name", "city"),
    "opportunity": ("name", "amount", "expected_close_date"),
    "quote": ("number", "total", "valid_until"),
    "sender": ("full_name", "email", "phone", "signature"),
}
VALID_FIELDS: tuple[str, ...] = tuple(
    f"{group}.{name}" for group, names in MERGE_FIELDS.items() for name in names
)


def placeholders(text: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(text)]


def unknown_placeholders(text: str) -> list[str]:
    seen: list[str] = []
    for name in placeholders(text):
        if name not in VALID_FIELDS and name not in seen:
            seen.append(name)
    return seen


def merge_fields_check(**texts: str) -> None:
    """ValidationError on each text (by field name) that uses a placeholder outside the whitelist."""
    errors: dict[str, str] = {}
    valid = ", ".join("{{ %s }}" % name for name in VALID_FIELDS)  # noqa: UP031 - braces are the syntax
    for field, text in texts.items():
        unknown = unknown_placeholders(text or "")
        if unknown:
            errors[field] = _("Unknown merge fields: %(unknown)s. Valid merge fields: %(valid)s.") % {
                "unknown": ", ".join("{{ %s }}" % name for name in unknown),  # noqa: UP031
                "valid": valid,
            }
    if errors:
        raise ValidationError(errors)


def render_text(text: str, context: dict[str, str]) -> str:
    """Replace whitelisted placeholders with their value ("" when missing); anything else stays as
    typed (the compose page shows the text before it is sent)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VALID_FIELDS:
            return match.group(0)
        return context.get(name, "")

    return PLACEHOLDER.sub(replace, text)


def text_to_html(text: str) -> str:
    """The HTML alternative of a plain-text body: every character escaped, paragraphs and line breaks."""
    return linebreaks(escape(text))


def _date(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


@dataclass
class Recipient:
    """Who an e-mail is written to: a contact, or a lead that has none yet."""

    salutation: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    job_title: str = ""
    language: str = "fr"

    @classmethod
    def of(cls, record: Any) -> Recipient:
        return cls(
            salutation=record.salutation or "",
            first_name=record.first_name or "",
            last_name=record.last_name or "",
            email=record.email or "",
            job_title=record.job_title or "",
            language=record.language if record.language in ("fr", "en") else "fr",
        )


def _salutation(code: str) -> str:
    if code == "mme":
        return pgettext("salutation in a letter", "Ms")
    if code == "m":
        return pgettext("salutation in a letter", "Mr")
    return ""


def _head_office_city(account: Any) -> str:
    from accounts.models import Address

    return (
        Address.objects.filter(account_id=account.pk, kind=Address.Kind.HEAD_OFFICE)
        .values_list("city", flat=True)
        .first()
        or ""
    )


def merge_context(
    *,
    recipient: Recipient | None,
    account: Any = None,
    account_name: str = "",
    opportunity: Any = None,
    quote: Any = None,
    sender: Any = None,
    settings: EmailSettings | None = None,
) -> dict[str, str]:
    """The values of the merge fields, formatted in the recipient's language (money, salutation);
    dates dd/mm/yyyy."""
    language = recipient.language if recipient else "fr"
    values: dict[str, str] = {}
    with translation.override(language):
        if recipient is not None:
            values.update(
                {
                    "contact.salutation": _salutation(recipient.salutation),
                    "contact.first_name": recipient.first_name,
                    "contact.last_name": recipient.last_name,
                    "contact.full_name": f"{recipient.first_name} {recipient.last_name}".strip(),
                    "contact.email": recipient.email,
                    "contact.job_title": recipient.job_title,
                }
            )
        if account is not None:
            values.update(
                {
                    "account.name": str(account),
                    "account.legal_name": account.legal_name,
                    "account.city": _head_office_city(account),
                }
            )
        elif account_name:
            values.update({"account.name": account_name, "account.legal_name": account_name})
        if opportunity is not None:
            values.update(
                {
                    "opportunity.name": opportunity.name,
                    "opportunity.amount": format_money(opportunity.amount, opportunity.currency),
                    "opportunity.expected_close_date": _date(opportunity.expected_close_date),
                }
            )
        if quote is not None:
            values.update(
                {
                    "quote.number": str(quote),
                    "quote.total": format_money(quote.total_incl_tax, quote.currency),
                    "quote.valid_until": _date(quote.valid_until),
                }
            )
        if sender is not None:
            values.update(
                {
                    "sender.full_name": sender.full_name or "",
                    "sender.email": sender.email or "",
                    "sender.phone": _company_phone(),
                    "sender.signature": settings.signature if settings else "",
                }
            )
    return values


def _company_phone() -> str:
    """The tenant's phone as its quotes print it (users have no phone of their own)."""
    from opportunities.models import CompanyProfile

    return CompanyProfile.objects.values_list("phone", flat=True).first() or ""


# --- The tenant's default templates -------------------------------------------------------------

DEFAULT_TEMPLATES: tuple[dict[str, str], ...] = (
    {
        "code": "quote-follow-up",
        "language": "fr",
        "name": "Relance devis",
        "subject": "Votre devis {{ quote.number }} — {{ account.name }}",
        "body": (
            "Bonjour {{ contact.first_name }},\n\n"
            "Je reviens vers vous au sujet du devis {{ quote.number }} que nous vous avons adressé, "
            "d'un montant de {{ quote.total }} TTC et valable jusqu'au {{ quote.valid_until }}.\n\n"
            "Avez-vous pu en prendre connaissance ? Je me tiens à votre disposition pour répondre à vos "
            "questions, ajuster la proposition si nécessaire ou organiser un court échange avec vos "
            "équipes.\n\n"
            "Dans l'attente de votre retour, je vous prie d'agréer mes salutations distinguées.\n\n"
            "{{ sender.full_name }}"
        ),
    },
    {
        "code": "quote-follow-up",
        "language": "en",
        "name": "Quote follow-up",
        "subject": "Your quote {{ quote.number }} — {{ account.name }}",
        "body": (
            "Hello {{ contact.first_name }},\n\n"
            "I am following up on quote {{ quote.number }} we sent you, for a total of {{ quote.total }} "
            "including VAT and valid until {{ quote.valid_until }}.\n\n"
            "Have you had a chance to review it? I would be glad to answer any questions, adjust the "
            "proposal if needed or set up a short call with your team.\n\n"
            "I look forward to hearing from you.\n\n"
            "Kind regards,\n"
            "{{ sender.full_name }}"
        ),
    },
    {
        "code": "demo-follow-up",
        "language": "fr",
        "name": "Suivi de démo",
        "subject": "Suite à notre démonstration — {{ opportunity.name }}",
        "body": (
            "Bonjour {{ contact.first_name }},\n\n"
            "Merci encore pour le temps que vous nous avez accordé lors de la démonstration. "
            "J'espère qu'elle vous a permis de vous projeter dans l'utilisation de notre solution au "
            "sein de {{ account.name }}.\n\n"
            "Comme convenu, je reste à votre disposition pour approfondir les points qui vous "
            "intéressent, organiser un essai avec vos équipes ou vous transmettre une proposition "
            "détaillée.\n\n"
            "Quelle serait pour vous la prochaine étape la plus utile ?\n\n"
            "Bien cordialement,\n"
            "{{ sender.full_name }}"
        ),
    },
    {
        "code": "demo-follow-up",
        "language": "en",
        "name": "Demo follow-up",
        "subject": "Following our demo — {{ opportunity.name }}",
        "body": (
            "Hello {{ contact.first_name }},\n\n"
            "Thank you again for your time during the demo. I hope it gave you a clear picture of how "
            "our solution would work at {{ account.name }}.\n\n"
            "I am happy to go deeper into the points that matter most to you, set up a trial with your "
            "team or send you a detailed proposal.\n\n"
            "What would be the most useful next step for you?\n\n"
            "Best regards,\n"
            "{{ sender.full_name }}"
        ),
    },
    {
        "code": "meeting-confirmation",
        "language": "fr",
        "name": "Confirmation de rendez-vous",
        "subject": "Confirmation de notre rendez-vous — {{ account.name }}",
        "body": (
            "Bonjour {{ contact.first_name }},\n\n"
            "Je vous confirme notre rendez-vous et vous remercie de l'intérêt que vous portez à nos "
            "services.\n\n"
            "Si vous souhaitez que nous abordions des points particuliers, n'hésitez pas à me les "
            "indiquer à l'avance afin que je puisse préparer notre échange au mieux. En cas "
            "d'empêchement, vous pouvez me joindre par retour de mail ou au {{ sender.phone }}.\n\n"
            "Au plaisir d'échanger avec vous,\n\n"
            "{{ sender.full_name }}"
        ),
    },
    {
        "code": "meeting-confirmation",
        "language": "en",
        "name": "Meeting confirmation",
        "subject": "Confirming our meeting — {{ account.name }}",
        "body": (
            "Hello {{ contact.first_name }},\n\n"
            "I am writing to confirm our meeting, and to thank you for your interest in our services.\n\n"
            "If there are specific points you would like us to cover, please let me know beforehand so "
            "that I can prepare accordingly. Should anything come up, you can reach me by replying to "
            "this e-mail or on {{ sender.phone }}.\n\n"
            "Looking forward to speaking with you,\n\n"
            "{{ sender.full_name }}"
        ),
    },
)


def email_templates_ensure() -> list[EmailTemplate]:
    """The default templates (French and English) of the current tenant, created when missing; a
    template the tenant edited is left as it is (idempotent)."""
    from crm.tenancy import current_tenant

    tenant = current_tenant()
    existing = set(EmailTemplate.objects.values_list("code", "language"))
    missing = [
        EmailTemplate(tenant=tenant, purpose=EmailTemplate.Purpose.TRANSACTIONAL, **default)
        for default in DEFAULT_TEMPLATES
        if (default["code"], default["language"]) not in existing
    ]
    for template in missing:
        merge_fields_check(subject=template.subject, body=template.body)
    if missing:
        EmailTemplate.objects.bulk_create(missing, ignore_conflicts=True)
    return list(EmailTemplate.objects.all())


# --- Writing templates (admin and API) -----------------------------------------------------------

TEMPLATE_FIELDS = ("code", "name", "language", "purpose", "subject", "body", "is_active")


def email_template_check(*, pk: int | None, code: str, language: str, subject: str, body: str) -> None:
    """ValidationError when the merge fields are unknown or the code already has this language."""
    errors: dict[str, list[str]] = {}
    try:
        merge_fields_check(subject=subject, body=body)
    except ValidationError as error:
        errors.update(error.message_dict)
    if code and EmailTemplate.objects.filter(code=code, language=language).exclude(pk=pk).exists():
        errors.setdefault("code", []).append(_("A template with this code already exists in this language."))
    if errors:
        raise ValidationError(errors)


def email_template_save(*, template: EmailTemplate, data: dict[str, Any], actor: Any) -> EmailTemplate:
    """Create (no pk) or change a template, after the checks above."""
    from django.db import transaction

    from crm.history import set_history_user

    with transaction.atomic():
        for name, value in data.items():
            if name in TEMPLATE_FIELDS:
                setattr(template, name, value)
        email_template_check(
            pk=template.pk,
            code=template.code,
            language=template.language,
            subject=template.subject,
            body=template.body,
        )
        template.updated_at = timezone.now()
        set_history_user(template, actor=actor)
        template.save()
    return template
