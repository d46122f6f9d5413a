"""What the access tables point at for mutual help, in the access tests' world: a published check-on
request of each commune (A's by resident_a, so resident_a has a request of their own), and an offer
on A's, accepted, which opens the conversation between resident_a and a neighbour and is told to
resident_a in their inbox."""

from django.contrib.gis.geos import Point

from delivery.models import Delivery
from solidarity.services import (
    RequestInput,
    solidarity_offer_decide,
    solidarity_offer_make,
    solidarity_request_moderate,
    solidarity_request_post,
)


def solidarity_subjects(world) -> dict:
    from tests.accounts.conftest import resident

    people = world.people
    requests = {}
    for key, author, moderator in [
        ("solidarity_a", people["resident_a"], people["moderator_a"]),
        ("solidarity_b", people["resident_b"], people["moderator_b"]),
    ]:
        data = RequestInput(kind="check_on", person="myself", reason="heatwave")
        request = solidarity_request_post(author=author, residence=author.residence, data=data)
        requests[key] = solidarity_request_moderate(request=request, moderator=moderator, action="publish")
    helper = resident(world.commune_a, Point(5.006, 43.016, srid=4326))
    offer = solidarity_offer_make(request=requests["solidarity_a"], helper=helper)
    solidarity_offer_decide(offer=offer, author=people["resident_a"], accept=True)
    # resident_a's inbox holds the helper's offer, told to the request's author.
    offer_notice = Delivery.objects.get(kind=Delivery.Kind.SOLIDARITY_OFFER, notice_id=offer.pk)
    return {
        **{key: request.pk for key, request in requests.items()},
        "offer_a": offer.pk,
        "offer_notice_a": offer_notice.pk,
    }
