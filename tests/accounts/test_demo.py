from base64 import b32decode

import pytest

from accounts.models import ProofOfResidence, Residence, Role, User
from accounts.selectors import can_post_alerts, needs_two_factor
from demo import accounts as demo_accounts
from demo.loading import demo_admin_ensure
from demo.logins import DEMO_PASSWORD
from tests.accounts.conftest import JOINED
from tests.factories import make_commune, make_neighbourhood
from zones.services import police_service_create


@pytest.fixture
def demo_zones(db):
    tarascon = make_commune(code="13108", name="Tarascon", bounds=(4.6, 43.78, 4.68, 43.83), adopted_on=JOINED)
    make_neighbourhood(commune=tarascon, name="Centre", bounds=(4.6, 43.78, 4.64, 43.83))
    make_neighbourhood(commune=tarascon, name="Gare", bounds=(4.64, 43.78, 4.68, 43.83))
    brax = make_commune(code="31088", name="Brax", bounds=(1.22, 43.6, 1.26, 43.63), adopted_on=JOINED)
    make_neighbourhood(commune=brax, name="Village", bounds=(1.22, 43.6, 1.26, 43.63))
    police_service_create(name="Police municipale de Tarascon", communes=[tarascon])
    police_service_create(name="Police municipale de Brax", communes=[brax])
    return tarascon, brax


def load():
    demo_admin_ensure()
    for step in demo_accounts.STEPS:
        step()


def test_the_demo_people_step_is_idempotent_and_complete(demo_zones):
    load()
    counts = (User.objects.count(), Role.objects.count(), Residence.objects.count(), ProofOfResidence.objects.count())
    load()

    assert (
        User.objects.count(),
        Role.objects.count(),
        Residence.objects.count(),
        ProofOfResidence.objects.count(),
    ) == (counts)
    for email in ["moderation@vigie.test", "police.tarascon@vigie.test", "police.brax@vigie.test",
                  "maire.tarascon@vigie.test", "mairie.tarascon@vigie.test", "admin@vigie.test"]:  # fmt: skip
        user = User.objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        assert needs_two_factor(user)
        device = user.totpdevice_set.get(confirmed=True)
        assert device.bin_key == b32decode(demo_accounts.DEMO_TOTP_SECRET)
    verified = Residence.objects.filter(status=Residence.Status.VERIFIED)
    assert {r.neighbourhood.name for r in verified} == {"Centre", "Gare", "Village"}
    assert verified.filter(address__contains=" / ").exists()  # a home on the Centre / Gare border
    assert all(can_post_alerts(residence.user) for residence in verified)
    pending = Residence.objects.get(user__email="en.attente@vigie.test")
    assert pending.status == Residence.Status.PENDING and not pending.proofs.exists()


@pytest.mark.django_db
def test_the_demo_refuses_clearly_when_the_zones_step_did_not_run():
    with pytest.raises(RuntimeError, match="Tarascon"):
        load()


def test_the_demo_names_one_referent_in_tarascon_once(demo_zones):
    from accounts.models import Referent
    from accounts.referents import referent_charter_accepted

    load()
    load()

    referent = Referent.objects.get()
    assert referent.user.email == "habitant1@vigie.test" and referent.commune.code == "13108"
    assert referent_charter_accepted(referent.user)
    assert Residence.objects.filter(visible_to_referents=True).exists()
