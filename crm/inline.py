"""Inline edit of one field of a detail page, through htmx, for any record with a `version`.

The flow (templates in `includes/inline_field.html`):
1. the page shows each field as a display fragment; an editable one carries an "Edit" link whose
   `href` is the full edit page (without JavaScript) and whose `hx-get` asks for a one-field form,
   sending the page's version (`#record-version`);
2. the one-field form is the app's own form class, built whole (so that its `__init__` applies field
   policies, per-tenant field rules and choices) and then restricted to the field and `version`;
3. its POST goes through the app's update service (the version check included): on success the
   display fragment comes back, with every other field the save changed and the page's version
   swapped out of band; a field error shows in the form; a stale version shows the current value
   and says so.

A field is editable inline when the form offers it, not disabled (computed or synchronised fields)
and not locked by the field policies; anything else answers 404, like a record the member may not
see.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

TEMPLATE = "includes/inline_field.html"


@dataclass
class InlineItem:
    """One field as the detail page shows it."""

    name: str
    label: Any  # str or lazy translation
    text: str
    href: str = ""
    is_external: bool = False  # a link out of the CRM (a website): no referrer, no opener
    edit_url: str = ""  # the one-field form (hx-get); empty when the member may not edit it
    fallback_url: str = ""  # the full edit page, for browsers without JavaScript


@dataclass
class InlineEdit:
    """What the generic flow needs from an app for one record and one field."""

    record: Any
    field: str
    # (instance, data, initial) -> the app's whole form, bound to the instance.
    make_form: Callable[[Any, QueryDict | None, dict[str, Any]], forms.BaseForm]
    candidates: Collection[str]  # the fields the detail page may edit inline
    locked: Collection[str]  # field policies: the fields the member's role may not change
    # (record, editable fields) -> the displayed fields, by name.
    items: Callable[[Any, set[str]], dict[str, InlineItem]]
    # (record, data, expected_version) -> (the saved record, warnings); raises ValidationError.
    save: Callable[[Any, dict[str, Any], int], tuple[Any, list[str]]]
    reload: Callable[[], Any]
    stale_message: str
    stale_code: str = "stale_version"
    # (record, field) -> None: called when the field's value is shown (the access log of sensitive fields).
    on_display: Callable[[Any, str], None] | None = None


def editable_fields(form: forms.BaseForm, candidates: Collection[str], locked: Collection[str]) -> set[str]:
    """The candidates the form offers, not disabled and not locked by the field policies."""
    return {
        name
        for name in candidates
        if name in form.fields and not form.fields[name].disabled and name not in locked
    }


def restrict_to(form: forms.BaseForm, name: str) -> forms.BaseForm:
    """Keep one field (and the version): the form validates and returns only these."""
    form.fields = {key: form.fields[key] for key in (name, "version") if key in form.fields}
    widget = form.fields[name].widget
    if not getattr(widget, "allow_multiple_selected", False):  # one autofocus per page, not per checkbox
        widget.attrs["autofocus"] = True
    return form


def _version(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _render(request: HttpRequest, partial: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"{TEMPLATE}#{partial}", context)


def inline_edit_response(request: HttpRequest, edit: InlineEdit) -> HttpResponse:
    """GET: the one-field form (or, with ?display, the field as shown); POST: save it."""
    record = edit.record
    editable = editable_fields(edit.make_form(record, None, {}), edit.candidates, edit.locked)
    if edit.field not in editable:
        raise Http404
    if edit.on_display is not None:
        edit.on_display(record, edit.field)
    items = edit.items(record, editable)
    item = items[edit.field]
    if request.method != "POST":
        if "display" in request.GET:
            return _render(request, "display", {"item": item})
        form = restrict_to(edit.make_form(record, None, {"version": record.version}), edit.field)
        page_version = _version(request.GET.get("version"))
        stale = page_version is not None and page_version != record.version
        return _render(
            request,
            "form",
            {"item": item, "form": form, "message": edit.stale_message if stale else ""},
        )
    form = restrict_to(edit.make_form(record, request.POST, {"version": record.version}), edit.field)
    if form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        try:
            saved, warnings = edit.save(record, data, expected_version)
        except ValidationError as error:
            if getattr(error, "code", None) == edit.stale_code:
                fresh = edit.reload()
                fresh_items = edit.items(fresh, editable)
                form = restrict_to(edit.make_form(fresh, None, {"version": fresh.version}), edit.field)
                context = {"item": fresh_items[edit.field], "form": form, "message": edit.stale_message}
                return _render(request, "form", {**context, "current": fresh_items[edit.field]})
            form.add_service_errors(error)  # type: ignore[attr-defined]
        else:
            after = edit.items(saved, editable)
            changed = [
                other
                for name, other in after.items()
                if name != edit.field and (name not in items or items[name].text != other.text)
            ]
            context = {
                "item": after[edit.field],
                "changed": changed,
                "version": saved.version,
                "warnings": warnings,
            }
            return _render(request, "saved", context)
    return _render(request, "form", {"item": item, "form": form, "message": ""})
