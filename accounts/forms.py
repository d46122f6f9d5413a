from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form, with a refusal written for the email address: its own message fills in
    the field's name after a masculine article ("un adresse électronique")."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Saisissez une adresse électronique et un mot de passe valides. Attention aux majuscules et "
            "minuscules dans le mot de passe."
        ),
    }


class RegisterForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique"))
    display_name = forms.CharField(label=_("Prénom ou pseudonyme (facultatif)"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Mot de passe"), widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )
    password2 = forms.CharField(label=_("Mot de passe, une seconde fois"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        return data


class ResidenceForm(forms.Form):
    # static/js/address-search.js turns it into a list of suggestions from the offline geocoder.
    address = forms.CharField(
        label=_("Adresse"),
        max_length=300,
        widget=forms.TextInput(attrs={"data-address-search": reverse_lazy("api-geocoder")}),
    )
    # Text, not numbers: `geo.points` reads them, with the decimal comma of French keyboards too.
    lon = forms.CharField(
        label=_("Longitude"),
        help_text=_("Cliquez sur la carte, ou saisissez-la."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lat = forms.CharField(label=_("Latitude"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class ProofForm(forms.Form):
    file = forms.FileField(
        label=_("Justificatif de domicile"),
        help_text=_("Facture, avis d'imposition, quittance de loyer… PDF, JPEG ou PNG, 5 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class DecisionForm(forms.Form):
    verified = forms.TypedChoiceField(
        label=_("Décision"),
        choices=[("1", _("Domicile vérifié")), ("0", _("Refusé"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif du refus (lu par l'habitant)"), max_length=300, required=False, widget=forms.Textarea
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label=_("Votre mot de passe"), widget=forms.PasswordInput)


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code à 6 chiffres"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReferentNameForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique de l'habitant"),
        help_text=_("Un habitant de la commune dont le domicile est vérifié."),
    )
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Quartiers dont il ou elle est référent"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=_("Début du mandat"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Fin prévue (facultative)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, neighbourhoods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhoods"].queryset = neighbourhoods


class ReferentInviteForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom du voisin"), max_length=60)
    email = forms.EmailField(label=_("Son adresse électronique"))


class InvitationCompleteForm(RegisterForm):
    """Registration by the link a référent sent: the address is the one the link was sent to."""

    email = None
    display_name = forms.CharField(label=_("Prénom ou pseudonyme"), max_length=150)
