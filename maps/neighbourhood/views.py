"""The resident's neighbourhood map: their alerts at the centres of grid cells, the town hall's
messages, and the map of their neighbourhoods drawn from the vector tiles."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from maps.live import access
from maps.live.views import boundary_tiles, map_settings
from maps.neighbourhood import selectors


@login_required
def neighbourhood_map(request):
    residence = access.residence_or_403(request.user)
    area = selectors.resident_area(residence)
    if area.names:
        area_name = " / ".join(area.names)
        tiles = boundary_tiles("neighbourhoods", highlight=area.keys, bounds=area.extent)
    else:
        commune = residence.commune
        area_name = commune.name
        tiles = boundary_tiles("communes", highlight=[commune.code], bounds=commune.boundary.extent)
    alerts = selectors.resident_map_alerts(residence, has_neighbourhoods=bool(area.names))
    context = {
        "residence": residence,
        "area_name": area_name,
        "map_settings": {**map_settings(), **tiles},
        # The same alerts as the list under the map: a few points at their cells' centres.
        "map_alerts": [
            {
                "lon": alert["lon"],
                "lat": alert["lat"],
                "family": alert["family"],
                "label": f"{alert['category_label']} · {alert['occurred_on']}",
            }
            for alert in alerts
        ],
        "alerts": alerts,
        "own_alerts": [alert for alert in alerts if alert["is_own"]],
        "broadcasts": selectors.resident_map_broadcasts(residence),
        "days": settings.MAPS_RESIDENT_DAYS,
        "grid_m": settings.MAPS_RESIDENT_GRID_M,
    }
    return render(request, "maps/live/neighbourhood.html", context)
