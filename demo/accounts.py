"""Demo data of the accounts part; see demo/loading.py.

People of Tarascon (13108) and Brax (31088): verified residents spread over the neighbourhoods
(some exactly on a border between two), one resident still waiting with no proof, a moderator
of both communes, an agent per municipal police service, the mayor of Tarascon and municipal
staff who verify homes. Every staff account gets a TOTP device with the fixed secret below, so
a demo user can add it to an authenticator app (FreeOTP, Aegis...)."""

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import ProofOfResidence, Referent, Residence, Role, User
from accounts.otp import totp_device_install
from accounts.referents import referent_charter_accept, referent_name
from accounts.selectors import charter_current
from accounts.services import charter_accept, residence_set
from demo.logins import DEMO_PASSWORD
from zones.models import Commune, PoliceService, Zone

# Base32 secret of every demo staff account's TOTP device. Demo data only, never in production.
DEMO_TOTP_SECRET = "VIGIEDEMOVIGIEDEMOVIGIEDEMOVIGIE"  # noqa: S105 - published demo secret
DEMO_COMMUNES = {"13108": "Tarascon", "31088": "Brax"}


def demo_commune(code: str) -> Commune:
    commune = Commune.objects.filter(code=code).first()
    if commune is None:
        raise RuntimeError(
            f"La commune {DEMO_COMMUNES[code]} ({code}) est absente : l'étape de démonstration des zones doit "
            "la créer avant les comptes."
        )
    if commune.adopted_on is None:
        raise RuntimeError(f"La commune {commune} n'a pas rejoint Vigie (adopted_on vide) : aucun habitant possible.")
    return commune


def demo_person(email: str, display_name: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, display_name=display_name, email_confirmed_at=timezone.now(), **extra
        )
    return user


def demo_staff(email: str, display_name: str, roles: list[dict]) -> User:
    user = demo_person(email, display_name)
    for role in roles:
        Role.objects.get_or_create(user=user, **role)
    totp_device_install(user=user, base32_secret=DEMO_TOTP_SECRET, name="Démo Vigie")
    return user


def home_points(commune: Commune) -> list[tuple[str, Point]]:
    """One point inside each neighbourhood, then one on each border two neighbourhoods share."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT z.name, ST_X(p), ST_Y(p) FROM (
                SELECT name, id, ST_PointOnSurface(boundary) AS p FROM zones_zone
                WHERE commune_id = %s AND kind = %s AND valid_until IS NULL
            ) z
            UNION ALL
            SELECT a.name || ' / ' || b.name, ST_X(p), ST_Y(p) FROM (
                SELECT a.id AS aid, b.id AS bid,
                       ST_ClosestPoint(ST_Intersection(a.boundary, b.boundary),
                                       ST_Centroid(ST_Intersection(a.boundary, b.boundary))) AS p
                FROM zones_zone a JOIN zones_zone b
                  ON a.id < b.id AND a.commune_id = b.commune_id AND a.kind = b.kind
                 AND ST_Intersects(a.boundary, b.boundary)
                WHERE a.commune_id = %s AND a.kind = %s AND a.valid_until IS NULL AND b.valid_until IS NULL
            ) pairs
            JOIN zones_zone a ON a.id = pairs.aid JOIN zones_zone b ON b.id = pairs.bid
            WHERE NOT ST_IsEmpty(p)
            """,
            [commune.id, Zone.Kind.NEIGHBOURHOOD, commune.id, Zone.Kind.NEIGHBOURHOOD],
        )
        rows = cursor.fetchall()
    points = [(label, Point(x, y, srid=4326)) for label, x, y in rows]
    if not points:  # a commune without neighbourhoods: homes around a point inside it
        points = [(commune.name, commune.boundary.point_on_surface)]
    return points


def demo_resident(email: str, label: str, commune: Commune, home: Point, *, verifier: User | None) -> User:
    user = demo_person(email, label)
    residence = residence_set(user=user, address=f"{label}, {commune.name}", home=home)
    charter_accept(user=user, charter=charter_current())
    if verifier is not None and residence.status != Residence.Status.VERIFIED:
        now = timezone.now()
        residence.status, residence.decided_at, residence.decided_by = Residence.Status.VERIFIED, now, verifier
        residence.save(update_fields=["status", "decided_at", "decided_by"])
        ProofOfResidence.objects.create(
            residence=residence,
            content_type="application/pdf",
            size=180_000,
            outcome=ProofOfResidence.Outcome.VERIFIED,
            decided_at=now,
            decided_by=verifier,
            file_deleted_at=now,
        )
    return user


def demo_staff_ensure() -> dict[str, User]:
    """Moderator, municipal police agents, mayor and municipal staff of Tarascon and Brax (with TOTP)."""
    tarascon, brax = demo_commune("13108"), demo_commune("31088")
    staff = {
        "moderation": demo_staff(
            "moderation@vigie.test",
            "Modération",
            [{"kind": Role.Kind.MODERATOR, "commune": tarascon}, {"kind": Role.Kind.MODERATOR, "commune": brax}],
        ),
        "maire.tarascon": demo_staff(
            "maire.tarascon@vigie.test", "Maire de Tarascon", [{"kind": Role.Kind.MAYOR, "commune": tarascon}]
        ),  # fmt: skip
    }
    for commune in (tarascon, brax):
        slug = slugify(commune.name)
        staff[f"mairie.{slug}"] = demo_staff(f"mairie.{slug}@vigie.test", f"Mairie de {commune.name}", [
            {"kind": Role.Kind.MUNICIPAL_STAFF, "commune": commune, "can_verify_residents": True}
        ])  # fmt: skip
    services = PoliceService.objects.filter(communes__in=[tarascon, brax], kind=PoliceService.Kind.MUNICIPAL)
    for service in services.distinct().prefetch_related("communes"):
        communes = list(service.communes.all())
        slug = slugify(communes[0].name if len(communes) == 1 else service.name)
        staff[f"police.{slug}"] = demo_staff(f"police.{slug}@vigie.test", service.name, [
            {"kind": Role.Kind.POLICE_AGENT, "police_service": service}
        ])  # fmt: skip
    admin = User.objects.filter(email="admin@vigie.test").first()
    if admin is not None:
        totp_device_install(user=admin, base32_secret=DEMO_TOTP_SECRET, name="Démo Vigie")
    return staff


def demo_residents_ensure() -> list[User]:
    """Verified residents of Tarascon and Brax spread over their neighbourhoods, and one pending."""
    residents, number = [], 0
    for code in DEMO_COMMUNES:
        commune = demo_commune(code)
        verifier = User.objects.get(email=f"mairie.{slugify(commune.name)}@vigie.test")
        for label, point in home_points(commune):
            number += 1
            residents.append(demo_resident(f"habitant{number}@vigie.test", label, commune, point, verifier=verifier))
    tarascon = demo_commune("13108")
    _label, point = home_points(tarascon)[0]
    residents.append(demo_resident("en.attente@vigie.test", "En attente", tarascon, point, verifier=None))
    return residents


def demo_people() -> None:
    """People: residents, moderator, police agents, mayor and municipal staff (TOTP secret in docs/accounts.md)."""
    demo_staff_ensure()
    demo_residents_ensure()


def demo_referent() -> None:
    """A référent in Tarascon: the first resident, named by the mayor for their neighbourhood; neighbours visible."""
    tarascon = demo_commune("13108")
    user = User.objects.get(email="habitant1@vigie.test")
    residence = Residence.objects.get(user=user)
    if residence.neighbourhood is None:
        return
    if not Referent.objects.active().filter(user=user).exists():
        mayor = User.objects.get(email="maire.tarascon@vigie.test")
        referent_name(named_by=mayor, commune=tarascon, user=user, neighbourhoods=[residence.neighbourhood])
        referent_charter_accept(user=user)
    # Half of the referent's neighbours agreed to be listed on their page.
    neighbours = Residence.objects.filter(
        neighbourhood=residence.neighbourhood, status=Residence.Status.VERIFIED
    ).exclude(user=user)
    Residence.objects.filter(id__in=[r.id for r in neighbours.order_by("id")[::2]]).update(visible_to_referents=True)


STEPS: list = [demo_people, demo_referent]
