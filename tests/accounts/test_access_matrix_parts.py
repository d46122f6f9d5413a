"""Every role against every endpoint of the other parts (geography, posting, moderation, follow-up,
inbox, preferences, broadcasts, police events, the home page, Django's own account pages), in both
territories, with the expected answer. Same roles, same world and same notation as
test_access_matrix.py; the policy each column follows:

- another territory answers 404, never 403 (and a list never shows it);
- residents never see exact locations, read only published alerts of their commune and their own;
- only the moderators of the commune moderate (a platform admin uses Django's admin, not the queue);
- only police agents of a service covering the commune and the commune's municipal staff and mayor
  follow an alert up; a moderator who can read it is refused (403: same territory, wrong role);
- only municipal staff and the mayor send and read the commune's broadcasts;
- staff endpoints of the API answer 403 to anybody without a second factor (residents included),
  whatever the alert: the permission is checked before looking anything up.

The last test checks that every named URL of the project has at least one row in one of the two
tables, so a route added later fails it until its rows are written."""

import pytest
from django.conf import settings
from django.urls import resolve

from tests.accounts.conftest import ROLES
from tests.accounts.test_access_matrix import LOGIN, QUEUE, outcome, request
from tests.accounts.test_access_matrix import TABLE as ACCOUNTS_TABLE
from tests.accounts.urlwalk import endpoints

BAD_FOLLOW_UP = {"follow_up": "pas-une-etape"}
BROADCAST_A = {
    "commune": "{commune_a}",
    "kind": "information",
    "title": "Travaux",
    "body": "Rue fermée.",
    "target": "commune",
    "whole_commune_confirmed": True,
}
BROADCAST_B = {**BROADCAST_A, "commune": "{commune_b}"}

# HOW TO ADD ROWS (statistics, live and resident maps, or any part merged later)
# 1. One row per method and URL: (method, url, data, [expected answer per role]). The nine columns
#    are ROLES in order: anonymous, unverified, resident_a, moderator_a, moderator_b, police_a,
#    staff_a, mayor_a, admin. An answer is a status code or a redirect label (LOGIN, CHARTER, OTP,
#    QUEUE...: see REDIRECTS in test_access_matrix.py; add one there if the part redirects elsewhere).
# 2. Territorial URLs get a row for commune A AND a row for commune B. Placeholders in the URL and in
#    the data are filled from the `subjects` fixture (tests/accounts/conftest.py): {pending_a},
#    {published_a}, {pending_b}, {published_b}, {delivery_a}, {delivery_b}, {broadcast_a},
#    {broadcast_b}, {followed_a}, {followed_b} (a place each resident follows), {a}/{b} (pending homes),
#    {commune_a}/{commune_b} (ids), {code_a}/{code_b}/{code_c}
#    (INSEE codes; C has not joined). Add what a new part needs to that fixture, built with
#    tests/factories.py so it lives in the same two communes.
# 3. Expected answers follow the policy in this module's docstring, not what the code does today:
#    a row that fails is either a bug to fix or a policy to discuss, never a number to copy.
# 4. Rows that change data go in the "writes" block at the end of TABLE.
# 5. test_every_named_url_of_the_project_has_rows fails until each new route name has a row.

# fmt: off
#            anonymous     unverified  resident_a  moderator_a moderator_b police_a  staff_a   mayor_a   admin
TABLE = [
    # --- geography: public on purpose (docs/geography.md) ---
    ("get", "/api/communes/{code_a}/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/communes/{code_b}/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/communes/?joined=true&in_bbox=5.0,43.0,5.05,43.02", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/zones/?commune={code_a}", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/lookup/?lon=5.01&lat=43.01", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    # --- address near a clicked point: for signed-in people, like the suggestions (/api/geocoder/) ---
    ("get", "/api/geocoder/near/?lon=5.01&lat=43.01", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/geocoder/near/?lon=500&lat=43.01", None,
             [403,          400,        400,        400,        400,        400,      400,      400,      400]),
    # --- open standards (standards/): public like the geography, alerts generalised ---
    ("get", "/tiles/communes/12/2104/1496.pbf", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/tiles/alerts/12/2104/1496.pbf", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/tiles/communes.json", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/open311/v2/discovery.json", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/open311/v2/services.xml", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/open311/v2/services/cambriolage.json", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/open311/v2/requests.json?jurisdiction_id={code_a}", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/open311/v2/requests/{published_a}.json", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/open311/v2/requests/{published_b}.json", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/open311/v2/requests/{pending_a}.json", None,
             [404,          404,        404,        404,        404,        404,      404,      404,      404]),
    ("get", "/open311/v2/tokens/faux.json", None,
             [404,          404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/open311/v2/requests.json", {},
             [403,          403,        403,        403,        403,        403,      403,      403,      403]),
    ("get", "/ogc/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/ogc/conformance", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/ogc/api", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/ogc/collections", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/ogc/collections/alerts", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/ogc/collections/alerts/items?bbox=4.9,42.9,5.3,43.2", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/ogc/collections/alerts/items/{published_a}", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/ogc/collections/alerts/items/{pending_a}", None,
             [404,          404,        404,        404,        404,        404,      404,      404,      404]),
    ("get", "/cap/{code_a}.xml", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/cap/{code_b}.xml", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    # --- posting and reading alerts ---
    ("get", "/api/emergency-notice/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/alerts/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/alerts/{pending_a}/", None,
             [403,          404,        200,        200,        404,        404,      404,      404,      404]),
    ("get", "/api/alerts/{pending_b}/", None,
             [403,          404,        404,        404,        200,        404,      404,      404,      404]),
    ("get", "/api/alerts/{published_a}/", None,
             [403,          404,        200,        200,        404,        200,      200,      200,      404]),
    ("get", "/api/alerts/{published_b}/", None,
             [403,          404,        404,        404,        200,        404,      404,      404,      404]),
    ("post", "/api/alerts/", {},
             [403,          403,        400,        403,        403,        403,      403,      403,      403]),
    ("get", "/alertes/nouvelle/", None,
             [LOGIN,        403,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/alertes/mes-alertes/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    # The author's reading aids: for anyone signed in; nearby alerts for verified residents only.
    ("post", "/api/posting/highlights/", {"text": "M. Dupont"},
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/posting/nearby/?lon=5.01&lat=43.01&occurred_at=2026-01-01T10:00", None,
             [403,          403,        200,        403,        403,        403,      403,      403,      403]),
    # An appeal is the author's, of a refused alert (a pending one is a conflict).
    ("post", "/api/alerts/{pending_a}/appeal/", {"statement": "Relisez svp."},
             [403,          404,        409,        404,        404,        404,      404,      404,      404]),
    ("post", "/api/alerts/{pending_b}/appeal/", {"statement": "Relisez svp."},
             [403,          404,        404,        404,        404,        404,      404,      404,      404]),

    # --- photos (#15): readers of a published alert get the blurred copy; only the commune's
    # moderators get the unblurred copy of a pending alert; the author adds photos, nobody else ---
    ("get", "/alertes/photos/{photo_published_a}/", None,
             [LOGIN,        404,        200,        200,        404,        200,      200,      200,      404]),
    ("get", "/alertes/photos/{photo_published_b}/", None,
             [LOGIN,        404,        404,        404,        200,        404,      404,      404,      404]),
    ("get", "/alertes/photos/{photo_pending_a}/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("get", "/moderation/photos/{photo_pending_a}/", None,
             [LOGIN,        403,        403,        200,        404,        404,      404,      404,      404]),
    ("get", "/moderation/photos/{photo_pending_b}/", None,
             [LOGIN,        403,        403,        404,        200,        404,      404,      404,      404]),
    ("get", "/moderation/photos/{photo_published_a}/", None,
             [LOGIN,        403,        403,        404,        404,        404,      404,      404,      404]),
    ("get", "/api/alerts/{pending_a}/photos/", None,
             [403,          404,        200,        200,        404,        404,      404,      404,      404]),
    ("get", "/api/alerts/{published_b}/photos/", None,
             [403,          404,        404,        404,        200,        404,      404,      404,      404]),
    # --- follow-up ---
    ("post", "/api/alerts/{published_a}/follow-up/", BAD_FOLLOW_UP,
             [403,          403,        403,        403,        404,        400,      400,      400,      404]),
    ("post", "/api/alerts/{published_b}/follow-up/", BAD_FOLLOW_UP,
             [403,          403,        403,        404,        403,        404,      404,      404,      404]),
    ("post", "/api/alerts/{pending_a}/follow-up/", BAD_FOLLOW_UP,
             [403,          403,        403,        403,        404,        404,      404,      404,      404]),
    ("post", "/api/alerts/{published_a}/assignee/", {"assignee": "x"},
             [403,          403,        403,        403,        404,        400,      400,      400,      404]),
    ("post", "/api/alerts/{published_b}/assignee/", {"assignee": "x"},
             [403,          403,        403,        404,        403,        404,      404,      404,      404]),
    ("get", "/api/alerts/{published_a}/notes/", None,
             [403,          403,        403,        403,        404,        200,      200,      200,      404]),
    ("get", "/api/alerts/{published_b}/notes/", None,
             [403,          403,        403,        404,        403,        404,      404,      404,      404]),
    ("post", "/api/alerts/{published_a}/notes/", {"text": ""},
             [403,          403,        403,        403,        404,        400,      400,      400,      404]),
    ("post", "/api/alerts/{pending_a}/notes/", {"text": ""},
             [403,          403,        403,        403,        404,        404,      404,      404,      404]),
    # --- moderation ---
    ("get", "/api/moderation/queue/", None,
             [403,          403,        403,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/moderation/stats/?commune={code_a}", None,
             [403,          403,        403,        200,        404,        404,      200,      200,      404]),
    ("get", "/api/moderation/stats/?commune={code_b}", None,
             [403,          403,        403,        404,        200,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_a}/reject/", {"reason": "pas-un-motif"},
             [403,          403,        403,        400,        404,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_b}/reject/", {"reason": "pas-un-motif"},
             [403,          403,        403,        404,        400,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_a}/redact/", {"description": ""},
             [403,          403,        403,        400,        404,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_b}/redact/", {"description": ""},
             [403,          403,        403,        404,        400,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_a}/merge/", {"into": 0},
             [403,          403,        403,        400,        404,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_b}/merge/", {"into": 0},
             [403,          403,        403,        404,        400,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_a}/merge/", {"into": "{pending_b}"},
             [403,          403,        403,        400,        404,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_a}/restore/", None,
             [403,          403,        403,        409,        404,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{pending_b}/restore/", None,
             [403,          403,        403,        404,        409,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{published_a}/publish/", None,
             [403,          403,        403,        409,        404,        404,      404,      404,      404]),
    ("post", "/api/moderation/alerts/{published_b}/publish/", None,
             [403,          403,        403,        404,        409,        404,      404,      404,      404]),
    # A signed-in resident on a staff page reads "accès refusé", not a login form they cannot pass.
    ("get", "/moderation/", None,
             [LOGIN,        403,        403,        200,        200,        404,      404,      404,      404]),
    ("post", "/moderation/alertes/{pending_a}/reject/", {},
             [LOGIN,        403,        403,        QUEUE,      404,        404,      404,      404,      404]),
    ("post", "/moderation/alertes/{pending_b}/reject/", {},
             [LOGIN,        403,        403,        404,        QUEUE,      404,      404,      404,      404]),
    # Appeals are decided by a moderator of the commune other than the one who refused (tests/alerts).
    ("post", "/moderation/recours/999999/publish/", {},
             [LOGIN,        403,        403,        404,        404,        404,      404,      404,      404]),
    # --- inbox and preferences: a person's own messages only ---
    ("get", "/api/inbox/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/inbox/unread-count/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/messages/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/messages/{delivery_a}/", None,
             [LOGIN,        404,        200,        404,        404,        404,      404,      404,      404]),
    ("get", "/messages/{delivery_b}/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("get", "/api/notification-preferences/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("put", "/api/notification-preferences/", {"by_sms": "peut-être"},
             [403,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("get", "/preferences/notifications/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    # Followed places and "près de moi": verified residents only, their own places only (#21)
    ("get", "/preferences/lieux-suivis/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/preferences/lieux-suivis/?modifier={followed_a}", None,
             [LOGIN,        403,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/preferences/lieux-suivis/?modifier={followed_b}", None,
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("post", "/preferences/lieux-suivis/ajouter/", {"label": "Sans point", "radius_m": "500"},
             [LOGIN,        403,        400,        403,        403,        403,      403,      403,      403]),
    ("post", "/preferences/lieux-suivis/{followed_a}/", {"label": "Sans point", "radius_m": "500"},
             [LOGIN,        403,        400,        403,        403,        403,      403,      403,      403]),
    ("post", "/preferences/lieux-suivis/{followed_b}/", {"label": "Sans point", "radius_m": "500"},
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("post", "/preferences/lieux-suivis/{followed_b}/supprimer/", None,
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("post", "/preferences/pres-de-moi/", {"lon": "5.01", "lat": "43.01", "radius_m": "500", "hours": "99"},
             [LOGIN,        403,        400,        403,        403,        403,      403,      403,      403]),
    # Web Push devices: a person's own subscriptions only (bad bodies: 400 for everybody signed in)
    ("get", "/api/push/subscriptions/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("post", "/api/push/subscriptions/", {"endpoint": "pas-une-adresse", "keys": {}},
             [403,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("delete", "/api/push/subscriptions/", {"endpoint": "pas-une-adresse"},
             [403,          400,        400,        400,        400,        400,      400,      400,      400]),
    # --- broadcasts: the commune's staff and mayor only ---
    ("get", "/api/broadcasts/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/api/broadcasts/{broadcast_a}/", None,
             [403,          404,        404,        404,        404,        404,      200,      200,      404]),
    ("get", "/api/broadcasts/{broadcast_b}/", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      404]),
    ("get", "/mairie/messages/", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      404]),
    ("get", "/mairie/messages/{broadcast_a}/", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      404]),
    ("get", "/mairie/messages/{broadcast_b}/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    # --- text messages both ways: one's own mobile number; the desk for staff who verify residents ---
    ("get", "/preferences/mobile/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/mairie/guichet/", None,
             [LOGIN,        403,        403,        403,        403,        403,      200,      403,      200]),
    ("post", "/preferences/mobile/", {"code-code": "000000", "confirm": "1"},
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("post", "/mairie/guichet/", {"display_name": ""},
             [LOGIN,        403,        403,        403,        403,        403,      200,      403,      200]),
    ("get", "/mairie/guichet/{desk_a}/", None,
             [LOGIN,        403,        403,        403,        403,        403,      200,      403,      200]),
    ("get", "/mairie/guichet/{desk_b}/", None,
             [LOGIN,        403,        403,        403,        403,        403,      404,      403,      200]),
    # The provider's webhook: public, refused without the provider's signature (nothing stored).
    ("post", "/sms/inbound/console/", None,
             [403,          403,        403,        403,        403,        403,      403,      403,      403]),
    ("post", "/sms/inbound/nulle-part/", None,
             [404,          404,        404,        404,        404,        404,      404,      404,      404]),
    # --- the police event stream: scoped to the agent's services, empty for anybody else ---
    ("get", "/api/police/events/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    # --- the home page (maps) and Django's account pages ---
    ("get", "/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/comptes/login/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/comptes/logout/", None,
             [405,          405,        405,        405,        405,        405,      405,      405,      405]),
    ("get", "/comptes/password_change/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/comptes/password_change/done/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/comptes/password_reset/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/comptes/password_reset/done/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/comptes/reset/MQ/mauvais-jeton/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/comptes/reset/done/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    # --- statistics (maps/statistics/urls.py): the commune's staff, mayor and platform admins ---
    ("get", "/statistiques/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/statistiques/{code_a}/", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/statistiques/{code_a}/zones.csv", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/statistiques/{code_a}/zones-analyse.csv", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/statistiques/{code_a}/zones.geojson", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/statistiques/{code_a}/statistiques.gpkg", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/statistiques/{code_a}/rapport/", None,
             [LOGIN,        405,        405,        405,        405,        405,      405,      405,      405]),
    ("get", "/statistiques/{code_a}/rapport/0123abcd/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("get", "/statistiques/{code_b}/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/statistiques/{code_b}/zones.csv", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/statistiques/{code_b}/zones-analyse.csv", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/statistiques/{code_b}/zones.geojson", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/statistiques/{code_b}/statistiques.gpkg", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/api/statistics/zones/?commune={code_a}", None,
             [403,          404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/api/statistics/zones/?commune={code_b}", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/api/statistics/before-after/?commune={code_a}", None,
             [403,          404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/api/statistics/before-after/?commune={code_b}", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/api/statistics/evaluation/?commune={code_a}", None,
             [403,          404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/api/statistics/evaluation/?commune={code_b}", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/api/statistics/heatmap/?commune={code_a}", None,
             [403,          404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/api/statistics/heatmap/?commune={code_b}", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/api/statistics/hexagons/?commune={code_a}", None,
             [403,          404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/api/statistics/hexagons/?commune={code_b}", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/api/statistics/tiles/hexagons/11/1052/748.pbf?commune={code_a}", None,
             [403,          404,        404,        404,        404,        404,      200,      200,      200]),
    ("get", "/api/statistics/tiles/zones/11/1052/748.pbf?commune={code_b}", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      200]),
    ("get", "/accessibilite/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    # --- public account (maps/accountability/urls.py): public on purpose, counts only ---
    ("get", "/compte-public/{code_a}/", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/compte-public/{code_a}/compte.csv", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/compte-public/{code_a}/compte.json", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/compte-public/{code_b}/compte.json", None,
             [200,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/compte-public/{code_c}/", None,
             [404,          404,        404,        404,        404,        404,      404,      404,      404]),
    # --- live and resident maps (maps/live/urls.py) ---
    ("get", "/carte/police/", None,
             [LOGIN,        403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/carte/police/flux/", None,
             [403,          403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/carte/quartier/", None,
             [LOGIN,        403,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/carte/commune/{code_a}/", None,
             [LOGIN,        403,        403,        404,        404,        404,      200,      200,      404]),
    ("get", "/carte/commune/{code_b}/", None,
             [LOGIN,        403,        403,        404,        404,        404,      404,      404,      404]),
    ("get", "/api/maps/police/alerts/", None,
             [403,          403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/api/maps/police/alerts/{published_a}/", None,
             [403,          403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/api/maps/police/alerts/{published_b}/", None,
             [403,          403,        403,        403,        403,        404,      403,      403,      403]),
    ("get", "/api/maps/police/sectors/", None,
             [403,          403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/api/maps/neighbourhood/alerts/", None,
             [403,          403,        200,        403,        403,        403,      403,      403,      403]),
    # --- Tranquillité Vacances (patrols/urls.py): a resident's own absences, the police's rounds; the
    # full table with agents of other and shared services is tests/patrols/test_access.py ---
    ("get", "/tranquillite-vacances/", None,
             [LOGIN,        403,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/tranquillite-vacances/999999/", None,
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("get", "/patrouille/", None,
             [LOGIN,        403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/patrouille/chiffres/", None,
             [LOGIN,        403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/patrouille/imprimer/", None,
             [LOGIN,        403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/api/patrols/round/", None,
             [403,          403,        403,        403,        403,        200,      403,      403,      403]),
    ("get", "/api/patrols/absences/", None,
             [403,          403,        403,        403,        403,        200,      403,      403,      403]),
    # --- mutual help (solidarity/): verified residents of the request's neighbourhood; the two parties
    # of an accepted offer read their conversation; the commune's moderators moderate ---
    ("get", "/signaler/", None,
             [LOGIN,        200,        200,        200,        200,        200,      200,      200,      200]),
    ("get", "/entraide/", None,
             [LOGIN,        403,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/entraide/nouvelle/prendre-des-nouvelles/", None,
             [LOGIN,        403,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/entraide/{solidarity_a}/", None,
             [LOGIN,        403,        200,        403,        403,        403,      403,      403,      403]),
    ("get", "/entraide/{solidarity_b}/", None,
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("get", "/entraide/conversations/{offer_a}/", None,
             [LOGIN,        404,        200,        404,        404,        404,      404,      404,      404]),
    ("get", "/moderation/entraide/", None,
             [LOGIN,        403,        403,        200,        200,        404,      404,      404,      404]),
    # --- référents (#21): named by the mayor or staff with the right; their pages are a référent's
    # (tests/accounts/test_access_matrix_referents.py adds the référent's column) ---
    ("get", "/mairie/referents/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      200,      404]),
    ("get", "/mairie/referents/?commune={code_b}", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("get", "/referent/", None,
             [LOGIN,        403,        403,        403,        403,        403,      403,      403,      403]),
    ("get", "/referent/messages/", None,
             [LOGIN,        403,        403,        403,        403,        403,      403,      403,      403]),
    ("get", "/inscription/invitation/faux/", None,
             [400,          400,        400,        400,        400,        400,      400,      400,      400]),
    # --- good-practice reminders: the commune's staff and mayor, like its broadcasts ---
    ("get", "/mairie/rappels/", None,
             [LOGIN,        404,        404,        404,        404,        404,      200,      200,      404]),
    # Writes last: they change what the rows above would see.
    ("post", "/tranquillite-vacances/999999/annuler/", None,
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("post", "/api/patrols/absences/999999/visits/", {},
             [403,          403,        403,        403,        403,        404,      403,      403,      403]),
    ("post", "/mairie/referents/999999/fin/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/referent/charte/", None,
             [LOGIN,        403,        403,        403,        403,        403,      403,      403,      403]),
    ("post", "/referent/inviter/", {"first_name": "Jo", "email": "jo@example.org"},
             [LOGIN,        403,        403,        403,        403,        403,      403,      403,      403]),
    ("post", "/referent/messages/{broadcast_a}/relayer/", None,
             [LOGIN,        403,        403,        403,        403,        403,      403,      403,      403]),
    ("post", "/compte/referents/", {"visible": "0"},
             [LOGIN,        302,        302,        302,        302,        302,      302,      302,      302]),
    ("post", "/mairie/rappels/999999/annuler/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/api/inbox/{delivery_a}/read/", None,
             [403,          404,        200,        404,        404,        404,      404,      404,      404]),
    ("post", "/api/inbox/{delivery_b}/read/", None,
             [403,          404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/api/inbox/read-all/", None,
             [403,          200,        200,        200,        200,        200,      200,      200,      200]),
    ("post", "/api/broadcasts/send/", BROADCAST_B,
             [403,          400,        400,        400,        400,        400,      400,      400,      400]),
    ("post", "/api/broadcasts/send/", BROADCAST_A,
             [403,          400,        400,        400,        400,        400,      201,      201,      400]),
    ("post", "/api/broadcasts/{broadcast_b}/correct/", {"title": "Travaux", "body": "Rue rouverte."},
             [403,          404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/api/broadcasts/{broadcast_a}/correct/", {"title": "Travaux", "body": "Rue rouverte."},
             [403,          404,        404,        404,        404,        404,      200,      200,      404]),
    ("post", "/api/broadcasts/{broadcast_b}/withdraw/", {},
             [403,          404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/api/broadcasts/{broadcast_a}/withdraw/", {},
             [403,          404,        404,        404,        404,        404,      200,      200,      404]),

    # No file: the author hears what is missing; a moderator who reads the alert may not add one.
    ("post", "/api/alerts/{pending_a}/photos/", None,
             [403,          404,        400,        403,        404,        404,      404,      404,      404]),
    ("post", "/api/alerts/{pending_b}/photos/", None,
             [403,          404,        404,        404,        403,        404,      404,      404,      404]),
    ("post", "/statistiques/{code_a}/rapport/", None,
             [LOGIN,        404,        404,        404,        404,        404,      302,      302,      302]),
    ("post", "/statistiques/{code_b}/rapport/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      302]),
    # "Je l'ai vu aussi": verified residents of the alert's commune, once (the page then says so).
    ("post", "/api/alerts/{published_b}/confirmations/", None,
             [403,          403,        404,        403,        403,        403,      403,      403,      403]),
    ("post", "/api/alerts/{published_a}/confirmations/", None,
             [403,          403,        201,        403,        403,        403,      403,      403,      403]),
    ("post", "/alertes/{published_a}/je-l-ai-vu-aussi/", None,
             [LOGIN,        403,        302,        403,        403,        403,      403,      403,      403]),
    ("post", "/alertes/{published_b}/je-l-ai-vu-aussi/", None,
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("post", "/alertes/{pending_a}/recours/", {"statement": "Relisez svp."},
             [LOGIN,        404,        302,        404,        404,        404,      404,      404,      404]),
    ("post", "/alertes/{pending_b}/recours/", {"statement": "Relisez svp."},
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/preferences/pres-de-moi/", {"lon": "5.01", "lat": "43.01", "radius_m": "500", "hours": "2"},
             [LOGIN,        403,        302,        403,        403,        403,      403,      403,      403]),
    ("post", "/preferences/pres-de-moi/", {"stop": "1"},
             [LOGIN,        403,        302,        403,        403,        403,      403,      403,      403]),
    ("post", "/preferences/lieux-suivis/{followed_a}/supprimer/", None,
             [LOGIN,        403,        302,        403,        403,        403,      403,      403,      403]),
    # Mutual help: offering on one's own request, answering an offer already accepted and publishing a
    # request already published are refused in words on the page they lead back to (302).
    ("post", "/entraide/{solidarity_a}/je-peux-aider/", None,
             [LOGIN,        403,        302,        403,        403,        403,      403,      403,      403]),
    ("post", "/entraide/{solidarity_b}/je-peux-aider/", None,
             [LOGIN,        403,        404,        403,        403,        403,      403,      403,      403]),
    ("post", "/entraide/propositions/{offer_a}/accepter/", None,
             [LOGIN,        404,        302,        404,        404,        404,      404,      404,      404]),
    ("post", "/moderation/entraide/{solidarity_a}/publier/", None,
             [LOGIN,        403,        403,        QUEUE,      404,        404,      404,      404,      404]),
    ("post", "/moderation/entraide/{solidarity_b}/publier/", None,
             [LOGIN,        403,        403,        404,        QUEUE,      404,      404,      404,      404]),
    ("post", "/entraide/conversations/{offer_a}/", {"body": "Merci !"},
             [LOGIN,        404,        302,        404,        404,        404,      404,      404,      404]),
    ("post", "/entraide/nouvelle/coup-de-main/", {"what": "Porter un carton"},
             [LOGIN,        403,        302,        403,        403,        403,      403,      403,      403]),
    ("post", "/entraide/{solidarity_b}/resolue/", None,
             [LOGIN,        404,        404,        404,        404,        404,      404,      404,      404]),
    ("post", "/entraide/{solidarity_a}/resolue/", None,
             [LOGIN,        404,        302,        404,        404,        404,      404,      404,      404]),
]
# fmt: on

# Named URLs that need no row, and why.
NOT_IN_THE_TABLES = {
    "schema": "the OpenAPI document: public, read-only, fuzzed by tests/api/test_schema_fuzz.py",
    "api-docs": "Swagger UI over the schema, same",
    "api-redoc": "ReDoc over the schema, same",
    "set_language": "Django's i18n view: only stores a language choice",
    "healthz": "monitoring probe, public on purpose; its answer depends on a running worker (tests/config)",
    "pwa-manifest": "the installable app's manifest: public, the same for everyone (tests/config/test_pwa.py)",
    "pwa-service-worker": "the service worker script: public, the same for everyone (tests/config/test_pwa.py)",
    "pwa-offline": "the offline page: public, holds nothing personal (tests/config/test_pwa.py)",
    "favicon": "a redirect to the icon among the static files",
}
NOT_IN_THE_TABLES_PREFIXES = {
    "admin:": "Django's admin: only platform admins pass its own login (rows /admin/... above)",
}


def fill(value, subjects: dict):
    """The URL or request data of a row with its {placeholders} replaced by the subjects' values."""
    if isinstance(value, str):
        text = value.format_map(subjects)
        return int(text) if value.startswith("{") and value.endswith("}") and text.isdigit() else text
    if isinstance(value, dict):
        return {key: fill(item, subjects) for key, item in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_expected_answer_from_every_endpoint_of_every_part(world, subjects, role):
    column = ROLES.index(role)
    wrong = []
    for method, url, data, expected in TABLE:
        concrete = fill(url, subjects)
        got = outcome(request(world.client(role), method, concrete, fill(data, subjects)))
        if got != expected[column]:
            wrong.append(f"{method.upper()} {concrete}: expected {expected[column]}, got {got}")

    assert wrong == []


class _AnyId(dict):
    def __missing__(self, key):
        return "1"


def test_every_named_url_of_the_project_has_rows():
    rows = [*ACCOUNTS_TABLE, *TABLE]
    covered = {resolve(url.format_map(_AnyId()).split("?")[0]).view_name for _m, url, _d, _e in rows}
    missing = []
    for endpoint in endpoints():
        if endpoint.name in NOT_IN_THE_TABLES or endpoint.name.startswith(tuple(NOT_IN_THE_TABLES_PREFIXES)):
            continue
        if endpoint.url.startswith("/admin/"):
            continue  # the admin's unnamed catch-all routes, same reason as "admin:"
        if endpoint.url.startswith(settings.STATIC_URL):
            continue  # static files, served by whitenoise in production
        if not endpoint.name:
            missing.append(f"{endpoint.url}: give the route a name and add its rows")
        elif endpoint.name not in covered:
            missing.append(f"{endpoint}: add its rows to TABLE")

    assert missing == []


# What each role finds in the lists: another territory never appears in them. `None` where the role
# cannot read the list at all (its status is in TABLE).
PA, UA, PB, UB = "pending_a", "published_a", "pending_b", "published_b"
NONE = set()
# fmt: off
# url, the key holding the id in each item, then what each role finds, in ROLES order:
#    anonymous unverified resident_a moderator_a moderator_b police_a staff_a mayor_a admin
LISTS = [
    ("/api/alerts/", "id",
     [None, NONE, {PA, UA}, {PA, UA}, {PB, UB}, {UA}, {UA}, {UA}, NONE]),
    ("/api/moderation/queue/", "id",
     [None, None, None, {PA}, {PB}, NONE, NONE, NONE, NONE]),
    ("/api/inbox/", "id",
     [None, NONE, {"delivery_a", "offer_notice_a"}, NONE, NONE, NONE, NONE, NONE, NONE]),
    ("/api/broadcasts/", "id",
     [None, NONE, NONE, NONE, NONE, NONE, {"broadcast_a"}, {"broadcast_a"}, NONE]),
    ("/api/police/events/", "alert",
     [None, NONE, NONE, NONE, NONE, {UA}, NONE, NONE, NONE]),
]
# fmt: on

# Who may see each alert's exact location: the commune's moderators; once published, also the police
# agents of the services covering it and its municipal staff and mayor. Never a resident.
EXACT_SEEN_BY = {
    PA: {"moderator_a"},
    UA: {"moderator_a", "police_a", "staff_a", "mayor_a"},
    PB: {"moderator_b"},
    UB: {"moderator_b"},
}
# The one exception: the personal-data export gives authors back what they wrote, place included
# (right of access); nobody else's alert is in it.
AUTHORS = {PA: "resident_a"}
EXPORT = "/api/me/export/"


def body_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_only_the_territory_of_the_role(world, subjects, role):
    column = ROLES.index(role)
    client = world.client(role)
    wrong = []
    for url, key, expected in LISTS:
        if expected[column] is None:
            continue
        body = client.get(url).json()
        items = body["results"] if isinstance(body, dict) else body
        found = {item[key] for item in items}
        if found != {subjects[name] for name in expected[column]}:
            wrong.append(f"{url}: expected {sorted(expected[column])}, got ids {sorted(found)}")

    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_no_answer_shows_an_exact_location_to_whoever_may_not_see_it(world, subjects, role):
    from tests.accounts.conftest import EXACT

    client = world.client(role)
    leaks = []
    for method, url, _data, _expected in [*ACCOUNTS_TABLE, *TABLE]:
        # The police stream never ends; what it sends to whom is tested in tests/maps/live/test_stream.py.
        if method != "get" or url == "/carte/police/flux/":
            continue
        text = body_text(client.get(fill(url, subjects)))
        for name, (lon, lat) in EXACT.items():
            if role in EXACT_SEEN_BY[name] or (url == EXPORT and AUTHORS.get(name) == role):
                continue
            written = {f"{lon}", f"{lat}", f"{lon}".replace(".", ","), f"{lat}".replace(".", ",")}
            if any(number in text for number in written):
                leaks.append(f"{url}: the place of {name}")

    assert leaks == []
