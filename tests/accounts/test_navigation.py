"""The site navigation: each page a person may reach is offered once, whatever page they are on."""

import re
from collections import Counter

import pytest

from tests.auth import resident_client

pytestmark = pytest.mark.django_db


def nav_links(page: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Navigation principale">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"', nav)


@pytest.mark.parametrize("url", ["/alertes/nouvelle/", "/alertes/mes-alertes/", "/carte/quartier/", "/compte/"])
def test_a_resident_finds_each_link_once_in_the_navigation(world, url):
    client = resident_client(world.people["resident_a"])

    links = nav_links(client.get(url).content.decode())

    # "Signaler" opens the choice between an alert and a request for mutual help.
    assert "/signaler/" in links and "/entraide/" in links and "/alertes/mes-alertes/" in links
    assert [link for link, count in Counter(links).items() if count > 1] == []
