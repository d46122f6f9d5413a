import pytest

from geo.points import InvalidCoordinates, parse_lon_lat, parse_number


@pytest.mark.parametrize(
    ("typed", "number"),
    [("4,6603", 4.6603), ("4.6603", 4.6603), (" 43,8 ", 43.8), ("-1,5", -1.5), ("5", 5.0), (4.5, 4.5)],
)
def test_a_decimal_comma_or_point_reads_as_the_same_number(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["1,2,3", "4,6.2", "abc", "", None, "nan", "inf"])
def test_what_is_not_one_finite_number_is_none(typed):
    assert parse_number(typed) is None


def test_a_point_typed_with_french_decimal_commas_is_read():
    point = parse_lon_lat("4,6603", "43,8057")
    assert (point.x, point.y, point.srid) == (4.6603, 43.8057, 4326)


def test_both_wrong_coordinates_are_reported_not_only_the_first():
    with pytest.raises(InvalidCoordinates) as caught:
        parse_lon_lat("quatre", "95")
    assert set(caught.value.errors) == {"lon", "lat"}
    assert caught.value.errors["lon"] == "« quatre » n'est pas un nombre."
    assert "latitude" in caught.value.errors["lat"] and "-90 et 90" in caught.value.errors["lat"]


def test_a_latitude_on_its_limit_is_accepted():
    assert parse_lon_lat("180", "-90").coords == (180.0, -90.0)
