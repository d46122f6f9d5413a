from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertCategory, Family
from zones.models import Commune, Zone


def _within_supported_years(day):
    if day is not None and not 2000 <= day.year <= 2100:
        raise forms.ValidationError(_("Date entre 2000 et 2100."))
    return day


class CommuneAlertFilterForm(forms.Form):
    """The mayor's filters. Every field is optional; the period defaults to the last 30 days."""

    category = forms.ModelChoiceField(
        label=_("Catégorie"), queryset=AlertCategory.objects.all(), to_field_name="code", required=False
    )
    family = forms.ChoiceField(label=_("Famille"), choices=[("", _("Toutes"))] + Family.choices, required=False)
    since = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(), required=False)
    follow_up = forms.ChoiceField(label=_("Suivi"), choices=[("", _("Tous"))] + Alert.FollowUp.choices, required=False)

    def __init__(self, *args, commune: Commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.current().filter(commune=commune).order_by("kind", "name")
        self.fields["category"].empty_label = _("Toutes")
        self.fields["zone"].empty_label = _("Toute la commune")

    def clean_since(self):
        return _within_supported_years(self.cleaned_data.get("since"))

    def clean_until(self):
        return _within_supported_years(self.cleaned_data.get("until"))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        data["until"] = data.get("until") or today
        data["since"] = data.get("since") or data["until"] - timedelta(days=settings.MAPS_RESIDENT_DAYS)
        if data["since"] > data["until"]:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return data
