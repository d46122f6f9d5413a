"""Writes of solidarity requests: posting, moderation, "je peux aider", the conversation, closing.
Each change writes its line of the audit trail in the same transaction, and tells whom it concerns
in it too (solidarity.notices): a publication its neighbours, an offer the author, an acceptance the
helper; the sending goes after commit."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Residence, User
from alerts.highlighting import highlights_of
from solidarity import notices
from solidarity.models import (
    LIFETIME,
    CommuneSolidarityRules,
    Kind,
    SolidarityEvent,
    SolidarityMessage,
    SolidarityOffer,
    SolidarityRequest,
)

# The fields each kind asks for; the first ones are required.
FIELDS = {
    Kind.HELP_WANTED: (("what",), ("when", "details")),
    Kind.HELP_OFFERED: (("what",), ("when", "details")),
    Kind.LOST_ANIMAL: (("species", "what", "place"), ("details",)),
    Kind.FOUND_ANIMAL: (("species", "what", "place"), ("details",)),
    Kind.CHECK_ON: (("person", "reason"), ("details",)),
}
TEXT_FIELDS = ("what", "when", "place", "details")


class SolidarityRefused(Exception):
    """An action the person may not take now, in words they can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RequestInput:
    kind: str
    what: str = ""
    when: str = ""
    species: str = ""
    place: str = ""
    person: str = ""
    reason: str = ""
    details: str = ""


def _needs_moderator(*, request: SolidarityRequest) -> bool:
    """The lighter rule a commune may choose: a request whose text the highlighter finds nothing in
    (phone number, name, plate, accusation…) is published at once. A check-on request always waits:
    it says where someone vulnerable may be alone."""
    rules = CommuneSolidarityRules.objects.filter(commune_id=request.commune_id).first()
    if rules is None or not rules.light_moderation or request.kind == Kind.CHECK_ON:
        return True
    return any(highlights_of(getattr(request, name)) for name in TEXT_FIELDS)


def _log(*, request: SolidarityRequest, actor: User | None, action: str, offer=None, note: str = "") -> None:
    SolidarityEvent.objects.create(request=request, offer=offer, actor=actor, action=action, note=note[:300])


@transaction.atomic
def solidarity_request_post(*, author: User, residence: Residence, data: RequestInput) -> SolidarityRequest:
    required, optional = FIELDS[Kind(data.kind)]
    now = timezone.now()
    request = SolidarityRequest(
        kind=data.kind,
        author=author,
        commune_id=residence.commune_id,
        neighbourhood_id=residence.neighbourhood_id,
        expires_at=now + LIFETIME[Kind(data.kind)],
        created_at=now,
        **{name: (getattr(data, name) or "").strip() for name in (*required, *optional)},
    )
    missing = {name: [_("Ce champ est obligatoire.")] for name in required if not getattr(request, name)}
    if missing:
        raise ValidationError(missing)
    request.full_clean()
    request.save()
    _log(request=request, actor=author, action=SolidarityEvent.Action.POSTED)
    if not _needs_moderator(request=request):
        _publish(request=request, actor=None, note=_("modération allégée de la commune"))
    return request


def _publish(*, request: SolidarityRequest, actor: User | None, note: str = "") -> None:
    now = timezone.now()
    request.status = SolidarityRequest.Status.PUBLISHED
    request.published_at = now
    # The lifetime runs from publication: a request that waited for a moderator keeps its full time.
    request.expires_at = now + LIFETIME[Kind(request.kind)]
    request.save(update_fields=["status", "published_at", "expires_at"])
    _log(request=request, actor=actor, action=SolidarityEvent.Action.PUBLISHED, note=note)
    notices.request_neighbours_tell(request=request)


def _locked(request: SolidarityRequest) -> SolidarityRequest:
    return SolidarityRequest.objects.select_for_update(of=("self",)).select_related("commune").get(pk=request.pk)


@transaction.atomic
def solidarity_request_moderate(
    *, request: SolidarityRequest, moderator: User, action: str, note: str = ""
) -> SolidarityRequest:
    """publish or reject a pending request; withdraw a published one."""
    request = _locked(request)
    Status = SolidarityRequest.Status
    if action == "publish" and request.status == Status.PENDING:
        _publish(request=request, actor=moderator, note=note)
        return request
    target = {("reject", Status.PENDING): Status.REJECTED, ("withdraw", Status.PUBLISHED): Status.WITHDRAWN}.get(
        (action, request.status)
    )
    if target is None:
        raise SolidarityRefused(_("Cette demande a déjà été traitée : rechargez la page."))
    request.status = target
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    _log(request=request, actor=moderator, action=target, note=note)
    if target == Status.WITHDRAWN:
        notices.request_withdrawn_untell(request=request)
    return request


@transaction.atomic
def solidarity_offer_make(*, request: SolidarityRequest, helper: User, note: str = "") -> SolidarityOffer:
    request = _locked(request)
    if request.author_id == helper.pk:
        raise SolidarityRefused(_("C'est votre propre demande."))
    if request.status != SolidarityRequest.Status.PUBLISHED or request.expires_at <= timezone.now():
        raise SolidarityRefused(_("Cette demande n'est plus ouverte."))
    offer = SolidarityOffer(request=request, helper=helper, note=note.strip())
    offer.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError as error:
        raise SolidarityRefused(_("Vous avez déjà proposé votre aide pour cette demande.")) from error
    _log(request=request, actor=helper, action=SolidarityEvent.Action.OFFERED, offer=offer)
    notices.offer_author_tell(offer=offer)
    return offer


@transaction.atomic
def solidarity_offer_decide(*, offer: SolidarityOffer, author: User, accept: bool) -> SolidarityOffer:
    """The author's answer: only an acceptance opens the conversation between the two."""
    offer = SolidarityOffer.objects.select_for_update(of=("self",)).select_related("request__commune").get(pk=offer.pk)
    if offer.request.author_id != author.pk:
        raise SolidarityRefused(_("Seul l'auteur de la demande répond aux propositions."))
    if offer.status != SolidarityOffer.Status.PENDING:
        raise SolidarityRefused(_("Vous avez déjà répondu à cette proposition."))
    if offer.request.status != SolidarityRequest.Status.PUBLISHED:
        raise SolidarityRefused(_("Cette demande n'est plus ouverte."))
    offer.status = SolidarityOffer.Status.ACCEPTED if accept else SolidarityOffer.Status.DECLINED
    offer.decided_at = timezone.now()
    offer.save(update_fields=["status", "decided_at"])
    action = SolidarityEvent.Action.ACCEPTED if accept else SolidarityEvent.Action.DECLINED
    _log(request=offer.request, actor=author, action=action, offer=offer)
    if accept:
        notices.acceptance_helper_tell(offer=offer)
    return offer


@transaction.atomic
def solidarity_message_send(*, offer: SolidarityOffer, author: User, body: str) -> SolidarityMessage:
    if offer.status != SolidarityOffer.Status.ACCEPTED or author.pk not in (offer.helper_id, offer.request.author_id):
        raise SolidarityRefused(_("Cette conversation n'est pas ouverte."))
    message = SolidarityMessage(offer=offer, author=author, body=body.strip())
    if not message.body:
        raise ValidationError({"body": [_("Écrivez un message.")]})
    message.full_clean()
    message.save()
    return message


@transaction.atomic
def solidarity_request_resolve(*, request: SolidarityRequest, author: User) -> SolidarityRequest:
    request = _locked(request)
    if request.author_id != author.pk:
        raise SolidarityRefused(_("Seul l'auteur de la demande peut la clore."))
    if request.status not in (SolidarityRequest.Status.PENDING, SolidarityRequest.Status.PUBLISHED):
        raise SolidarityRefused(_("Cette demande est déjà close."))
    request.status = SolidarityRequest.Status.RESOLVED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    _log(request=request, actor=author, action=SolidarityEvent.Action.RESOLVED)
    return request
