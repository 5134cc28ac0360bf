"""The addresses of an account (spec 2.1.1: head office, billing, other sites; several per account):
pages to add, change and remove them. Writes go through `services.address_save` (country ISO 3166,
French postal codes checked, the territory re-placed when the head office moves); one head office
per account (the database holds it too)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import identifiers, services
from accounts.models import Account, Address
from accounts.territories import account_place_in_territory
from accounts.views import _account_or_404, _require
from crm.http import TenantRequest
from crm.models import User
from governance import search


class AddressForm(forms.ModelForm):
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20)

    class Meta:
        model = Address
        fields = ["kind", "label", "line1", "line2", "postal_code", "city", "country"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"] = forms.ChoiceField(
            label=self.fields["country"].label, choices=identifiers.country_choices(), initial="FR"
        )
        self.fields["label"].widget.attrs["placeholder"] = _("e.g. Lyon warehouse")
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


def _head_office_taken(account: Account, kind: str, address: Address | None) -> bool:
    others = Address.objects.filter(account=account, kind=Address.Kind.HEAD_OFFICE)
    if address is not None:
        others = others.exclude(pk=address.pk)
    return kind == Address.Kind.HEAD_OFFICE and others.exists()


@transaction.atomic
def address_delete(*, address: Address, actor: User | None) -> None:
    account = address.account
    was_head_office = address.kind == Address.Kind.HEAD_OFFICE
    address._history_user = actor  # type: ignore[attr-defined]
    address.delete()
    if was_head_office:  # no head office: the rules no longer place the account
        account_place_in_territory(account=account, actor=actor)
    search.index(account)


def _address_of(account: Account, address_pk: int) -> Address:
    address = Address.objects.filter(account=account, pk=address_pk).first()
    if address is None:
        raise Http404
    return address


def _render(
    request: TenantRequest, account: Account, form: AddressForm, address: Address | None
) -> HttpResponse:
    context = {"account": account, "form": form, "address": address}
    return render(request, "accounts/address_form.html", context)


def _save(request: TenantRequest, account: Account, address: Address | None) -> HttpResponse:
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        kind = data.pop("kind")
        if _head_office_taken(account, kind, address):
            form.add_error("kind", _("This account already has a head office: change that one instead."))
        else:
            try:
                services.address_save(
                    account=account, kind=kind, data=data, actor=request.user, address=address
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("The address was saved."))
                return HttpResponseRedirect(reverse("accounts:account_detail", args=[account.pk]))
    return _render(request, account, form, address)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def address_create(request: TenantRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    _require(request, "accounts.change_account", account)
    return _save(request, account, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def address_update(request: TenantRequest, pk: int, address_pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    _require(request, "accounts.change_account", account)
    return _save(request, account, _address_of(account, address_pk))


@login_required
@require_http_methods(["POST"])
def address_remove(request: TenantRequest, pk: int, address_pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    _require(request, "accounts.change_account", account)
    address_delete(address=_address_of(account, address_pk), actor=request.user)
    messages.success(request, _("The address was removed."))
    return HttpResponseRedirect(reverse("accounts:account_detail", args=[account.pk]))
