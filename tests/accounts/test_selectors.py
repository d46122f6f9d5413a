import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Residence
from accounts.selectors import communes_visible_to, needs_two_factor, residences_to_verify, verifier_communes

# role: (communes visible, communes verified, needs a second factor)
EXPECTED = {
    "unverified": (set(), set(), False),
    "resident_a": ({"Alpha"}, set(), False),
    "moderator_a": ({"Alpha"}, {"Alpha"}, True),
    "moderator_b": ({"Beta"}, {"Beta"}, True),
    "police_a": ({"Alpha"}, set(), True),
    "staff_a": ({"Alpha"}, {"Alpha"}, True),
    "mayor_a": ({"Alpha"}, set(), True),
    "admin": ({"Alpha", "Beta", "Gamma"}, set(), True),
}


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_sees_its_own_territory(world, role):
    user = world.people[role]
    visible, verified, two_factor = EXPECTED[role]

    assert set(communes_visible_to(user).values_list("name", flat=True)) == visible
    assert set(verifier_communes(user).values_list("name", flat=True)) == verified
    assert needs_two_factor(user) is two_factor


def test_a_verifier_lists_only_the_homes_of_their_commune_waiting_for_a_decision(world):
    def listed():
        return set(residences_to_verify(world.people["moderator_b"]).values_list("user__email", flat=True))

    Residence.objects.filter(user__in=[world.people["resident_a"], world.people["resident_b"]]).update(
        status=Residence.Status.PENDING
    )
    assert listed() == {world.people["resident_b"].email}
    Residence.objects.filter(user=world.people["resident_b"]).update(status=Residence.Status.VERIFIED)
    assert listed() == set()


@pytest.mark.django_db
def test_anonymous_visitors_see_no_territory():
    anonymous = AnonymousUser()

    assert not communes_visible_to(anonymous).exists()
    assert not verifier_communes(anonymous).exists()
    assert needs_two_factor(anonymous) is False
