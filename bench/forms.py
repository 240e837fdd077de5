from django import forms

from .models import BaselineRow


class BaselineForm(forms.ModelForm):
    class Meta:
        model = BaselineRow
        fields = ["name", "email"]
