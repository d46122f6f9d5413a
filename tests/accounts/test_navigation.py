"""The site navigation: each page a person may reach is offered once, whatever page they are on."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from accounts.models import Residence
from accounts.referents import referent_end
from tests.auth import resident_client
from tests.factories import make_referent

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


def test_the_navigation_follows_a_change_of_role_at_the_next_page(world):
    """The navigation is kept between pages: naming a référent, ending the term and refusing a home
    each show on the very next page, not when the kept answer expires."""
    resident = world.people["resident_a"]
    client = resident_client(resident)
    referent_home = reverse("referent-home")
    assert referent_home not in nav_links(client.get("/compte/").content.decode())

    term = make_referent(user=resident, neighbourhoods=[world.north_a])
    assert referent_home in nav_links(client.get("/compte/").content.decode())

    referent_end(referent=term, ended_by=world.people["mayor_a"])
    assert referent_home not in nav_links(client.get("/compte/").content.decode())

    residence = resident.residence
    residence.status = Residence.Status.REJECTED
    residence.save()
    assert reverse("maps-neighbourhood") not in nav_links(client.get("/compte/").content.decode())
