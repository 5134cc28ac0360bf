"""HTML input of quotes: the header (addressee, terms, global discount) and a line."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from opportunities.models import DiscountKind, PriceList, Product, Quote, QuoteLine, VatRate

LANGUAGE_CHOICES = [("fr", _("French")), ("en", _("English"))]


class QuoteCreateForm(forms.Form):
    price_list = forms.ModelChoiceField(
        label=_("Price list"), queryset=PriceList.objects.none(), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every active list: one in another currency is refused by the service, with its message.
        self.fields["price_list"].queryset = PriceList.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]


class QuoteHeaderForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)

    class Meta:
        model = Quote
        fields = [
            "contact", "language", "valid_until", "payment_terms", "commitment_months", "tacit_renewal",
            "indexation", "indexation_rate", "global_discount_kind", "global_discount_value", "notes",
        ]  # fmt: skip
        widgets = {
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(  # type: ignore[attr-defined]
            account_id=self.instance.opportunity.account_id
        ).order_by("last_name")


class QuoteLineForm(forms.ModelForm):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price excl. tax"), required=False, decimal_places=2, max_digits=14
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=500)
    vat_rate = forms.ChoiceField(
        label=capfirst(_("VAT rate")), choices=[("", "—"), *VatRate.choices], required=False
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=[("", "—"), *Product.Unit.choices], required=False)
    discount_kind = forms.ChoiceField(label=_("Discount"), choices=DiscountKind.choices, initial="percent")
    discount_value = forms.DecimalField(label=_("Discount value"), initial=0, decimal_places=2, max_digits=14)

    class Meta:
        model = QuoteLine
        fields = [
            "product",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "vat_rate",
            "discount_kind",
            "discount_value",
        ]

    def __init__(self, *args: Any, prices: dict[int, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        field.queryset = Product.objects.filter(is_active=True).order_by("code")  # type: ignore[attr-defined]
        prices = prices or {}
        from opportunities.templatetags.quote_tags import money

        # The product picker shows each product's price in the quote's list.
        field.label_from_instance = lambda product: (  # type: ignore[attr-defined]
            f"{product} — {money(prices[product.pk])}" if product.pk in prices else str(product)
        )
        # Django's model validation would refuse a negative quantity with its own words: the service
        # answers with the message of the rule, so the form only parses.
        self.fields["quantity"].validators = []
        self.fields["unit_price"].validators = []

    def _post_clean(self) -> None:  # the service validates and saves, not the ModelForm
        pass

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {name: value for name, value in data.items() if value not in (None, "")}
