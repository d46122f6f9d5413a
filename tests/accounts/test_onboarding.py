"""A newly confirmed resident is led through the charter, the home and the proof, one page to the
next, and always sees where they stand; verified residents and staff see none of it."""

import re

from django.test import Client

from accounts.models import Residence
from accounts.services import residence_decide
from tests.accounts.conftest import PDF, upload
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def log_in(email: str, path: str = "/comptes/login/"):
    return Client().post(path, {"username": email, "password": PASSWORD})


def steps_of(page) -> list[tuple[str, str]]:
    """The (state, label) of each step in the page's step list, in order; [] when there is none."""
    body = page.content.decode()
    found = re.search(r'<nav class="onboarding".*?</nav>', body, re.S)
    if not found:
        return []
    return [
        (state, re.sub(r"<[^>]+>", "", label).strip())
        for state, label in re.findall(r'<li class="step-(\w+)"[^>]*>\s*(.*?)\s*<span', found.group(0), re.S)
    ]


def test_a_new_resident_goes_from_login_to_the_charter_the_home_and_the_proof_then_waits(world):
    newcomer = UserFactory()
    client = Client()

    login = client.post("/comptes/login/", {"username": newcomer.email, "password": PASSWORD})
    assert login.status_code == 302 and login.url == "/charte/"
    charter = client.get("/charte/")
    assert steps_of(charter) == [
        ("current", "Accepter la charte"),
        ("todo", "Indiquer mon domicile"),
        ("todo", "Envoyer un justificatif"),
        ("todo", "Vérification par la commune"),
    ]

    accepted = client.post("/charte/", {"version": "1"})
    assert accepted.status_code == 302 and accepted.url == "/compte/domicile/"
    home_page = client.get("/compte/domicile/")
    assert [state for state, _ in steps_of(home_page)] == ["done", "current", "todo", "todo"]

    home = client.post("/compte/domicile/", {"address": "2 rue Haute", "lon": "5.005", "lat": "43.005"})
    assert home.status_code == 302 and home.url == "/compte/justificatif/"
    assert [state for state, _ in steps_of(client.get("/compte/justificatif/"))] == ["done", "done", "current", "todo"]

    proof = client.post("/compte/justificatif/", {"file": upload("facture.pdf", PDF)})
    assert proof.status_code == 302 and proof.url == "/compte/"
    account = client.get("/compte/")
    assert [state for state, _ in steps_of(account)] == ["done", "done", "done", "waiting"]
    assert 'aria-current="step"' in account.content.decode()

    # Logging in again while the proof waits leads to the account page that says so.
    client.logout()
    again = client.post("/comptes/login/", {"username": newcomer.email, "password": PASSWORD})
    assert again.url == "/compte/"

    residence_decide(
        residence=Residence.objects.get(user=newcomer),
        decider=world.people["staff_a"],
        verified=True,
    )
    assert steps_of(resident_client(newcomer).get("/compte/")) == []


def test_a_page_asked_for_before_login_wins_over_the_next_step(world):
    newcomer = UserFactory()
    response = log_in(newcomer.email, "/comptes/login/?next=/compte/")
    assert response.url == "/compte/"


def test_a_rejected_home_sends_the_resident_back_to_the_home_step(world):
    applicant = world.people["unverified"]
    residence = Residence.objects.get(user=applicant)
    residence_decide(residence=residence, decider=world.people["staff_a"], verified=False, reason="Adresse illisible")

    states = [state for state, _ in steps_of(resident_client(applicant).get("/compte/"))]
    assert states == ["done", "current", "todo", "todo"]


def test_verified_residents_and_staff_see_no_steps_and_log_in_to_the_home_page(world):
    assert steps_of(resident_client(world.people["resident_a"]).get("/compte/")) == []
    assert steps_of(staff_client(world.people["moderator_a"]).get("/compte/")) == []
    login = log_in(world.people["resident_a"].email)
    assert login.url == "/"


def test_the_steps_read_in_english(world):
    client = resident_client(UserFactory())
    client.cookies["django_language"] = "en"
    labels = [label for _, label in steps_of(client.get("/charte/"))]
    assert labels == [
        "Accept the charter",
        "Enter my residence",
        "Send a proof of residence",
        "Verification by the town hall",
    ]
