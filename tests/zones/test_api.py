import pytest
from django.test import Client

from tests.factories import make_commune, make_neighbourhood, make_police_sector
from zones.services import police_service_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def geography():
    commune = make_commune(code="99001", name="Testville", bounds=(5.0, 43.0, 5.02, 43.01))
    make_neighbourhood(commune=commune, name="Ouest", bounds=(5.0, 43.0, 5.01, 43.01))
    make_neighbourhood(commune=commune, name="Est", bounds=(5.01, 43.0, 5.02, 43.01))
    service = police_service_create(name="Police municipale de Testville", communes=[commune])
    make_police_sector(service=service, commune=commune, name="Secteur A", bounds=(5.0, 43.0, 5.02, 43.01))
    return commune


def test_a_commune_is_a_geojson_feature(geography):
    body = Client().get("/api/communes/99001/").json()

    assert body["type"] == "Feature" and body["id"] == "99001"
    assert body["geometry"]["type"] == "MultiPolygon"
    assert body["properties"]["name"] == "Testville"


def test_an_unknown_commune_is_404(geography):
    assert Client().get("/api/communes/00000/").status_code == 404


def test_zones_are_a_feature_collection_filtered_by_kind(geography):
    body = Client().get("/api/zones/", {"commune": "99001", "kind": "neighbourhood"}).json()

    assert body["type"] == "FeatureCollection" and body["count"] == 2
    assert [f["properties"]["name"] for f in body["features"]] == ["Est", "Ouest"]
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_the_bbox_keeps_zones_overlapping_it(geography):
    body = Client().get("/api/zones/", {"kind": "neighbourhood", "in_bbox": "5.0,43.0,5.005,43.005"}).json()

    assert [f["properties"]["name"] for f in body["features"]] == ["Ouest"]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "0,0,200,1", "nan,0,1,1", "0,0,inf,1"])
@pytest.mark.parametrize("url", ["/api/zones/", "/api/communes/"])
def test_a_bad_bbox_is_a_400(geography, bbox, url):
    assert Client().get(url, {"in_bbox": bbox}).status_code == 400


def test_communes_in_view_and_joined_or_not(geography):
    make_commune(code="99002", name="Voisinville", bounds=(5.02, 43.0, 5.04, 43.01), adopted_on="2025-01-01")
    make_commune(code="99003", name="Loinville", bounds=(6.0, 44.0, 6.02, 44.01), adopted_on="2025-01-01")

    in_view = Client().get("/api/communes/", {"in_bbox": "5.0,43.0,5.05,43.02", "simplify": 10}).json()
    joined = Client().get("/api/communes/", {"in_bbox": "5.0,43.0,5.05,43.02", "joined": "true"}).json()
    not_joined = Client().get("/api/communes/", {"joined": "false"}).json()

    assert in_view["type"] == "FeatureCollection"
    assert [f["id"] for f in in_view["features"]] == ["99001", "99002"]
    assert in_view["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert [f["id"] for f in joined["features"]] == ["99002"]
    assert joined["features"][0]["properties"]["adopted_on"] == "2025-01-01"
    assert [f["id"] for f in not_joined["features"]] == ["99001"]
    assert Client().get("/api/communes/", {"joined": "peut-être"}).status_code == 400


def test_simplify_lightens_geometry_and_is_bounded(geography):
    commune = geography
    # A boundary with many vertices: 200 points along a wiggly edge.
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from zones.services import commune_upsert

    ring = [(5.0 + i * 0.0001, 43.0 + (0.00001 if i % 2 else 0)) for i in range(201)] + [(5.02, 43.01), (5.0, 43.01)]
    commune_upsert(code="99001", name="Testville", boundary=MultiPolygon(Polygon([*ring, ring[0]]), srid=4326))
    client = Client()

    full = client.get("/api/communes/99001/").json()["geometry"]["coordinates"][0][0]
    light = client.get("/api/communes/99001/", {"simplify": 50}).json()["geometry"]["coordinates"][0][0]

    assert len(full) > 200 and len(light) <= 6
    for bad in ("-1", "100000", "nan", "abc"):
        assert client.get("/api/communes/99001/", {"simplify": bad}).status_code == 400
    assert commune.code == "99001"


def test_lookup_returns_what_covers_the_point(geography):
    body = Client().get("/api/lookup/", {"lon": "5.01", "lat": "43.005"}).json()

    assert [c["code"] for c in body["communes"]] == ["99001"]
    assert sorted(n["name"] for n in body["neighbourhoods"]) == ["Est", "Ouest"]  # on their shared border
    assert [s["police_service"] for s in body["police_sectors"]] == ["Police municipale de Testville"]


def test_lookup_outside_every_commune_is_an_empty_answer(geography):
    response = Client().get("/api/lookup/", {"lon": "-3.0", "lat": "48.0"})

    assert response.status_code == 200
    assert response.json()["communes"] == [] and response.json()["police_sectors"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": "abc", "lat": "43"}, "lon"),
        ({"lon": "5", "lat": "95"}, "lat"),
        ({"lat": "43"}, "lon"),
        ({"lon": "5", "lat": "nan"}, "lat"),
    ],
)
def test_bad_coordinates_are_a_400_naming_the_field(params, field):
    response = Client().get("/api/lookup/", params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_geography_api_is_throttled(settings, geography):
    settings.ZONES_API_THROTTLE_RATE = "3/minute"
    client = Client()

    statuses = [client.get("/api/lookup/", {"lon": "5", "lat": "43"}).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_a_code_with_a_nul_byte_is_a_400_not_a_crash(geography):
    assert Client().get("/api/communes/99%00001/").status_code == 400
    assert Client().get("/api/zones/", {"commune": "99\x00"}).status_code == 400
