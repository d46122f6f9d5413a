"""Every URL pattern of the project, turned into a concrete URL to request. Used by the access
tests so that an endpoint added by any part is walked without anyone listing it."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

# Sample values for path parameters, tried in order until one fits the converter.
SAMPLES = ["1", "x", "00000000-0000-0000-0000-000000000001", "2026", "01"]

# Anonymous visitors may open these (names as `namespace:name`); everything else must answer
# 401, 403 or a redirect to a login page. Add a public page here on purpose, never by default.
PUBLIC_URL_NAMES = {
    "home",
    "healthz",
    # the installable app: manifest, service worker, offline page and icon hold nothing personal
    "pwa-manifest",
    "pwa-service-worker",
    "pwa-offline",
    "favicon",
    "set_language",
    "schema",
    "api-docs",
    "api-redoc",
    # logging in and out, registration, password reset
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:login",
    "admin:logout",
    "accounts-register",
    "accounts-email-confirm",
    "accounts-invitation",  # the link a référent sent: its signed token is the only key
    "api-register",
    "api-email-confirm",
    "api-csrf-token",
    "api-login",
    # the charter is public text
    "accounts-charter",
    "api-charter",
    # the emergency reminder is shown before anyone logs in
    "api-emergency-notice",
    # geography is public (throttled)
    "api-commune-list",
    "api-commune-detail",
    "api-zone-list",
    "api-point-lookup",
    # open standards, public like the geography, throttled; alerts at grid cell centres (docs/standards.md)
    "tile",
    "tilejson",
    "open311-discovery",
    "open311-services",
    "open311-service-definition",
    "open311-requests",
    "open311-request",
    "open311-token",
    "ogc-landing",
    "ogc-conformance",
    "ogc-api",
    "ogc-collections",
    "ogc-collection",
    "ogc-items",
    "ogc-item",
    "cap-feed",
    # a commune's public account: aggregate counts only, with small-number protection
    "public-account",
    "public-account-csv",
    "public-account-json",
    # the accessibility statement (RGAA) must be public
    "accessibility-statement",
    # an SMS provider's webhook: refused without the provider's signature
    "sms-inbound",
}
LOGIN_PATHS = ("/comptes/login/", "/admin/login/")


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    url: str

    def __str__(self) -> str:
        return f"{self.name or '(sans nom)'} {self.url}"


def _sample(regex: str) -> str:
    words = regex.split("|")
    if all(re.fullmatch(r"[\w-]+", word) for word in words):
        return words[0]
    for value in SAMPLES:
        if re.fullmatch(regex, value):
            return value
    raise ValueError(f"no sample value fits {regex!r}")


def _regex_to_path(regex: str) -> str:
    regex = regex.lstrip("^").removesuffix("\\Z").removesuffix("$")
    out, i = [], 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            start = regex.index(">", i) + 1
            depth, j = 1, start
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            out.append(_sample(regex[start : j - 1]))
            i = j
        elif regex[i] == "\\":
            out.append(regex[i + 1])
            i += 2
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _route_to_path(pattern: RoutePattern) -> str:
    def replace(match):
        converter = pattern.converters[match.group(2)]
        return _sample(converter.regex)

    return re.sub(r"<(?:(\w+):)?(\w+)>", replace, str(pattern._route))


def _piece(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_to_path(pattern)
    if isinstance(pattern, RegexPattern):
        return _regex_to_path(pattern._regex)
    raise TypeError(type(pattern))


def endpoints() -> list[Endpoint]:
    found: list[Endpoint] = []

    def walk(patterns, prefix: str, route: str, namespace: str):
        for entry in patterns:
            path = prefix + _piece(entry.pattern)
            text = route + str(entry.pattern)
            if isinstance(entry, URLResolver):
                space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, path, text, space)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else ""
                found.append(Endpoint(name=name, route=text, url="/" + path))

    walk(get_resolver().url_patterns, "", "", "")
    return found


def resolves_to_itself(endpoint: Endpoint) -> bool:
    match = resolve(endpoint.url)
    return not endpoint.name or match.view_name == endpoint.name
