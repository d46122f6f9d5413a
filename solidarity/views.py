"""The pages of mutual help: choosing between an alert and a request, the neighbourhood's requests,
a request with "je peux aider", the conversation two neighbours share once the author accepts,
and the moderators' queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.otp import staff_page
from accounts.selectors import charter_accepted, verified_residence
from alerts.posting import EMERGENCY_NOTICE
from delivery.inbox import inbox_mark_read_about
from delivery.models import Delivery
from solidarity import selectors, services
from solidarity.forms import MessageForm, ModerationForm, OfferForm, RequestForm
from solidarity.models import Kind, SolidarityOffer

# The kinds in the order the posting page offers them, with their address in the URL.
KIND_SLUGS = {
    "coup-de-main": Kind.HELP_WANTED,
    "je-propose": Kind.HELP_OFFERED,
    "animal-perdu": Kind.LOST_ANIMAL,
    "animal-trouve": Kind.FOUND_ANIMAL,
    "prendre-des-nouvelles": Kind.CHECK_ON,
}
MODERATION_ACTIONS = {"publier": "publish", "refuser": "reject", "retirer": "withdraw"}


def _residence_or_403(user):
    """Mutual help is between verified neighbours who accepted the charter, as posting alerts is."""
    residence = verified_residence(user)
    if residence is None:
        raise PermissionDenied(_("L'entraide est réservée aux habitants dont le domicile est vérifié."))
    if not charter_accepted(user):
        raise PermissionDenied(_("Acceptez la charte en vigueur avant d'utiliser l'entraide."))
    return residence


@login_required
def post_choice_view(request):
    return render(
        request, "solidarity/post_choice.html", {"kinds": [(slug, Kind(k).label) for slug, k in KIND_SLUGS.items()]}
    )


@login_required
def request_list_view(request):
    _residence_or_403(request.user)
    context = {
        "requests": selectors.requests_visible_to(request.user).exclude(author=request.user)[:100],
        "mine": selectors.requests_of(request.user)[:50],
        "conversations": selectors.conversations_of(request.user)[:50],
    }
    return render(request, "solidarity/list.html", context)


@login_required
def request_post_view(request, kind: str):
    if kind not in KIND_SLUGS:
        raise Http404
    residence = _residence_or_403(request.user)
    kind_value = KIND_SLUGS[kind]
    form = RequestForm(request.POST or None, kind=kind_value)
    if request.method == "POST" and form.is_valid():
        data = services.RequestInput(kind=kind_value, **form.cleaned_data)
        try:
            posted = services.solidarity_request_post(author=request.user, residence=residence, data=data)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            if posted.status == posted.Status.PUBLISHED:
                messages.success(request, _("Votre demande est publiée pour vos voisins."))
            else:
                messages.success(request, _("Merci. Un modérateur relira votre demande avant de la publier."))
            return redirect("solidarity-request", request_id=posted.pk)
    context = {"form": form, "kind_label": kind_value.label, "notice": EMERGENCY_NOTICE, "kind": kind_value}
    return render(request, "solidarity/post.html", context, status=400 if form.errors else 200)


def _request_or_404(user, request_id: int):
    found = selectors.request_for(user, request_id)
    if found is None:
        raise Http404
    return found


@login_required
def request_view(request, request_id: int):
    _residence_or_403(request.user)
    solidarity_request = _request_or_404(request.user, request_id)
    is_author = solidarity_request.author_id == request.user.pk
    offers = list(solidarity_request.offers.select_related("helper")) if is_author else []
    # What the inbox said of this request, or of the offers on it, is read once its page is open.
    inbox_mark_read_about(user=request.user, kind=Delivery.Kind.SOLIDARITY, notice_ids=[solidarity_request.pk])
    if offers:
        inbox_mark_read_about(
            user=request.user, kind=Delivery.Kind.SOLIDARITY_OFFER, notice_ids=[offer.pk for offer in offers]
        )
    context = {
        "request_": solidarity_request,
        "is_author": is_author,
        "offers": [(offer, selectors.first_name(offer.helper)) for offer in offers],
        "my_offer": None if is_author else selectors.offer_of(solidarity_request, request.user),
        "offer_form": OfferForm(),
    }
    return render(request, "solidarity/request.html", context)


def _refused(request, error: services.SolidarityRefused):
    messages.warning(request, error.message)


@login_required
@require_POST
def offer_make_view(request, request_id: int):
    _residence_or_403(request.user)
    solidarity_request = _request_or_404(request.user, request_id)
    form = OfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("solidarity-request", request_id=request_id)
    try:
        services.solidarity_offer_make(request=solidarity_request, helper=request.user, note=form.cleaned_data["note"])
    except services.SolidarityRefused as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Merci. L'auteur voit votre prénom et choisira d'accepter votre aide : vous serez alors en relation."),
        )
    return redirect("solidarity-request", request_id=request_id)


@login_required
@require_POST
def offer_decide_view(request, offer_id: int, action: str):
    if action not in ("accepter", "decliner"):
        raise Http404
    offer = SolidarityOffer.objects.filter(pk=offer_id, request__author=request.user).first()
    if offer is None:
        raise Http404
    try:
        offer = services.solidarity_offer_decide(offer=offer, author=request.user, accept=action == "accepter")
    except services.SolidarityRefused as error:
        _refused(request, error)
    else:
        if offer.status == SolidarityOffer.Status.ACCEPTED:
            return redirect("solidarity-conversation", offer_id=offer.pk)
    return redirect("solidarity-request", request_id=offer.request_id)


@login_required
@require_POST
def request_resolve_view(request, request_id: int):
    own = selectors.requests_of(request.user).filter(pk=request_id).first()
    if own is None:
        raise Http404
    try:
        services.solidarity_request_resolve(request=own, author=request.user)
    except services.SolidarityRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("Demande close : elle n'apparaît plus chez vos voisins. Merci !"))
    return redirect("solidarity-request", request_id=request_id)


@login_required
def conversation_view(request, offer_id: int):
    offer = selectors.conversation_for(request.user, offer_id)
    if offer is None:
        raise Http404
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.solidarity_message_send(offer=offer, author=request.user, body=form.cleaned_data["body"])
        except (services.SolidarityRefused, ValidationError) as error:
            form.add_error(None, getattr(error, "message", None) or " ".join(error.messages))
        else:
            return redirect("solidarity-conversation", offer_id=offer.pk)
    is_helper = offer.helper_id == request.user.pk
    if is_helper:
        inbox_mark_read_about(user=request.user, kind=Delivery.Kind.SOLIDARITY_ACCEPTED, notice_ids=[offer.pk])
    other = offer.request.author if is_helper else offer.helper
    context = {
        "offer": offer,
        "request_": offer.request,
        "other_name": selectors.first_name(other),
        "thread": offer.messages.all(),
        "form": form,
    }
    return render(request, "solidarity/conversation.html", context, status=400 if form.errors else 200)


@staff_page
def moderation_view(request):
    if not selectors.moderated_communes(request.user).exists():
        raise Http404
    context = {
        "queue": selectors.moderation_queue(request.user)[:100],
        "published": selectors.moderation_published(request.user)[:100],
        "form": ModerationForm(),
    }
    return render(request, "solidarity/moderation.html", context)


@staff_page
@require_POST
def moderation_action_view(request, request_id: int, action: str):
    found = selectors.moderatable_request(request.user, request_id)
    if found is None or action not in MODERATION_ACTIONS:
        raise Http404
    form = ModerationForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.solidarity_request_moderate(
            request=found, moderator=request.user, action=MODERATION_ACTIONS[action], note=note
        )
    except services.SolidarityRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("Décision enregistrée."))
    return redirect("solidarity-moderation")
