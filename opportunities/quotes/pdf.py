"""The quote as a PDF (WeasyPrint), in the quote's language, with the seller's legal identity and the
mentions a French B2B quote carries (Code de commerce L441-9, L441-10; CGI art. 242 nonies A)."""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import Address
from opportunities.models import CompanyProfile, Quote
from opportunities.services.quotes import quote_compute


def _logo_data_uri(profile: CompanyProfile | None) -> str:
    """The logo inlined, so WeasyPrint never fetches a URL (no request to the app, no SSRF)."""
    if profile is None or not profile.logo:
        return ""
    try:
        with profile.logo.open("rb") as image:
            content = image.read()
    except OSError:
        return ""
    mime = mimetypes.guess_type(profile.logo.name or "")[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def quote_pdf_context(quote: Quote) -> dict[str, Any]:
    account = quote.opportunity.account
    head_office = Address.objects.filter(account=account, kind=Address.Kind.HEAD_OFFICE).first()
    profile = CompanyProfile.objects.first()
    lines = list(quote.lines.all())
    return {
        "quote": quote,
        "lines": lines,
        "totals": quote_compute(quote, lines),
        "account": account,
        "head_office": head_office,
        "contact": quote.contact,
        "seller": profile,
        "logo": _logo_data_uri(profile),
        "tenant": quote.tenant,
    }


def quote_pdf_filename(quote: Quote) -> str:
    suffix = f"-v{quote.version}" if quote.version > 1 else ""
    return f"{quote.number}{suffix}.pdf"


def quote_pdf(quote: Quote) -> bytes:
    """The PDF bytes of `quote`, rendered in the quote's language."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override(quote.language):
        html = render_to_string("opportunities/quotes/pdf.html", quote_pdf_context(quote))
    # Every resource is inline: only data: URIs are read, so text typed by a user (a description, a
    # name) can never make the server fetch a URL or a local file.
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf
