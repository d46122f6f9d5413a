from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import AlertCategory, Family, RejectionReason
from alerts.models.core import Direction, VehicleColour, VehicleType
from alerts.participation import APPEAL_STATEMENT_MAX
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
        label=_("Ce qui s'est passé"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "data-highlight": "description"}),
        help_text=_("Décrivez les faits, sans nommer ni accuser personne."),
    )
    behaviour = forms.CharField(
        label=_("Ce que vous avez vu les personnes faire (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-highlight": "behaviour"}),
        help_text=_(
            "Leurs gestes et leurs actes (« essayait les poignées des portières »), "
            "pas leur apparence ni leur origine."
        ),
    )
    vehicle_type = forms.ChoiceField(
        label=_("Véhicule (facultatif)"),
        required=False,
        choices=[("", _("— Aucun —")), *VehicleType.choices],
        help_text=_("Jamais de plaque d'immatriculation : elle ne va qu'à la police, au 17."),
    )
    vehicle_colour = forms.ChoiceField(
        label=_("Couleur du véhicule (facultatif)"),
        required=False,
        choices=[("", _("— Aucune —")), *VehicleColour.choices],
    )
    direction = forms.ChoiceField(
        label=_("Direction prise (facultatif)"), required=False, choices=[("", _("— Inconnue —")), *Direction.choices]
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


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Pourquoi cette alerte devrait-elle être publiée ?"),
        max_length=APPEAL_STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealDecisionForm(forms.Form):
    note = forms.CharField(label=_("Réponse à l'auteur (facultative)"), required=False, max_length=2000)
