"""HTML of inbound e-mails, sanitised with nh3 before it is stored (the message page shows it as HTML).

Kept: basic formatting, lists, tables, quotes, links (http, https, mailto only; rel="noopener noreferrer
nofollow"; opened in a new tab). Removed: scripts and styles with their content, event handlers, style
attributes, iframes, forms, objects, and every image whose source is not an inline data:image/ URL (remote
images are trackers; cid: references cannot be shown without rewriting them, so they go too).
"""

from __future__ import annotations

import html

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "dd", "div", "dl", "dt",
        "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre",
        "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "p": {"align"},
    "div": {"align"},
    "abbr": {"title"},
}
LINK_SCHEMES = ("http://", "https://", "mailto:")
IMAGE_PREFIX = "data:image/"
# Content removed with the tag (not only the tag).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "title", "head", "iframe", "object", "embed", "form", "textarea", "select",
     "button", "noscript", "template", "svg", "math"}
)  # fmt: skip


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    cleaned = value.strip()
    lowered = cleaned.lower()
    if element == "a" and attribute == "href":
        return cleaned if lowered.startswith(LINK_SCHEMES) else None
    if element == "img" and attribute == "src":
        return (
            cleaned if lowered.startswith(IMAGE_PREFIX) and not lowered.startswith("data:image/svg") else None
        )
    return value


def sanitize_html(raw: str) -> str:
    """The HTML that may be shown as it is: nothing that runs, loads or submits anything."""
    if not raw.strip():
        return ""
    return nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    ).strip()


def html_to_text(raw: str) -> str:
    """A readable text version of an HTML body (when the message has no text part)."""
    if not raw.strip():
        return ""
    spaced = raw.replace("<br", "\n<br").replace("</p>", "</p>\n").replace("</div>", "</div>\n")
    text = html.unescape(nh3.clean(spaced, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT)))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip()
