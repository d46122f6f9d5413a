"""The structured parts of an alert (behaviour, vehicle, direction) as one line in the active
language, for the maps and feeds that show an alert in a few words."""

from django.utils.translation import gettext as _

from alerts.models import Alert


def structured_summary(alert: Alert) -> str:
    parts = []
    if alert.behaviour:
        parts.append(_("Ce que les personnes faisaient : {text}").format(text=alert.behaviour))
    if alert.vehicle_type or alert.vehicle_colour:
        vehicle = ", ".join(
            label for label in (alert.get_vehicle_type_display(), alert.get_vehicle_colour_display()) if label
        )
        parts.append(_("Véhicule : {vehicle}").format(vehicle=vehicle))
    if alert.direction:
        parts.append(alert.get_direction_display())
    return " · ".join(parts)
