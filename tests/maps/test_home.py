import pytest


@pytest.mark.django_db
def test_home_page_is_french_and_reminds_the_emergency_numbers(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "appelez le 17" in html
    assert "112" in html


@pytest.mark.django_db
def test_home_page_is_available_in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html
    assert "call 17" in html
