"""Pages and the webhook of text messages both ways: a resident verifies their mobile number, a town
hall agent registers a resident at the desk, and a provider posts the SMS it received."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import DeskStep
from delivery.channels.sms import InboundMalformed, InboundRefused, inbound_reader
from delivery.desk import DeskRegistration, desk_communes, desk_register, desk_residents
from delivery.inbound import inbound_sms_receive
from delivery.inbox import preference_of
from delivery.phones import phone_mark_verified, phone_verification_confirm, phone_verification_start


@csrf_exempt
@require_POST
def inbound_sms_webhook(request, provider: str):
    """A provider posts a received SMS: refused (403, nothing stored) unless its signature is right."""
    reader = inbound_reader(provider)
    if reader is None:
        raise Http404
    try:
        message = reader.read(body=request.body, headers=request.headers)
    except InboundRefused:
        return HttpResponseForbidden(_("Signature invalide."))
    except InboundMalformed as error:
        return HttpResponseBadRequest(str(error))
    row = inbound_sms_receive(provider=provider, message=message)
    return JsonResponse({"received": True, "already_received": row is None})


def _errors_to_form(form: forms.Form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class PhoneForm(forms.Form):
    phone_number = forms.CharField(label=gettext_lazy("Numéro de mobile"), max_length=25)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code reçu par SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


@login_required
def phone_page(request):
    """The resident's mobile number: ask for a code, then type it."""
    phone_form, code_form = PhoneForm(prefix="phone"), CodeForm(prefix="code")
    if request.method == "POST":
        sending = "send" in request.POST
        form = PhoneForm(request.POST, prefix="phone") if sending else CodeForm(request.POST, prefix="code")
        if form.is_valid():
            try:
                if sending:
                    phone_verification_start(user=request.user, phone_number=form.cleaned_data["phone_number"])
                    messages.info(request, _("Un code vous a été envoyé par SMS."))
                else:
                    phone_verification_confirm(user=request.user, code=form.cleaned_data["code"])
                    messages.success(request, _("Votre numéro de mobile est vérifié."))
                return redirect("phone-verification")
            except ValidationError as error:
                _errors_to_form(form, error)
        phone_form, code_form = (form, code_form) if sending else (phone_form, form)
    context = {"preference": preference_of(request.user), "phone_form": phone_form, "code_form": code_form}
    return render(request, "delivery/phone.html", context)


def desk_agent_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not desk_communes(request.user).exists():
            return render(request, "accounts/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


class DeskForm(forms.Form):
    commune = forms.ModelChoiceField(label=gettext_lazy("Commune"), queryset=None)
    display_name = forms.CharField(label=gettext_lazy("Prénom et nom"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique (facultative)"),
        required=False,
        help_text=gettext_lazy("Sans adresse, l'habitant reçoit ses messages par SMS seulement."),
    )
    address = forms.CharField(label=gettext_lazy("Adresse du domicile"), max_length=300)
    phone_number = forms.CharField(label=gettext_lazy("Numéro de mobile"), max_length=25)
    phone_by_code = forms.TypedChoiceField(
        label=gettext_lazy("Vérification du mobile"),
        choices=[
            ("1", gettext_lazy("Envoyer un code que l'habitant lit au guichet")),
            ("0", gettext_lazy("J'ai vérifié le numéro avec l'habitant (sans code)")),
        ],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    proof_checked = forms.BooleanField(
        label=gettext_lazy("J'ai vérifié au guichet un justificatif de domicile (aucun fichier n'est conservé)."),
        required=False,
    )
    charter_read = forms.BooleanField(
        label=gettext_lazy("J'ai lu la charte à l'habitant, qui l'accepte."), required=False
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        if len(communes) == 1:
            self.fields["commune"].initial = communes[0]


@desk_agent_required
def desk_register_page(request):
    communes = desk_communes(request.user).order_by("name")
    form = DeskForm(request.POST or None, communes=communes)
    if request.method == "POST" and form.is_valid():
        try:
            resident = desk_register(agent=request.user, data=DeskRegistration(**form.cleaned_data))
        except ValidationError as error:
            _errors_to_form(form, error)
        except PermissionDenied as error:
            form.add_error("commune", str(error))
        else:
            messages.success(request, _("L'habitant est inscrit."))
            return redirect("desk-resident", user_id=resident.pk)
    return render(request, "delivery/desk_register.html", {"form": form})


@desk_agent_required
def desk_resident_page(request, user_id: int):
    """A resident registered at the desk: the audit trail, and the mobile's verification if pending."""
    resident = desk_residents(request.user).filter(pk=user_id).first()
    if resident is None:
        raise Http404
    preference = preference_of(resident)
    code_form, phone_form = (
        CodeForm(prefix="code"),
        PhoneForm(prefix="phone", initial={"phone_number": preference.phone_number}),
    )
    if request.method == "POST":
        action = request.POST.get("action")
        form = CodeForm(request.POST, prefix="code") if action == "code" else PhoneForm(request.POST, prefix="phone")
        if form.is_valid():
            try:
                _desk_phone_action(request, resident, action, form.cleaned_data)
                return redirect("desk-resident", user_id=resident.pk)
            except ValidationError as error:
                _errors_to_form(form, error)
        code_form, phone_form = (form, phone_form) if action == "code" else (code_form, form)
    context = {
        "resident": resident,
        "preference": preference,
        "steps": DeskStep.objects.filter(resident=resident),
        "code_form": code_form,
        "phone_form": phone_form,
    }
    return render(request, "delivery/desk_resident.html", context)


def _desk_phone_action(request, resident, action: str, data: dict) -> None:
    if action == "code":
        phone_verification_confirm(user=resident, code=data["code"], agent=request.user)
        messages.success(request, _("Le numéro de mobile est vérifié."))
    elif action == "mark":
        phone_mark_verified(user=resident, phone_number=data["phone_number"], agent=request.user)
        messages.success(request, _("Le numéro de mobile est vérifié."))
    else:
        phone_verification_start(user=resident, phone_number=data["phone_number"], agent=request.user)
        messages.info(request, _("Un code a été envoyé par SMS."))
