"""Every page a resident, a police agent or a mayor opens, on a 390x844 phone: no horizontal
scrolling, no tap target under 44x44 CSS px, no viewport that forbids zooming, a map that starts on
the first screen, and axe-core reporting no violation.

The pages come from the URL configuration: every pattern is requested through Django's test client
as each role (sample parameters filled from the access tests' world), and every one that answers
an HTML page is then opened once in Chromium, by the first role that can read it. A new page is
walked without anyone listing it here."""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Residence, User
from alerts.models import Alert
from tests.accounts.conftest import homes, private_storage, subjects, world  # noqa: F401 - the access tests' world
from tests.accounts.urlwalk import endpoints
from tests.browser.conftest import screenshot
from tests.factories import make_referent, make_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

PHONE = {"width": 390, "height": 844}
MIN_TARGET_PX = 44
# The first role that answers a page opens it; the others do not open it again.
WALKERS = ["resident_a", "police_a", "mayor_a", "anonymous"]
# Not pages: the JSON API, Django's admin (a platform tool, not a resident or police page), and the
# machine-readable open standards. Their parameters need no sample.
NOT_PAGES = re.compile(r"^(api/|admin/|tiles/|\^?open311/|ogc/|cap/)")
# A concrete value for every path parameter of a page, by name ({...}: a key of `subjects`).
SAMPLES = {
    "code": "{code_a}",
    "residence_id": "{a}",
    "alert_id": "{published_a}",
    "action": "publier",
    "delivery_id": "{delivery_a}",
    "broadcast_id": "{broadcast_a}",
    "absence_id": "{absence_a}",
    "token": "faux",
    "uidb64": "MQ",
    "report_id": "inconnu",
    "photo_id": "{photo_published_a}",  # an image, not a page: requested, then left out of the walk
    "appeal_id": "1",  # deciding an appeal is a POST from the moderation page, never a page of its own
    "place_id": "{followed_a}",  # changing or removing a followed place: POSTs from its page
    "kind": "prendre-des-nouvelles",
    "request_id": "{solidarity_a}",
    "offer_id": "{offer_a}",
    "referent_id": "1",  # ending a référent's term is a POST from the town hall's référents page
    "reminder_id": "1",  # cancelling a reminder is a POST from the reminders page
    "user_id": "{desk_a}",  # a resident registered at the town hall's desk
    "provider": "console",  # the inbound SMS webhook: a POST, never a page
}
# Pages the issue names: the walk must reach them, or it proves nothing.
MUST_WALK = {
    "home",
    "alert-post",
    "my-alerts",
    "post-choice",
    "solidarity-list",
    "solidarity-request",
    "solidarity-conversation",
    "maps-neighbourhood",
    "inbox",
    "notification-preferences",
    "followed-places",
    "phone-verification",
    "absences",
    "maps-police-live",
    "patrol-round",
    "statistics-dashboard",
    "broadcasts",
    "broadcast-detail",
    "accessibility-statement",
    "referent-home",
    "referent-broadcasts",
    "referents-manage",
    "reminders",
}
# Resident and police map pages open on their map. The mayor's dashboard opens on its written
# summary (read aloud at the council), so its map comes after.
# The posting form is the exception: the emergency reminder comes first, and its map sits just above
# the coordinates it fills (test_posting_on_a_phone).
MAP_FIRST_ROLES = {"resident_a", "police_a"}
MAP_NOT_FIRST = {"alert-post"}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

# Runs in the page: what a phone user would trip over, as a list of sentences.
PHONE_CHECKS_JS = """([minTarget, mapFirst]) => {
  const problems = [];
  const vw = window.innerWidth, vh = window.innerHeight;
  const shown = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > -window.scrollY
      && style.visibility !== 'hidden' && !el.closest('[aria-hidden="true"]');
  };
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim();
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.type ? ' type=' + el.type : ''}> `
      + JSON.stringify(text.slice(0, 40));
  };
  const width = document.documentElement.scrollWidth;
  if (width > vw) {
    const wide = [...document.body.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().right > vw + 1 && shown(el))
      .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= vw + 1)
      .slice(0, 5).map(name);
    problems.push(`page is ${width}px wide for a ${vw}px screen: ${wide.join(', ')}`);
  }
  const viewport = (document.querySelector('meta[name="viewport"]') || {}).content || '';
  const maximum = /maximum-scale\\s*=\\s*([\\d.]+)/.exec(viewport);
  if (!viewport.includes('width=device-width')) problems.push(`viewport meta is ${JSON.stringify(viewport)}`);
  if (/user-scalable\\s*=\\s*(no|0)/.test(viewport) || (maximum && parseFloat(maximum[1]) < 2)) {
    problems.push(`viewport forbids zooming: ${JSON.stringify(viewport)}`);
  }
  // A checkbox or radio button is tapped through its label too: measure both together.
  const target = (el) => {
    if (el.type !== 'checkbox' && el.type !== 'radio') return el.getBoundingClientRect();
    const boxes = [el, el.closest('label'), ...(el.id ? document.querySelectorAll(`label[for="${el.id}"]`) : [])]
      .filter((part) => part && shown(part)).map((part) => part.getBoundingClientRect());
    if (!boxes.length) return {width: 0, height: 0};
    const left = Math.min(...boxes.map((b) => b.left)), right = Math.max(...boxes.map((b) => b.right));
    const top = Math.min(...boxes.map((b) => b.top)), bottom = Math.max(...boxes.map((b) => b.bottom));
    return {width: right - left, height: bottom - top};
  };
  // WCAG 2.5.8's inline exception: a link inside a sentence of running text.
  const inline = (el) => el.tagName === 'A' && el.parentElement.matches('p, li, dd, td, figcaption, small')
    && el.parentElement.textContent.trim().length > el.textContent.trim().length + 10;
  // Map markers are content drawn on the map, not controls; Leaflet gives them role="button".
  const tappable = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, '
    + '[role="button"]:not(.leaflet-marker-icon)';
  for (const el of document.querySelectorAll(tappable)) {
    if (el.disabled || !shown(el) && !(el.type === 'checkbox' || el.type === 'radio')) continue;
    if (inline(el)) continue;
    const box = target(el);
    if (!box.width) continue;
    if (box.width < minTarget - 0.5 || box.height < minTarget - 0.5) {
      problems.push(`tap target ${Math.round(box.width)}x${Math.round(box.height)}: ${name(el)}`);
    }
  }
  for (const map of document.querySelectorAll('.leaflet-container')) {
    const top = map.getBoundingClientRect().top + window.scrollY;
    if (mapFirst && shown(map) && top > vh - 200) {
      problems.push(`map starts ${Math.round(top)}px down, below the first screen`);
    }
  }
  return problems;
}"""

AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => `axe ${v.id} (${v.impact}): ${v.help} at `
    + v.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(' | '));
}"""


def menu_folds_on_a_phone(page) -> None:
    """The navigation is one "Menu" button (a <details> summary, exposed as expanded or not) until tapped."""
    link = page.locator("nav a", has_text="Mes alertes")
    assert not link.is_visible()
    page.locator("#site-menu > summary").click()
    assert link.is_visible() and page.locator("#site-menu").evaluate("(menu) => menu.open")
    page.locator("#site-menu > summary").click()


def live_map_switches_between_map_and_list(page) -> None:
    """One thumb: the switch shows the map or the list of alerts, never both on a phone; in the
    list, each alert is a card whose follow-up buttons are in reach and big enough."""
    page.wait_for_function("() => document.querySelectorAll('#alert-list tbody .follow-up-moves button').length > 0")
    page.locator("#view-switch button", has_text="Liste").click()
    assert page.locator("#list-view").is_visible() and not page.locator("#map").is_visible()
    assert page.locator("#view-switch button[aria-pressed=true]").inner_text() == "Liste"
    follow_up = page.locator("#alert-list tbody .follow-up-moves button").first
    follow_up.scroll_into_view_if_needed()
    assert follow_up.is_visible()
    assert page.evaluate(PHONE_CHECKS_JS, [MIN_TARGET_PX, False]) == []
    page.locator("#view-switch button", has_text="Carte").click()
    assert page.locator("#map").is_visible() and not page.locator("#list-view").is_visible()


# What some pages also do on a phone, checked while they are open.
PHONE_STEPS = {"my-alerts": menu_folds_on_a_phone, "maps-police-live": live_map_switches_between_map_and_list}


def fill(template: str, values: dict) -> str:
    return template.format(**values)


def pages_by_role(clients: dict[str, Client], values: dict) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """{role: [(name, url)]} for every pattern that answers an HTML page, each name under the
    first role of WALKERS it answers; and the pages that lack a sample parameter."""
    walked, missing, taken = {role: [] for role in WALKERS}, [], set()
    for endpoint in endpoints():
        if NOT_PAGES.match(endpoint.route) or not endpoint.name or endpoint.name in taken:
            continue
        parameters = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", endpoint.route)
        names = [a or b for a, b in parameters]
        if any(name not in SAMPLES for name in names):
            missing.append(f"{endpoint.name}: {[n for n in names if n not in SAMPLES]}")
            continue
        url = reverse(endpoint.name, kwargs={name: fill(SAMPLES[name], values) for name in names})
        for role in WALKERS:
            response = clients[role].get(url)
            kind = response.get("Content-Type", "")
            if response.status_code == 200 and kind.startswith("text/html") and not response.streaming:
                walked[role].append((endpoint.name, url))
                taken.add(endpoint.name)
                break
    return walked, missing


def test_every_resident_police_and_mayor_page_fits_a_phone_and_passes_axe(server, request):
    from patrols.services import absence_create

    the_world, values = request.getfixturevalue("world"), request.getfixturevalue("subjects")
    resident = User.objects.get(pk=the_world.people["resident_a"].pk)
    leaving = datetime.date.today() + datetime.timedelta(days=10)
    absence = absence_create(
        resident=resident,
        residence=resident.residence,
        starts_on=leaving,
        ends_on=leaving + datetime.timedelta(days=7),
    )
    values = {**values, "absence_a": absence.pk}
    # resident_a is also the référent of Nord, with a neighbour who agreed to be listed on their page.
    make_referent(user=resident, neighbourhoods=[the_world.north_a])
    neighbour = make_resident(commune=the_world.commune_a, home=resident.residence.home)
    Residence.objects.filter(user=neighbour).update(visible_to_referents=True)
    clients = {role: the_world.client(role) for role in WALKERS}

    walked, missing = pages_by_role(clients, values)

    assert missing == [], "pages with a path parameter this test has no sample for (add it to SAMPLES)"
    names = {name for pages in walked.values() for name, _url in pages}
    assert MUST_WALK - names == set()

    # The browser only now: Playwright keeps an event loop running, which async views (the police
    # event stream) cannot share with the test client's requests above.
    open_page = request.getfixturevalue("open_page")
    axe_source = AXE.read_text()
    problems = {}
    for role, pages in walked.items():
        page = open_page(clients[role], viewport=PHONE, is_mobile=True, has_touch=True)
        for name, url in pages:
            page.goto(server.url + url, wait_until="load")
            page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
            found = page.evaluate(
                PHONE_CHECKS_JS, [MIN_TARGET_PX, role in MAP_FIRST_ROLES and name not in MAP_NOT_FIRST]
            )
            if not page.evaluate("() => typeof axe !== 'undefined'"):
                page.evaluate(axe_source)
            found += page.evaluate(AXE_RUN_JS)
            if name in PHONE_STEPS:
                PHONE_STEPS[name](page)
            if found:
                problems[f"{role} {name} {url}"] = found
                screenshot(page, f"phone-{name}")

    print(json.dumps({role: [name for name, _url in pages] for role, pages in walked.items()}, indent=1))
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)


def test_posting_on_a_phone_with_the_position_granted_then_refused(server, request):
    """The map sits above the coordinates with its hint; "use my position" fills them when the
    phone allows it and says what to do when it refuses; a refused form lists every error at the
    top and moves the focus there."""
    client = request.getfixturevalue("world").client("resident_a")
    open_page = request.getfixturevalue("open_page")
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    page = open_page(
        client, permissions=["geolocation"], geolocation={"latitude": 43.0123, "longitude": 5.0111}, **phone
    )
    page.goto(f"{server.url}/alertes/nouvelle/")

    hint, lon = page.locator("#map-hint"), page.locator("#id_lon")
    assert hint.is_visible() and "Touchez la carte" in hint.inner_text()
    assert page.locator("#carte-lieu").bounding_box()["y"] < lon.bounding_box()["y"]
    page.locator("#use-position").click()
    page.wait_for_function("() => document.getElementById('position-message').dataset.state === 'found'")
    assert (lon.input_value(), page.locator("#id_lat").input_value()) == ("5.011100", "43.012300")
    assert page.locator("#carte-lieu .leaflet-marker-icon").count() == 1

    page.locator("#id_lon").fill("")
    page.locator("#id_lat").fill("")
    page.locator("button[type=submit]", has_text="Envoyer").click()
    page.wait_for_selector("#error-summary")
    summary = page.locator("#error-summary")
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    assert summary.bounding_box()["y"] < page.locator("#id_category").bounding_box()["y"]
    links = summary.locator("a").evaluate_all("(links) => links.map((link) => link.getAttribute('href'))")
    assert links == ["#id_lon", "#id_lat"]  # both missing coordinates, named in one go
    assert Alert.objects.count() == 0

    refused = open_page(client, **phone)
    refused.goto(f"{server.url}/alertes/nouvelle/")
    refused.locator("#use-position").click()
    refused.wait_for_function("() => document.getElementById('position-message').dataset.state === 'denied'")
    assert "refusé l’accès à votre position" in refused.locator("#position-message").inner_text()
    assert refused.locator("#id_lon").input_value() == ""
