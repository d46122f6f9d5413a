"""Open311 GeoReport v2, read with an independent client from PyPI (`georeport`, which speaks
JSON and XML over `requests`) against a running server, and posted to with plain `requests` (the
client has no POST). Responses are checked against the specification's field lists."""

import io
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import requests
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from georeport import GeoReport

from accounts.models import CharterAcceptance, CharterVersion, Role
from accounts.selectors import charter_current
from alerts.follow_up import alert_follow_up_set
from alerts.moderation import alert_publish
from tests.auth import staff_client
from tests.factories import UserFactory, make_role
from tests.maps.live.world import ensure_categories

# The specification's fields (http://wiki.open311.org/GeoReport_v2).
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description"}


def xml_of(content: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(content)  # noqa: S314 - our own test server's answer


def api_key(email: str) -> str:
    out = io.StringIO()
    call_command("open311_api_key", email, stdout=out)
    return out.getvalue().split()[-1]


def accept_charter(user):
    charter = charter_current() or CharterVersion.objects.create(version=1, text="Informer, jamais intervenir.")
    CharterAcceptance.objects.create(user=user, charter=charter)


@pytest.fixture
def served(standards, live_server, transactional_db):
    ensure_categories()
    return standards, f"{live_server.url}/open311/v2"


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_an_open311_client_lists_services_definitions_and_requests(served, output_format):
    standards, root = served
    client = GeoReport(root, output_format=output_format)

    services = client.get_service_list()
    definition = client.get_service_definition("cambriolage")
    requests_ = client.get_service_requests()
    one = client.get_service_request(str(standards.published.id))

    assert {service["service_code"] for service in services} >= {"cambriolage", "vol-vehicule"}
    assert all(set(service) == SERVICE_FIELDS for service in services)
    burglary = next(s for s in services if s["service_code"] == "cambriolage")
    assert "17" in burglary["description"] and "112" in burglary["description"]  # urgent: call the emergency numbers
    attributes = definition["attributes"]
    attributes = attributes["attribute"] if output_format == "xml" else attributes
    assert all(set(attribute) >= ATTRIBUTE_FIELDS for attribute in attributes)
    ack = next(a for a in attributes if a["code"] == "emergency_notice_acknowledged")
    assert str(ack["required"]).lower() == "true"
    requests_ = requests_ if isinstance(requests_, list) else [requests_]
    ids = {int(request["service_request_id"]) for request in requests_}
    assert ids == {standards.published.id, standards.other_published.id}
    assert all(set(request) >= REQUEST_FIELDS for request in requests_)
    assert int(one["service_request_id"]) == standards.published.id
    assert one["status"] == "open" and one["service_code"] == "cambriolage"
    assert one["agency_responsible"] == "PM Testville"
    exact = standards.published.location
    assert (float(one["long"]), float(one["lat"])) != pytest.approx((exact.x, exact.y), abs=1e-5)


def test_discovery_in_json_and_xml(served):
    _, root = served

    as_json = requests.get(f"{root}/discovery.json", timeout=30).json()
    as_xml = xml_of(requests.get(f"{root}/discovery.xml", timeout=30).content)

    assert as_json["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert as_json["endpoints"][0]["url"].endswith("/open311/v2/")
    assert as_xml.tag == "discovery"
    assert [f.text for f in as_xml.iter("format")] == ["application/json", "text/xml"]


def test_a_resident_posts_with_a_key_then_follows_the_request_to_publication(served):
    standards, root = served
    resident = standards.world.resident
    accept_charter(resident)
    key = api_key(resident.email)
    form = {
        "api_key": key,
        "jurisdiction_id": "99001",
        "service_code": "demarchage-suspect",
        "lat": "43.0061",
        "long": "5.0062",
        "description": "Deux personnes sonnent à toutes les portes en se disant du gaz.",
        "attribute[emergency_notice_acknowledged]": "true",
        "attribute[occurred_at]": (timezone.now() - timedelta(hours=1)).isoformat(),
    }

    posted = requests.post(f"{root}/requests.json", data=form, timeout=30)
    token = posted.json()[0]["token"]
    waiting = requests.get(f"{root}/tokens/{token}.json", timeout=30).json()[0]
    from alerts.models import Alert

    alert = Alert.objects.get(author=resident, category__code="demarchage-suspect")
    hidden = requests.get(f"{root}/requests/{alert.id}.json", timeout=30)
    moderator = UserFactory()
    make_role(user=moderator, kind=Role.Kind.MODERATOR, commune=standards.world.commune)
    alert_publish(alert=alert, moderator=moderator)
    published = requests.get(f"{root}/tokens/{token}.json", timeout=30).json()[0]
    followed = GeoReport(root, jurisdiction="99001").get_service_request(str(published["service_request_id"]))

    assert posted.status_code == 201 and "17" in posted.json()[0]["service_notice"]
    assert alert.status == Alert.Status.PENDING and alert.location.x == pytest.approx(5.0062)
    assert waiting["service_request_id"] is None
    assert hidden.status_code == 404  # pending: not public yet
    assert published["service_request_id"] == alert.id
    assert followed["status"] == "open" and followed["service_code"] == "demarchage-suspect"


def test_posting_rules_apply_errors_as_the_specification_lists_them(served):
    standards, root = served
    resident = standards.world.resident
    accept_charter(resident)
    key = api_key(resident.email)
    form = {"api_key": key, "service_code": "cambriolage", "lat": "43.006", "long": "5.006", "description": "x"}

    refused = requests.post(f"{root}/requests.json", data=form, timeout=30)
    as_xml = requests.post(f"{root}/requests.xml", data=form, timeout=30)
    far = requests.post(
        f"{root}/requests.json",
        data={**form, "lat": "48.85", "long": "2.35", "attribute[emergency_notice_acknowledged]": "true"},
        timeout=30,
    )

    assert refused.status_code == 400
    descriptions = " ".join(error["description"] for error in refused.json())
    assert all(set(error) == {"code", "description"} and error["code"] == 400 for error in refused.json())
    assert "attribute[emergency_notice_acknowledged]" in descriptions
    assert "description" in descriptions and "attribute[occurred_at]" in descriptions
    errors = xml_of(as_xml.content)
    assert as_xml.status_code == 400 and errors.tag == "errors"
    assert {child.tag for child in errors.find("error")} == {"code", "description"}
    assert far.status_code == 400 and "lat/long" in far.text


def test_keys_are_stored_hashed_and_revocable(served):
    standards, root = served
    resident = standards.world.resident
    accept_charter(resident)
    key = api_key(resident.email)
    from standards.models import Open311ApiKey

    stored = Open311ApiKey.objects.get(user=resident)
    call_command("open311_api_key", resident.email, revoke=key[:8], stdout=io.StringIO())
    answer = requests.post(f"{root}/requests.json", data={"api_key": key, "service_code": "cambriolage"}, timeout=30)

    assert key not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert answer.status_code == 403
    assert answer.json()[0]["code"] == 403


def test_a_key_of_someone_who_may_not_post_is_refused(served):
    standards, root = served
    key = api_key(standards.world.mayor.email)

    answer = requests.post(f"{root}/requests.json", data={"api_key": key, "service_code": "cambriolage"}, timeout=30)

    assert answer.status_code == 403 and "domicile" in answer.json()[0]["description"]


def test_status_closed_follows_the_police_follow_up(standards):
    alert_follow_up_set(alert=standards.published, actor=standards.world.agent, follow_up="closed", outcome="Vu.")

    closed = Client().get("/open311/v2/requests.json?status=closed").json()
    open_ = Client().get("/open311/v2/requests.json?status=open").json()

    assert [r["service_request_id"] for r in closed] == [standards.published.id]
    assert closed[0]["status_notes"] == "clôturée"
    assert standards.published.id not in {r["service_request_id"] for r in open_}


def test_jurisdiction_dates_and_pages(standards):
    by_commune = Client().get("/open311/v2/requests.json?jurisdiction_id=99002").json()
    unknown = Client().get("/open311/v2/requests.json?jurisdiction_id=00000")
    first = Client().get("/open311/v2/requests.json?page_size=1")
    second = Client().get(first["Link"].split(";")[0].strip("<>").replace("http://testserver", ""))
    old = Client().get("/open311/v2/requests.json?end_date=2020-01-01T00:00:00Z").json()
    too_wide = Client().get("/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z")

    assert [r["service_request_id"] for r in by_commune] == [standards.other_published.id]
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    ids = [r["service_request_id"] for r in first.json() + second.json()]
    assert sorted(ids) == sorted([standards.published.id, standards.other_published.id])
    assert 'rel="next"' in first["Link"] and "Link" not in second
    assert old == []
    assert too_wide.status_code == 400


def test_the_police_agent_of_the_commune_reads_exact_places(standards):
    exact = standards.published.location

    agent = staff_client(standards.world.agent).get(f"/open311/v2/requests/{standards.published.id}.json").json()[0]
    anonymous = Client().get(f"/open311/v2/requests/{standards.published.id}.json").json()[0]

    assert (agent["long"], agent["lat"]) == pytest.approx((exact.x, exact.y))
    assert (anonymous["long"], anonymous["lat"]) != pytest.approx((exact.x, exact.y), abs=1e-5)


@pytest.mark.parametrize(
    "url",
    [
        "/open311/v2/requests.json?service_request_id=1,abc",
        "/open311/v2/requests.json?service_request_id=²",
        "/open311/v2/requests.json?status=maybe",
        "/open311/v2/requests.json?start_date=hier",
        "/open311/v2/requests.json?page=0",
        "/open311/v2/services/inconnu.json",
        "/open311/v2/requests/999999.xml",
        "/open311/v2/tokens/faux.json",
    ],
)
def test_bad_input_gets_a_4xx_in_the_specification_shape(standards, url):
    response = Client().get(url)

    assert 400 <= response.status_code < 500
    if url.endswith(".xml"):
        assert xml_of(response.content).tag == "errors"
    else:
        assert set(response.json()[0]) == {"code", "description"}


def test_pending_and_rejected_alerts_are_never_listed(standards):
    ids = {r["service_request_id"] for r in Client().get("/open311/v2/requests.json").json()}
    assert standards.pending.id not in ids and standards.rejected.id not in ids
    assert Client().get(f"/open311/v2/requests/{standards.pending.id}.json").status_code == 404


def test_a_key_that_is_not_text_is_refused(standards):
    response = Client().post(
        "/open311/v2/requests.json", {"api_key": 12345, "service_code": "cambriolage"}, content_type="application/json"
    )

    assert response.status_code == 403 and response.json()[0]["code"] == 403
