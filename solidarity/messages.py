"""What the neighbours, the author and the helper are told of mutual help, in the inbox, the email,
the SMS and the push. Never a name, an address, a phone number or the request's own words (a request
published by light moderation was read by no one): its kind, its neighbourhood and the link to the
page, where the details stay behind acceptance as they do on the lists. Registered with delivery
when the app is ready, so delivery reads no solidarity table itself."""

from django.urls import reverse
from django.utils.translation import gettext as _

from delivery.messages import Message, message_text_register, site_url
from delivery.models import Delivery
from solidarity.models import Kind, SolidarityOffer, SolidarityRequest


def _page(name: str, **kwargs) -> str:
    return site_url(reverse(name, kwargs=kwargs, urlconf="solidarity.urls"))


def _request_text(request: SolidarityRequest) -> tuple[str, str]:
    species = request.get_species_display()
    texts = {
        Kind.HELP_WANTED: (
            _("Un voisin demande un coup de main"),
            _("Un voisin de votre quartier demande un coup de main. Voyez sa demande et proposez votre aide."),
        ),
        Kind.HELP_OFFERED: (
            _("Un voisin propose un coup de main"),
            _("Un voisin de votre quartier propose son aide. Voyez sa proposition."),
        ),
        Kind.LOST_ANIMAL: (
            _("Animal perdu près de chez vous : %(species)s") % {"species": species},
            _("Un voisin a perdu son animal (%(species)s). Si vous l'avez vu, dites-le-lui par Vigie.")
            % {"species": species},
        ),
        Kind.FOUND_ANIMAL: (
            _("Animal trouvé près de chez vous : %(species)s") % {"species": species},
            _("Un voisin a trouvé un animal (%(species)s). S'il est à vous ou à un voisin, dites-le-lui par Vigie.")
            % {"species": species},
        ),
        Kind.CHECK_ON: (
            _("Prendre des nouvelles d'une personne isolée"),
            _("Un voisin demande qu'on prenne des nouvelles d'une personne isolée (%(reason)s).")
            % {"reason": request.get_reason_display()},
        ),
    }
    return texts[Kind(request.kind)]


def _places(request: SolidarityRequest) -> list[str]:
    return [request.neighbourhood.name] if request.neighbourhood else []


def request_message(delivery: Delivery) -> Message:
    """A neighbour told of a published request; of a withdrawn or closed one, that it is, and nothing more."""
    request = SolidarityRequest.objects.select_related("commune", "neighbourhood").get(pk=delivery.notice_id)
    title, body = _request_text(request)
    page = _page("solidarity-request", request_id=request.pk)
    if request.status == SolidarityRequest.Status.WITHDRAWN:
        title, body, page = _("Demande d'entraide retirée"), _("Cette demande a été retirée par la modération."), ""
    elif not SolidarityRequest.objects.active().filter(pk=request.pk).exists():
        # Solved by its author or past its expiry: its page is no longer open to the neighbours.
        body, page = _("Cette demande n'est plus ouverte."), ""
    return Message(
        kind=_("entraide"),
        title=title,
        body=body,
        commune=request.commune.name,
        places=_places(request),
        urgent=False,
        link="",
        page=page,
    )


def _offer(delivery: Delivery) -> SolidarityOffer:
    return SolidarityOffer.objects.select_related("request__commune", "request__neighbourhood").get(
        pk=delivery.notice_id
    )


def offer_message(delivery: Delivery) -> Message:
    """The author told that a neighbour offers to help: who they are waits on the request's page."""
    request = _offer(delivery).request
    return Message(
        kind=_("entraide"),
        title=_("Un voisin propose de vous aider"),
        body=_("Un voisin propose son aide pour votre demande « %(kind)s ». Voyez sa proposition et répondez-lui.")
        % {"kind": request.get_kind_display()},
        commune=request.commune.name,
        places=_places(request),
        urgent=False,
        link="",
        page=_page("solidarity-request", request_id=request.pk),
    )


def acceptance_message(delivery: Delivery) -> Message:
    """The helper told that the author accepted: their conversation is open."""
    offer = _offer(delivery)
    return Message(
        kind=_("entraide"),
        title=_("Votre proposition d'aide est acceptée"),
        body=_(
            "Votre voisin accepte votre aide pour sa demande « %(kind)s ». Votre conversation est ouverte sur Vigie."
        )
        % {"kind": offer.request.get_kind_display()},
        commune=offer.request.commune.name,
        places=_places(offer.request),
        urgent=False,
        link="",
        page=_page("solidarity-conversation", offer_id=offer.pk),
    )


def message_texts_register() -> None:
    message_text_register(Delivery.Kind.SOLIDARITY, request_message)
    message_text_register(Delivery.Kind.SOLIDARITY_OFFER, offer_message)
    message_text_register(Delivery.Kind.SOLIDARITY_ACCEPTED, acceptance_message)
