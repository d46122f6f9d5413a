from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import AlertCategory, Family, RejectionReason
from edge import dates


def category_choices() -> list:
    """Active categories grouped by family, for a <select> with <optgroup>s."""
    groups = []
    for family, label in Family.choices:
        categories = AlertCategory.objects.filter(family=family, is_active=True).order_by("position")
        options = [(c.code, c.display_label) for c in categories]
        if options:
            groups.append((label, options))
    return [("", _("— Choisissez —")), *groups]


class AlertPostForm(forms.Form):
    """Parses the page's fields; every rule about them is checked by `posting.alert_post`."""

    emergency_notice_acknowledged = forms.BooleanField(
        required=False,
        label=_("J'ai lu ce rappel : ce n'est pas une urgence, sinon j'appelle le 17, le 18 ou le 112 (114 par SMS)."),
    )
    category = forms.ChoiceField(label=_("Catégorie"), choices=())
    occurred_at = dates.FormDateTimeField(
        label=_("Quand cela s'est-il passé ?"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    lon = forms.CharField(label=_("Longitude"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lat = forms.CharField(label=_("Latitude"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    description = forms.CharField(
        label=_("Ce que vous avez vu"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Décrivez les faits, sans nommer ni accuser personne."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["category"].required = False
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif"), choices=RejectionReason.choices)
    note = forms.CharField(label=_("Précision pour l'auteur"), required=False, max_length=2000)


class RedactForm(forms.Form):
    description = forms.CharField(label=_("Texte à publier"), widget=forms.Textarea, max_length=20000)


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Numéro de l'alerte qui reste"), min_value=1)
