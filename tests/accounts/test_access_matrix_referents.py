"""The référent's column of the access tables: resident_a of the world, named référent of Nord. A
référent is a resident with a few more pages: every endpoint of every part answers them exactly as it
answers the resident they are (no moderation, no exact location, no proof, no follow-up), except
the référent's own pages. Their answers never carry an exact alert location."""

import pytest

from tests.accounts.conftest import EXACT
from tests.accounts.test_access_matrix import TABLE as ACCOUNTS_TABLE
from tests.accounts.test_access_matrix import outcome, request
from tests.accounts.test_access_matrix_parts import EXACT_SEEN_BY, TABLE, body_text, fill
from tests.factories import make_referent

RESIDENT = 2  # resident_a's column in ROLES
# The référent's own pages, where their answer differs from a resident's.
REFERENT_ANSWERS = {
    ("get", "/referent/"): 200,
    ("get", "/referent/messages/"): 200,
    ("post", "/referent/charte/"): 302,
    ("post", "/referent/inviter/"): 302,
    ("post", "/referent/messages/{broadcast_a}/relayer/"): 302,
}


@pytest.fixture
def referent(world):
    return make_referent(user=world.people["resident_a"], neighbourhoods=[world.north_a])


# Each table on a fresh world, as in its own module: the writes at the end of one change what the other sees.
@pytest.mark.parametrize("table", [ACCOUNTS_TABLE, TABLE], ids=["accounts", "parts"])
def test_a_referent_gets_a_residents_answer_everywhere_but_their_own_pages(world, subjects, referent, table):
    wrong = []
    for method, url, data, expected in table:
        want = REFERENT_ANSWERS.get((method, url), expected[RESIDENT])
        concrete = fill(url, subjects)
        got = outcome(request(world.client("resident_a"), method, concrete, fill(data, subjects)))
        if got != want:
            wrong.append(f"{method.upper()} {concrete}: expected {want}, got {got}")

    assert wrong == []
    assert set(REFERENT_ANSWERS) <= {(method, url) for method, url, _d, _e in TABLE}


def test_no_answer_shows_a_referent_an_exact_location(world, subjects, referent):
    client = world.client("resident_a")
    leaks = []
    for method, url, _data, _expected in [*ACCOUNTS_TABLE, *TABLE]:
        if method != "get" or url == "/carte/police/flux/" or url == "/api/me/export/":
            continue
        text = body_text(client.get(fill(url, subjects)))
        for name, (lon, lat) in EXACT.items():
            assert "resident_a" not in EXACT_SEEN_BY[name]
            if any(number in text for number in (f"{lon}", f"{lat}", f"{lon}".replace(".", ","))):
                leaks.append(f"{url}: the place of {name}")

    assert leaks == []
