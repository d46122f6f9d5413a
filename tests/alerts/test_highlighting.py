import pytest

from alerts.highlighting import highlights_of, segments_of


def marked(text):
    return [(text[h.start : h.end], h.kind) for h in highlights_of(text)]


@pytest.mark.parametrize(
    "phone", ["06 12 34 56 78", "06.12.34.56.78", "0612345678", "06-12-34-56-78", "+33 6 12 34 56 78", "+33612345678"]
)
def test_french_phone_numbers(phone):
    assert marked(f"Appelez le {phone} svp") == [(phone, "phone")]


def test_emergency_numbers_and_times_are_not_phone_numbers():
    assert marked("J'ai appelé le 17 puis le 112 vers 14h30 le 12/03/2026.") == []


def test_email_addresses():
    assert marked("écrire à jean.dupont+vigie@exemple.fr") == [("jean.dupont+vigie@exemple.fr", "email")]


@pytest.mark.parametrize("plate", ["AB-123-CD", "AB 123 CD", "AB123CD", "ab-123-cd", "1234 AB 13", "123 ABC 2A"])
def test_licence_plates(plate):
    assert marked(f"Une voiture {plate} stationnée") == [(plate, "plate")]


def test_plate_letters_i_o_u_are_not_siv():
    assert marked("code IO-123-UU") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("C'était M. Dupont du 3", "M. Dupont"),
        ("chez Mme Martinez hier", "Mme Martinez"),
        ("le fils de madame Durand", "madame Durand"),
        ("j'ai vu Kevin Moreau", "Kevin Moreau"),
    ],
)
def test_names(text, name):
    assert (name, "name") in marked(text)


@pytest.mark.parametrize(
    "phrase", ["c'est lui", "Le voleur est", "je soupçonne", "Ce sont les", "les gens du voyage", "des Roms"]
)
def test_accusations_and_origin_terms(phrase):
    kinds = [kind for _, kind in marked(f"Franchement {phrase} du quartier.")]
    assert kinds == ["accusation"]


def test_an_ordinary_description_has_no_highlight():
    assert marked("Porte fracturée au 12 rue des Lilas, vitre cassée, constatée vers 7 h ce matin.") == []


def test_spans_do_not_overlap_and_segments_rebuild_the_text():
    text = "C'est lui, M. Dupont, 06 12 34 56 78, plaque AB-123-CD."
    spans = highlights_of(text)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    assert "".join(piece for piece, _, _ in segments_of(text, spans)) == text
