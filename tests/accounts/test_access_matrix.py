"""Every role against every endpoint of this part, in both territories, with the expected answer.

Roles: anonymous; a resident of A still waiting for verification; a verified resident of A;
moderators of A and of B; an agent of A's municipal police; municipal staff of A allowed to
verify homes; the mayor of A (not a verifier); a platform admin. Staff are logged in with a
verified second factor. Another territory answers 404, never 403.

Endpoints of other parts are walked too (every URL pattern, every role): none may fail with a
server error, whatever role asks."""

import pytest

from tests.accounts.conftest import PDF, ROLES, upload
from tests.accounts.urlwalk import endpoints

LOGIN, CHARTER, OTP_VERIFY, OTP_SETUP, ADMIN_LOGIN = "→login", "→charte", "→2fa", "→2fa-config", "→admin"
ADM, OTP = ADMIN_LOGIN, OTP_VERIFY
QUEUE = "→moderation"  # the moderation page sends the moderator back to the queue after an action
REDIRECTS = {
    LOGIN: "/comptes/login/",
    CHARTER: "/charte/",
    OTP_VERIFY: "/securite/2fa/verifier/",
    OTP_SETUP: "/securite/2fa/configurer/",
    ADMIN_LOGIN: "/admin/login/",
    QUEUE: "/moderation/",
}
WRONG = {"password": "pas le bon"}
REFUSED_DECISION = {"verified": False, "reason": ""}

# fmt: off
# method, url ({a}: a pending home in A, {b}: a pending home in B, {decided_a}: a verified home in A),
# data, then the expected answer for
#            anonymous     unverified  resident_a  moderator_a moderator_b police_a  staff_a   mayor_a   admin
TABLE = [
    ("get", "/api/me/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/me/residence/", None,
             [403,          200,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/api/me/export/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("post", "/api/me/delete/", WRONG,
             [403,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("post", "/api/accounts/register/", {"email": "nouveau@example.org", "password": "1"},
             [400,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("post", "/api/accounts/confirm/", {"token": "faux"},
             [400,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("get", "/api/accounts/csrf/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("post", "/api/accounts/login/", {"email": "x@example.org", "password": "faux"},
             [400,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("post", "/api/accounts/otp/verify/", {"token": "abc"},
             [403,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("post", "/api/accounts/otp/setup/", None,
             [403,          200,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/api/charter/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/geocoder/?q=mairie", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/residences/pending/", None,
             [403,          403,        403,        200,        200,        403,      200,      403,      200]),
    ("get", "/api/residences/{a}/", None,
             [403,          403,        403,        200,        404,        403,      200,      403,      200]),
    ("get", "/api/residences/{b}/", None,
             [403,          403,        403,        404,        200,        403,      404,      403,      200]),
    ("post", "/api/residences/{a}/", REFUSED_DECISION,
             [403,          403,        403,        400,        404,        403,      400,      403,      400]),
    ("post", "/api/residences/{b}/", REFUSED_DECISION,
             [403,          403,        403,        404,        400,        403,      404,      403,      400]),
    # A decided home is out of every verifier's reach, admins included.
    ("get", "/api/residences/{decided_a}/", None,
             [403,          403,        403,        404,        404,        403,      404,      403,      404]),
    ("post", "/api/residences/{decided_a}/", REFUSED_DECISION,
             [403,          403,        403,        404,        404,        403,      404,      403,      404]),
    ("get", "/inscription/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("post", "/inscription/confirmer/faux/", None,
             [400,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("get", "/charte/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/compte/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/compte/domicile/", None,
             [LOGIN,        200,        200,        CHARTER,    CHARTER,    CHARTER,  CHARTER,  CHARTER,  CHARTER]),
    ("get", "/compte/justificatif/", None,
             [LOGIN,        200,        200,        CHARTER,    CHARTER,    CHARTER,  CHARTER,  CHARTER,  CHARTER]),
    ("get", "/compte/supprimer/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/securite/2fa/configurer/", None,
             [LOGIN,        200,        200,        OTP,        OTP,        OTP,      OTP,      OTP,      OTP]),
    ("get", "/securite/2fa/verifier/", None,
             [LOGIN,        OTP_SETUP,  OTP_SETUP,  200,        200,        200,      200,      200,      200]),
    ("get", "/verification/", None,
             [LOGIN,        403,        403,        200,        200,        403,      200,      403,      200]),
    ("get", "/verification/{a}/", None,
             [LOGIN,        403,        403,        200,        404,        403,      200,      403,      200]),
    ("get", "/verification/{b}/", None,
             [LOGIN,        403,        403,        404,        200,        403,      404,      403,      200]),
    ("post", "/verification/{a}/", {"verified": "0", "reason": ""},
             [LOGIN,        403,        403,        400,        404,        403,      400,      403,      400]),
    ("get", "/verification/{decided_a}/", None,
             [LOGIN,        403,        403,        404,        404,        403,      404,      403,      404]),
    ("post", "/verification/{decided_a}/", {"verified": "0", "reason": "Faux"},
             [LOGIN,        403,        403,        404,        404,        403,      404,      403,      404]),
    ("get", "/verification/{a}/justificatif/", None,
             [LOGIN,        403,        403,        200,        404,        403,      200,      403,      200]),
    ("get", "/verification/{b}/justificatif/", None,
             [LOGIN,        403,        403,        404,        200,        403,      404,      403,      200]),
    ("get", "/admin/", None,
             [ADM,          ADM,        ADM,        ADM,        ADM,        ADM,      ADM,      ADM,      200]),
    ("get", "/admin/accounts/accesslog/", None,
             [ADM,          ADM,        ADM,        ADM,        ADM,        ADM,      ADM,      ADM,      200]),
    # Writes last: they change what the rows above would see.
    ("post", "/charte/", {"version": "1"},
             [LOGIN,        302,        302,        302,        302,        302,      302,      302,      302]),
    ("post", "/api/charter/accept/", {"version": 1},
             [403,          201,        201,        201,        201,        201,      201,      201,      201]),
    ("put", "/api/me/residence/", {"address": "5 rue Basse", "lon": 5.004, "lat": 43.004},
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("post", "/compte/domicile/", {"address": "5 rue Basse", "lon": 5.004, "lat": 43.004},
             [LOGIN,        302,        302,        302,        302,        302,      302,      302,      302]),
    ("post", "/api/me/residence/proof/", "pdf",
             [403,          201,        201,        201,        201,        201,      201,      201,      201]),
    ("post", "/api/accounts/logout/", None,
             [403,          204,        204,        204,        204,        204,      204,      204,      204]),
]
# fmt: on


def request(client, method: str, url: str, data):
    if data == "pdf":
        return client.post(url, {"file": upload("f.pdf", PDF)})
    if url.startswith("/api/") and data is not None:
        return getattr(client, method)(url, data, content_type="application/json")
    return getattr(client, method)(url, data or {})


def outcome(response):
    if response.status_code == 302:
        for label, prefix in REDIRECTS.items():
            if response["Location"].startswith(prefix):
                return label
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_expected_answer_from_every_endpoint(world, homes, role):
    column = ROLES.index(role)
    wrong = []
    for method, url, data, expected in TABLE:
        concrete = url.format(**homes)
        got = outcome(request(world.client(role), method, concrete, data))
        if got != expected[column]:
            wrong.append(f"{method.upper()} {concrete}: expected {expected[column]}, got {got}")

    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_no_endpoint_of_any_part_fails_whatever_the_role(world, subjects, role):
    failures = []
    for endpoint in endpoints():
        # /healthz answers 503 on purpose when no Celery worker runs; the admin is Django's own
        # (reachable by platform admins only, covered by the table above).
        if endpoint.name == "healthz" or endpoint.url.startswith("/admin/"):
            continue
        client = world.client(role)
        response = client.get(endpoint.url)
        if response.status_code == 405:
            response = client.post(endpoint.url)
        if response.status_code >= 500:
            failures.append(f"{endpoint}: {response.status_code}")

    assert failures == []
