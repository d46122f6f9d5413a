"""Demo data of mutual help; see demo/loading.py. Requests of residents of Tarascon: someone to check
on during a heatwave (a neighbour's help accepted, the conversation begun), a lost cat (an offer
waiting for an answer), a hand offered, and a request waiting for the moderator."""

from accounts.models import Residence, User
from solidarity.models import SolidarityRequest
from solidarity.services import (
    RequestInput,
    solidarity_message_send,
    solidarity_offer_decide,
    solidarity_offer_make,
    solidarity_request_moderate,
    solidarity_request_post,
)

_COMMUNE = "13108"  # Tarascon
_REQUESTS = [
    RequestInput(kind="check_on", person="elderly_alone", reason="heatwave", details="Ma voisine du 1er, 88 ans."),
    RequestInput(kind="lost_animal", species="cat", what="Chat roux, collier bleu, très craintif", place="quai"),
    RequestInput(kind="help_offered", what="Courses pour les personnes qui ne peuvent pas sortir", when="le samedi"),
    RequestInput(kind="help_wanted", what="Monter une armoire au 2e étage", when="dimanche matin"),
]


def _neighbours() -> list[Residence]:
    """Verified homes of the commune, those sharing the first one's neighbourhood first."""
    homes = list(
        Residence.objects.filter(commune__code=_COMMUNE, status=Residence.Status.VERIFIED)
        .select_related("user")
        .order_by("id")
    )
    if len(homes) < 2:
        raise RuntimeError("Démo de l'entraide : il faut deux habitants vérifiés ; l'étape des comptes d'abord.")
    first = homes[0]
    return sorted(homes, key=lambda home: home.neighbourhood_id != first.neighbourhood_id)


def demo_solidarity_requests() -> None:
    """Mutual help in Tarascon: a check-on during a heatwave answered by a neighbour, a lost cat, a hand offered."""
    if SolidarityRequest.objects.filter(commune__code=_COMMUNE).exists():
        return
    moderator = User.objects.get(email="moderation@vigie.test")
    homes = _neighbours()
    posted = []
    for number, data in enumerate(_REQUESTS):
        home = homes[number % len(homes)]
        posted.append(solidarity_request_post(author=home.user, residence=home, data=data))
    for request in posted[:3]:
        solidarity_request_moderate(request=request, moderator=moderator, action="publish")
    check_on, lost_cat = posted[0], posted[1]
    offer = solidarity_offer_make(request=check_on, helper=homes[1].user, note="J'habite la rue d'à côté.")
    offer = solidarity_offer_decide(offer=offer, author=check_on.author, accept=True)
    solidarity_message_send(offer=offer, author=homes[1].user, body="Je peux passer la voir ce soir vers 19 h.")
    solidarity_offer_make(request=lost_cat, helper=homes[2 % len(homes)].user, note="Je l'ai peut-être vu hier.")


STEPS: list = [demo_solidarity_requests]
