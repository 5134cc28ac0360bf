"""Saved views of list pages: a named query string (filters and sort) kept per member and per list.

Any list page can offer them: its app registers the list in `AppConfig.ready()` (`register_list`),
and the page calls `saved_list_state()` instead of binding its filter set to `request.GET`, then
includes `includes/saved_views.html`. The kernel never imports the apps that register lists.

Rules:
- Every member who may open a list may save views of it, rename and delete their own, and make one
  of their own views their default: it opens when they come to the list without any parameter
  (`?view=` opens the list without it). A default is always one's own view; to make a colleague's
  shared view a default, open it and save it under one's own name.
- Publishing a view to the whole tenant (`is_shared`) is for the roles that lead others:
  tenant administrators, sales directors, sales managers, marketing managers and support
  supervisors (`PUBLISHER_ROLES`). Only the owner changes a shared view; a tenant administrator
  may also delete one (to clean up after someone has left).
- A shared view holds filters, never rows: opened by someone else it runs through their own
  filter set and `visible_to`, so each person sees only the records they may see.
- The query is cleaned through the list's filter set when saved and again when opened: a parameter
  the filter set no longer knows, or a value that no longer validates (a deleted segment), is
  dropped, never an error.
- Names are unique per owner and list, whatever the case (a unique constraint settles races).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.models import Membership, SavedView
from crm.roles import Role

PUBLISHER_ROLES = frozenset(
    {
        Role.TENANT_ADMIN,
        Role.SALES_DIRECTOR,
        Role.SALES_MANAGER,
        Role.MARKETING_MANAGER,
        Role.SUPPORT_SUPERVISOR,
    }
)
# Parameters of a list page that are not filters: the cursor of keyset pagination, the view itself.
NOT_FILTERS = frozenset({"after", "view"})
NAME_MAX_LENGTH = 100
QUERY_MAX_LENGTH = 2000  # SavedView.query


# Registry ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedList:
    """A list page that offers saved views. `filterset(data, membership)` binds its filter set."""

    key: str  # "accounts.account"
    label: str | Promise
    url_name: str  # "accounts:account_list"
    permission: str  # "accounts.view_account"
    filterset: Callable[[QueryDict, Membership], Any]


_lists: dict[str, SavedList] = {}


def register_list(saved_list: SavedList) -> None:
    _lists[saved_list.key] = saved_list


def saved_list_get(key: str) -> SavedList:
    """The registered list; Http404 for an unknown key (a tampered form)."""
    try:
        return _lists[key]
    except KeyError:
        raise Http404 from None


def may_publish(membership: Membership) -> bool:
    return membership.role in PUBLISHER_ROLES


# Query cleaning ---------------------------------------------------------------------------------


def _kept_filters(filterset: Any, data: QueryDict) -> tuple[QueryDict, bool]:
    """The parameters of `data` the filter set knows and accepts (blanks dropped), and whether some
    known-to-be-filters were dropped. Validating here costs what the list costs anyway (the form
    caches its errors)."""
    form = filterset.form
    form.is_valid()
    kept = QueryDict(mutable=True)
    dropped = False
    for key in data:
        if key in NOT_FILTERS:
            continue
        if key not in form.fields or key in form.errors:
            dropped = True
            continue
        values = [value for value in data.getlist(key) if value != ""]
        if values:
            kept.setlist(key, values)
    return kept, dropped


def clean_query(*, saved_list: SavedList, membership: Membership, query: str) -> str:
    """`query` with only the filters and sort the list accepts today, as a query string."""
    data = QueryDict(query)
    kept, _dropped = _kept_filters(saved_list.filterset(data, membership), data)
    return kept.urlencode()


# Selectors --------------------------------------------------------------------------------------


def saved_view_list(*, membership: Membership, list_key: str) -> QuerySet[SavedView]:
    """My views of this list, then the ones shared with everyone: what I may open (one query)."""
    return (
        SavedView.objects.filter(list_key=list_key)
        .filter(Q(owner_id=membership.user_id) | Q(is_shared=True))
        .select_related("owner")
        .order_by("name", "id")
    )


def saved_view_get_own(*, membership: Membership, pk: int) -> SavedView:
    """A view this member may change: their own. SavedView.DoesNotExist (a 404) otherwise."""
    return SavedView.objects.get(pk=pk, owner_id=membership.user_id)


def saved_view_get_deletable(*, membership: Membership, pk: int) -> SavedView:
    """Their own view, or for a tenant administrator any shared one; DoesNotExist otherwise."""
    condition = Q(owner_id=membership.user_id)
    if membership.role == Role.TENANT_ADMIN:
        condition |= Q(is_shared=True)
    return SavedView.objects.filter(condition).get(pk=pk)


@dataclass
class ListState:
    """What a list page shows: its bound filter set, the saved views offered, the one open."""

    saved_list: SavedList
    filterset: Any
    query: QueryDict  # the cleaned filters and sort shown (for exports and "save this view")
    views: list[SavedView]
    current: SavedView | None
    dropped: bool  # the open view holds filters that no longer apply (they were ignored)
    may_publish: bool
    user_id: int
    link_query: QueryDict  # what pagination links keep: the open view, or the filters given

    @property
    def my_views(self) -> list[SavedView]:
        return [view for view in self.views if view.owner_id == self.user_id]

    @property
    def shared_views(self) -> list[SavedView]:
        return [view for view in self.views if view.owner_id != self.user_id]

    @property
    def has_default(self) -> bool:
        return any(view.is_default for view in self.my_views)

    @property
    def current_is_mine(self) -> bool:
        return self.current is not None and self.current.owner_id == self.user_id

    @property
    def query_string(self) -> str:
        return self.query.urlencode()


def saved_list_state(*, request: HttpRequest, list_key: str) -> ListState:
    """Bind the list's filter set to the open saved view (`?view=<id>`, or my default when the page
    comes without any parameter) or to the filters given. One query for the saved views, whatever
    their number; an unknown or foreign view is a 404."""
    saved_list = saved_list_get(list_key)
    membership: Membership = request.membership  # type: ignore[attr-defined]
    views = list(saved_view_list(membership=membership, list_key=list_key))
    data = request.GET
    wanted = data.get("view", "")
    current = None
    if wanted:
        current = next((view for view in views if str(view.pk) == wanted), None)
        if current is None:
            raise Http404
    elif not data:
        mine = (view for view in views if view.owner_id == membership.user_id and view.is_default)
        current = next(mine, None)
    dropped = False
    if current is not None:
        saved = QueryDict(current.query)
        filterset = saved_list.filterset(saved, membership)
        query, dropped = _kept_filters(filterset, saved)
        if dropped:
            filterset = saved_list.filterset(query, membership)
        link_query = QueryDict(mutable=True)
        link_query["view"] = str(current.pk)
        if data.get("after"):
            link_query["after"] = data["after"]
    else:
        filterset = saved_list.filterset(data, membership)
        query, _dropped = _kept_filters(filterset, data)
        link_query = data.copy()
    return ListState(
        saved_list=saved_list,
        filterset=filterset,
        query=query,
        views=views,
        current=current,
        dropped=dropped,
        may_publish=may_publish(membership),
        user_id=membership.user_id,
        link_query=link_query,
    )


# Services ---------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationError({"name": _("At most %(count)d characters.") % {"count": NAME_MAX_LENGTH}})
    return cleaned


def _check_sharing(membership: Membership, is_shared: bool) -> None:
    if is_shared and not may_publish(membership):
        raise ValidationError(
            {"is_shared": _("Only administrators and managers may share a view with everyone.")}
        )


def _save_unique(saved_view: SavedView, **kwargs: Any) -> None:
    """Save; the unique constraint on (owner, list, name) answers a duplicate name, races included."""
    try:
        with transaction.atomic():
            saved_view.save(**kwargs)
    except IntegrityError:
        raise ValidationError({"name": _("You already have a view with this name on this list.")}) from None


def _clear_default(*, membership: Membership, list_key: str, keep: SavedView | None) -> None:
    others = SavedView.objects.select_for_update().filter(
        owner_id=membership.user_id, list_key=list_key, is_default=True
    )
    if keep is not None and keep.pk is not None:
        others = others.exclude(pk=keep.pk)
    others.update(is_default=False, updated_at=timezone.now())


@transaction.atomic
def saved_view_create(
    *,
    membership: Membership,
    list_key: str,
    name: str,
    query: str,
    is_shared: bool = False,
    is_default: bool = False,
) -> SavedView:
    """Save the filters and sort of a list under a name, for this member (and everyone, if shared)."""
    saved_list = saved_list_get(list_key)
    cleaned_name = _clean_name(name)
    _check_sharing(membership, is_shared)
    if is_default:
        _clear_default(membership=membership, list_key=list_key, keep=None)
    cleaned_query = clean_query(saved_list=saved_list, membership=membership, query=query)
    if len(cleaned_query) > QUERY_MAX_LENGTH:
        raise ValidationError(_("These filters are too long to be saved: shorten the search."))
    saved_view = SavedView(
        tenant=membership.tenant,
        owner_id=membership.user_id,
        list_key=list_key,
        name=cleaned_name,
        query=cleaned_query,
        is_shared=is_shared,
        is_default=is_default,
    )
    _save_unique(saved_view)
    return saved_view


@transaction.atomic
def saved_view_update(
    *, saved_view: SavedView, membership: Membership, name: str, is_shared: bool
) -> SavedView:
    """Rename a view of one's own, or publish or withdraw it."""
    if saved_view.owner_id != membership.user_id:
        raise SavedView.DoesNotExist
    saved_view.name = _clean_name(name)
    # A view shared before its owner's role changed may still be withdrawn, never published anew.
    if is_shared != saved_view.is_shared:
        _check_sharing(membership, is_shared)
    saved_view.is_shared = is_shared
    saved_view.updated_at = timezone.now()
    _save_unique(saved_view, update_fields=["name", "is_shared", "updated_at"])
    return saved_view


@transaction.atomic
def saved_view_set_default(*, saved_view: SavedView, membership: Membership, is_default: bool) -> SavedView:
    """Make a view of one's own the default of its list (any previous default stops being one), or
    stop it being the default."""
    if saved_view.owner_id != membership.user_id:
        raise SavedView.DoesNotExist
    _clear_default(membership=membership, list_key=saved_view.list_key, keep=saved_view)
    saved_view.is_default = is_default
    saved_view.updated_at = timezone.now()
    saved_view.save(update_fields=["is_default", "updated_at"])
    return saved_view


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, membership: Membership) -> None:
    is_owner = saved_view.owner_id == membership.user_id
    if not (is_owner or (saved_view.is_shared and membership.role == Role.TENANT_ADMIN)):
        raise SavedView.DoesNotExist
    saved_view.delete()
