"""Pages of saved views: save the filters of a list, rename or share a view, make it my default,
delete it. Plain POST forms (from `includes/saved_views.html` on the list page); on an error the
form is shown again on a page of its own, with its field errors. Another member's private view, like
another tenant's, is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import saved_views
from crm.forms import SavedViewForm
from crm.models import Membership, SavedView, User


class MemberRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    membership: Membership


def _list_of(request: MemberRequest, key: str) -> saved_views.SavedList:
    saved_list = saved_views.saved_list_get(key)
    if not request.user.has_perm(saved_list.permission):
        raise PermissionDenied
    return saved_list


def _opened(saved_list: saved_views.SavedList, saved_view: SavedView | None) -> HttpResponseRedirect:
    query = f"?view={saved_view.pk}" if saved_view is not None else "?view="
    return HttpResponseRedirect(reverse(saved_list.url_name) + query)


def _own_view(request: MemberRequest, pk: int) -> SavedView:
    try:
        return saved_views.saved_view_get_own(membership=request.membership, pk=pk)
    except SavedView.DoesNotExist:
        raise Http404 from None


def _form_page(request: MemberRequest, form: SavedViewForm, **context: Any) -> HttpResponse:
    return render(request, "crm/saved_view_form.html", {"form": form, **context})


@login_required
@require_POST
def saved_view_create(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = SavedViewForm(request.POST, may_publish=saved_views.may_publish(membership))
    saved_list = _list_of(request, request.POST.get("list_key", ""))
    if form.is_valid():
        try:
            saved_view = saved_views.saved_view_create(
                membership=membership,
                list_key=saved_list.key,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
                is_shared=form.cleaned_data.get("is_shared", False),
                is_default=form.cleaned_data["is_default"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The view was saved."))
            return _opened(saved_list, saved_view)
    return _form_page(request, form, saved_list=saved_list, saved_view=None)


@login_required
@require_POST
def saved_view_update(request: MemberRequest, pk: int) -> HttpResponse:
    saved_view = _own_view(request, pk)
    saved_list = _list_of(request, saved_view.list_key)
    form = SavedViewForm(
        request.POST,
        may_publish=saved_views.may_publish(request.membership) or saved_view.is_shared,
        is_new=False,
    )
    if form.is_valid():
        try:
            saved_views.saved_view_update(
                saved_view=saved_view,
                membership=request.membership,
                name=form.cleaned_data["name"],
                is_shared=form.cleaned_data.get("is_shared", False),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The view was saved."))
            return _opened(saved_list, saved_view)
    return _form_page(request, form, saved_list=saved_list, saved_view=saved_view)


@login_required
@require_POST
def saved_view_default(request: MemberRequest, pk: int) -> HttpResponse:
    saved_view = _own_view(request, pk)
    saved_list = _list_of(request, saved_view.list_key)
    is_default = request.POST.get("is_default") == "on"
    saved_views.saved_view_set_default(
        saved_view=saved_view, membership=request.membership, is_default=is_default
    )
    if is_default:
        messages.success(request, _("This view now opens when you come to the list."))
    else:
        messages.success(request, _("This view is no longer your default."))
    return _opened(saved_list, saved_view)


@login_required
@require_POST
def saved_view_delete(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        saved_view = saved_views.saved_view_get_deletable(membership=request.membership, pk=pk)
    except SavedView.DoesNotExist:
        raise Http404 from None
    saved_list = _list_of(request, saved_view.list_key)
    saved_views.saved_view_delete(saved_view=saved_view, membership=request.membership)
    messages.success(request, _("The view was deleted."))
    return _opened(saved_list, None)
