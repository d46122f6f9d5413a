"""Who reaches every route of Tranquillité Vacances: the resident who declared, a neighbour, an agent
of the service covering the home, an agent of a shared (intercommunal) service, of another service,
the mayor and a moderator. Homes are shown to the police of their sector only."""

import pytest

from tests.accounts.test_access_matrix import LOGIN, outcome

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident_a", "neighbour_a", "police_a", "police_shared", "mayor_a", "moderator_a"]
BAD_VISIT = {"observation": "rien"}

# fmt: off
#   method, url, data,               anonymous resident_a neighbour_a police_a police_shared mayor_a moderator_a
TABLE = [
    ("get", "/tranquillite-vacances/", None,
                                      [LOGIN,    200,       200,        403,     403,          403,    403]),
    ("get", "/tranquillite-vacances/{a}/", None,
                                      [LOGIN,    200,       404,        403,     403,          403,    403]),
    ("get", "/patrouille/", None,     [LOGIN,    403,       403,        200,     200,          403,    403]),
    ("get", "/patrouille/imprimer/", None,
                                      [LOGIN,    403,       403,        200,     200,          403,    403]),
    ("get", "/patrouille/?day=not-a-day", None,
                                      [LOGIN,    403,       403,        400,     400,          403,    403]),
    ("get", "/patrouille/chiffres/", None,
                                      [LOGIN,    403,       403,        200,     200,          403,    403]),
    ("get", "/api/patrols/round/", None,
                                      [403,      403,       403,        200,     200,          403,    403]),
    ("get", "/api/patrols/round/?day=1900-01-01", None,
                                      [403,      403,       403,        400,     400,          403,    403]),
    ("get", "/api/patrols/absences/", None,
                                      [403,      403,       403,        200,     200,          403,    403]),
    ("post", "/api/patrols/absences/{a}/visits/", BAD_VISIT,
                                      [403,      403,       403,        400,     404,          403,    403]),
    ("post", "/api/patrols/absences/{b}/visits/", BAD_VISIT,
                                      [403,      403,       403,        404,     400,          403,    403]),
    ("post", "/api/patrols/absences/{c}/visits/", BAD_VISIT,
                                      [403,      403,       403,        404,     400,          403,    403]),
    ("post", "/api/patrols/absences/{d}/visits/", BAD_VISIT,
                                      [403,      403,       403,        404,     404,          403,    403]),
    ("post", "/tranquillite-vacances/{a}/annuler/", None,
                                      [LOGIN,    302,       404,        403,     403,          403,    403]),
]
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_expected_answer_from_every_patrol_route(patrol_world, role):
    client = patrol_world.client(role)
    ids = {key: absence.id for key, absence in patrol_world.absences.items()}
    got, expected = [], []
    for method, url, data, answers in TABLE:
        url = url.format_map(ids)
        kwargs = {"data": data, "content_type": "application/json"} if method == "post" and data else {}
        response = getattr(client, method)(url, **kwargs)
        got.append((method, url, outcome(response)))
        expected.append((method, url, answers[ROLES.index(role)]))
    assert got == expected


@pytest.mark.parametrize(
    ("role", "seen"),
    [("police_a", {"a"}), ("police_shared", {"b", "c"})],
)
def test_an_agent_sees_the_homes_of_their_sectors_and_no_other(patrol_world, role, seen):
    """A single-commune agent sees their commune's homes; an agent of a shared service sees those of
    every commune it covers; nobody sees the home no sector covers."""
    client = patrol_world.client(role)
    names = {absence.id: key for key, absence in patrol_world.absences.items()}
    for url in ("/api/patrols/round/", "/api/patrols/absences/"):
        features = client.get(url).json()["features"]
        assert {names[feature["id"]] for feature in features} == seen, url
    page = client.get("/patrouille/").content.decode()
    assert ("1 rue de l&#x27;Exemple" in page) is bool(seen)


def test_a_neighbour_never_sees_the_absence_nor_the_address(patrol_world):
    page = patrol_world.client("neighbour_a").get("/tranquillite-vacances/").content.decode()
    assert f'data-absence-id="{patrol_world.absences["a"].id}"' not in page
    assert "0600000000" not in page
