from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.models import Kind, SolidarityRequest
from solidarity.services import FIELDS

# What each kind's form asks, in the words of that kind.
LABELS = {
    Kind.HELP_WANTED: {"what": _("De quoi avez-vous besoin ?"), "when": _("Quand ?")},
    Kind.HELP_OFFERED: {"what": _("Que proposez-vous ?"), "when": _("Quand êtes-vous disponible ?")},
    Kind.LOST_ANIMAL: {"what": _("Description de l'animal"), "place": _("Où a-t-il été vu pour la dernière fois ?")},
    Kind.FOUND_ANIMAL: {"what": _("Description de l'animal"), "place": _("Où l'avez-vous trouvé ?")},
    Kind.CHECK_ON: {"person": _("Qui faut-il aller voir ?"), "reason": _("Pourquoi ?")},
}
HELP = {
    "place": _("Une rue ou un lieu (parc, école…), jamais une adresse exacte."),
    "details": _("Sans nom, sans numéro de téléphone, sans adresse : vous les donnerez dans la conversation."),
    "person": _("Ne donnez jamais de nom."),
}


class RequestForm(forms.ModelForm):
    class Meta:
        model = SolidarityRequest
        fields = ["what", "when", "species", "place", "person", "reason", "details"]
        widgets = {"details": forms.Textarea(attrs={"rows": 3, "maxlength": 600})}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        required, optional = FIELDS[Kind(kind)]
        for name in list(self.fields):
            if name not in (*required, *optional):
                del self.fields[name]
        for name, field in self.fields.items():
            field.required = name in required
            field.label = LABELS[kind].get(name, field.label)
            if name in HELP:
                field.help_text = HELP[name]


class OfferForm(forms.Form):
    note = forms.CharField(
        label=_("Un mot pour l'auteur (facultatif)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
        help_text=_("L'auteur verra votre prénom et ce mot, puis choisira d'accepter votre aide."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Votre message"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ModerationForm(forms.Form):
    note = forms.CharField(label=_("Motif (facultatif)"), max_length=300, required=False)
