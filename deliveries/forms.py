import re

from django import forms
from django.utils.translation import gettext_lazy as _

SEPARATORS = re.compile("[\\s\\-\u2013\u2014_.]+")


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("As shown after you confirmed, for example ABCDE-FGHJK-MNPQR."),
    )

    def clean_receipt(self):
        # However it was copied: any case, with or without dashes or spaces.
        return SEPARATORS.sub("", self.cleaned_data["receipt"]).upper()
