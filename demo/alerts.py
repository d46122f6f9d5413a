"""Demo data of the alerts part; see demo/loading.py."""

from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Residence
from alerts.models import Alert, AlertCategory
from zones.selectors import commune_ids_covering

# (minutes since posting, minutes since it happened, category, east offset m, north offset m, text).
# Each is posted by a different resident, near that resident's home, except the second sighting of
# the door-to-door seller: it is placed from the first one's home, so the queue suggests the pair
# as possible duplicates.
_SAME_PLACE_AS = {2: 1}
_PENDING = [
    (190, 240, "cambriolage", 0, 0, "Porte de garage forcée cette nuit, outils emportés. Rien vu ni entendu."),
    (
        150,
        200,
        "demarchage-suspect",
        40,
        20,
        "Un démarcheur se présentant comme agent des eaux demande à entrer. Il a laissé le 06 12 34 56 78.",
    ),
    (
        120,
        190,
        "comportement-suspect",
        70,
        40,
        "Même démarcheur vu deux rues plus loin, il insiste pour visiter les compteurs.",
    ),
    (45, 60, "degradation", -120, 60, "Abribus de la place vandalisé, vitres cassées au sol : attention aux enfants."),
    (10, 30, "vehicule-suspect", 30, -80, "Camionnette blanche AB-123-CD qui tourne lentement dans le lotissement."),
]
_COMMUNES = ["13108", "31088"]  # Tarascon, Brax


def _near(home: Point, east_m: float, north_m: float) -> Point:
    """A point a few tens of metres from home, kept inside the home's commune."""
    point = Point(home.x + east_m / 81_000, home.y + north_m / 111_000, srid=4326)
    return point if commune_ids_covering(point) == commune_ids_covering(home) else home


def demo_moderation_queue_fill() -> None:
    """Pending alerts for the moderation queues of Tarascon and Brax (a phone number, a near-duplicate)."""
    now = timezone.now()
    categories = {category.code: category for category in AlertCategory.objects.all()}
    for code in _COMMUNES:
        residences = list(
            Residence.objects.filter(commune__code=code, status=Residence.Status.VERIFIED)
            .select_related("user", "commune")
            .order_by("id")
        )
        if not residences:
            raise RuntimeError(
                f"Démo des alertes : aucun habitant vérifié dans la commune {code} ; "
                "l'étape de démo des comptes doit s'exécuter avant."
            )
        for index, (posted_ago, happened_ago, category, east, north, text) in enumerate(_PENDING):
            residence = residences[index % len(residences)]
            if Alert.objects.filter(author=residence.user, commune=residence.commune, description=text).exists():
                continue
            alert = Alert(
                author=residence.user,
                category=categories[category],
                commune=residence.commune,
                location=_near(residences[_SAME_PLACE_AS.get(index, index) % len(residences)].home, east, north),
                occurred_at=now - timedelta(minutes=happened_ago),
                created_at=now - timedelta(minutes=posted_ago),
                description=text,
            )
            alert.full_clean()
            alert.save()


STEPS: list = [demo_moderation_queue_fill]
