"""The local time of a commune, from its INSEE code.

Overseas departments and collectivities do not keep Paris time: quiet hours, monthly counts and the
times shown to people must be those of the place. French Polynesia spans three time zones; its
communes get Tahiti's, where nearly all of its population lives."""

from django.conf import settings

# INSEE code prefixes of the overseas departments and collectivities, with their IANA time zone.
OVERSEAS_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}


def time_zone_of_commune_code(code: str) -> str:
    return OVERSEAS_TIME_ZONES.get(code[:3], settings.TIME_ZONE)
