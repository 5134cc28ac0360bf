"""Demo data of quotes: a catalogue, two price lists, the demo tenant's company profile with a logo
drawn by code, and a couple of quotes on demo opportunities."""

from __future__ import annotations

from html import escape


def demo_logo_svg(name: str) -> str:
    """A simple logo: the initials in a rounded square and the name beside it."""
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="80" viewBox="0 0 360 80">'
        '<rect x="0" y="4" width="72" height="72" rx="14" fill="#1d3557"/>'
        '<path d="M8 60 L36 20 L64 60 Z" fill="#e63946" opacity="0.85"/>'
        f'<text x="36" y="52" font-family="DejaVu Sans, Arial" font-size="26" font-weight="bold" '
        f'fill="#ffffff" text-anchor="middle">{escape(initials)}</text>'
        f'<text x="88" y="50" font-family="DejaVu Sans, Arial" font-size="26" fill="#1d3557">{escape(name)}</text>'
        "</svg>"
    )
