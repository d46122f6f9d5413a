from addresses.selectors import address_nearest, address_suggest


def labels(text: str) -> list[str]:
    return [found.label for found in address_suggest(text)]


def test_a_misspelt_unaccented_street_is_found(imported):
    assert labels("rue des hales tarascon")[0] == "Rue des Halles, 13150 Tarascon"
    assert labels("12 rue des hales tarascon")[0] == "12 Rue des Halles, 13150 Tarascon"
    assert labels("rue de l eglise peyrolles")[0] == "Rue de l'Église, 13860 Peyrolles-en-Provence"


def test_suggestions_come_while_typing(imported):
    assert labels("12 rue des hal")[0] == "12 Rue des Halles, 13150 Tarascon"
    assert labels("2 bis place de la mair")[0] == "2 bis Place de la Mairie, 13150 Tarascon"
    # Only common words so far: nothing to find yet, and nothing unrelated offered.
    assert labels("12 rue de la") == []
    assert labels("boulevard inconnu") == []


def test_the_typed_number_gives_its_point_and_an_unknown_number_the_street(imported):
    (twelve,) = address_suggest("12 rue des halles")[:1]
    (unknown,) = address_suggest("500 rue des halles")[:1]

    assert (twelve.lon, twelve.lat) == (4.6612, 43.806)
    assert unknown.label == "Rue des Halles, 13150 Tarascon"
    assert 4.6601 < unknown.lon < 4.6620


def test_a_point_is_described_by_the_nearest_address(imported):
    near = address_nearest(lon=4.66121, lat=43.80605, within_m=150)

    assert near.near == "près du 12 rue des Halles, Tarascon"
    assert near.distance_m < 10


def test_a_point_far_from_any_address_has_no_description(imported):
    assert address_nearest(lon=4.70, lat=43.80, within_m=150) is None
