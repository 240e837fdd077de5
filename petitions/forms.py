from collections import defaultdict
from itertools import count

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Demand, Petition, RetentionHold

# Sized by static/css/petition-form.css.
WIDE = {"class": "vTextField wide-input"}


class PetitionForm(forms.ModelForm):
    """The petition's long texts in inputs as wide as the page, the summary over a few lines."""

    class Meta:
        model = Petition
        fields = (
            "title",
            "slug",
            "summary",
            "body",
            "target",
            "recipient",
            "organiser_name",
            "language",
            "goal",
            "status",
            "opens_at",
            "closes_at",
            "requires_challenge",
            "retention_days",
        )
        widgets = {
            "title": forms.TextInput(attrs=WIDE),
            "summary": forms.Textarea(attrs={**WIDE, "rows": 3}),
            "body": forms.Textarea(attrs={"class": "vLargeTextField wide-input"}),
            "target": forms.TextInput(attrs=WIDE),
            "recipient": forms.TextInput(attrs=WIDE),
            "organiser_name": forms.TextInput(attrs=WIDE),
        }


class DemandForm(forms.ModelForm):
    class Meta:
        model = Demand
        fields = ("position", "text")
        # One compact row per demand: a short number and the text over two lines.
        widgets = {
            "position": forms.NumberInput(attrs={"class": "demand-position"}),
            "text": forms.Textarea(attrs={"class": "demand-text", "rows": 2}),
        }
        help_texts = {
            "position": _("Demands are listed in this order. Left blank, a new demand goes last."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            # Offered the model's default, every new demand would ask to come first.
            self.fields["position"].required = False
            self.initial["position"] = None

    def validate_constraints(self):
        # Checked against the stored rows, one position would clash with a demand that moves
        # away in the same save (a swap); the formset checks positions against each other.
        exclude = {*self._get_validation_exclusions(), "position"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)


class DemandFormSet(forms.BaseInlineFormSet):
    """A petition's demands, which staff may reorder, add and delete in one save."""

    def clean(self):
        kept = [
            form
            for form in self.forms
            if (not form.instance._state.adding or form.has_changed())
            and not form.cleaned_data.get("DELETE")
        ]
        by_position = defaultdict(list)
        for form in kept:
            if form.cleaned_data.get("position") is not None:
                by_position[form.cleaned_data["position"]].append(form)
        for sharing in by_position.values():
            if len(sharing) > 1:
                for form in sharing:
                    form.add_error("position", _("Another demand has this position."))
        unplaced = [
            form
            for form in kept
            if form.instance._state.adding and form.cleaned_data.get("position") is None
        ]
        for form, position in zip(unplaced, count(max(by_position, default=0) + 1)):
            form.cleaned_data["position"] = form.instance.position = position
        super().clean()

    def save(self, commit=True):
        with transaction.atomic():
            if commit:
                self.park_moving_demands()
            return super().save(commit)

    def park_moving_demands(self):
        """Move the demands that change position or go to free positions first.

        Saved one by one, a swap would meet the unique constraint half-way: the first demand
        would land on the second's position before the second has left it.
        """
        moving = [
            form.instance
            for form in self.initial_forms
            if form in self.deleted_forms or "position" in form.changed_data
        ]
        taken = {
            *Demand.objects.filter(petition=self.instance).values_list("position", flat=True),
            *(form.instance.position for form in self.forms),
        }
        free = (position for position in count() if position not in taken)
        for demand, position in zip(moving, free, strict=False):
            Demand.objects.filter(pk=demand.pk).update(position=position)


class RetentionHoldForm(forms.ModelForm):
    class Meta:
        model = RetentionHold
        fields = ("held_until", "reason")
        error_messages = {
            "reason": {"required": _("Say why the signers' details must be kept longer.")},
        }

    def clean_held_until(self):
        held_until = self.cleaned_data["held_until"]
        if held_until <= timezone.localdate():
            raise forms.ValidationError(_("A hold keeps the details until a day after today."))
        return held_until
