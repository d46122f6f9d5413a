from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertCategory, Family
from zones.models import Commune, Zone


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
        self.fields["zone"].queryset = Zone.objects.filter(commune=commune).order_by("kind", "name")
        self.fields["category"].empty_label = _("Toutes")
        self.fields["zone"].empty_label = _("Toute la commune")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["until"] = data.get("until") or today
        data["since"] = data.get("since") or data["until"] - timedelta(days=settings.MAPS_RESIDENT_DAYS)
        if data["since"] > data["until"]:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return data
