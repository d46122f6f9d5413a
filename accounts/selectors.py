"""Who may see what: every queryset that shows territory-bound data is scoped with these."""

import re

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import Q, QuerySet
from django.utils import timezone
from psycopg import sql

from accounts.models import CharterAcceptance, CharterVersion, ProofOfResidence, Referent, Residence, Role, User
from geo.distance import within_metres
from zones.models import Commune, PoliceService
from zones.timezones import time_zone_of_commune_code


def communes_with_role(user: User, *kinds: str) -> QuerySet[Commune]:
    if not user.is_authenticated:
        return Commune.objects.none()
    return Commune.objects.filter(id__in=Role.objects.filter(user=user, kind__in=kinds).values("commune_id"))


def moderated_communes(user: User) -> QuerySet[Commune]:
    return communes_with_role(user, Role.Kind.MODERATOR)


def staffed_communes(user: User) -> QuerySet[Commune]:
    """Communes whose municipal staff or mayor the user is."""
    return communes_with_role(user, Role.Kind.MUNICIPAL_STAFF, Role.Kind.MAYOR)


def police_services_of(user: User) -> QuerySet[PoliceService]:
    if not user.is_authenticated:
        return PoliceService.objects.none()
    return PoliceService.objects.filter(
        id__in=Role.objects.filter(user=user, kind=Role.Kind.POLICE_AGENT).values("police_service_id")
    )


def police_service_ids_by_user(user_ids) -> dict[int, list[int]]:
    """`police_services_of` for many people at once, in one query: the ids of the police services
    each is an agent of, in id order (a person with none is absent)."""
    services: dict[int, list[int]] = {}
    rows = (
        Role.objects.filter(user_id__in=list(user_ids), kind=Role.Kind.POLICE_AGENT)
        .exclude(police_service_id=None)
        .order_by("police_service_id")
        .values_list("user_id", "police_service_id")
        .distinct()
    )
    for user_id, service_id in rows:
        services.setdefault(user_id, []).append(service_id)
    return services


def verified_residences(user: User) -> QuerySet[Residence]:
    """The user's home if it is verified (at most one row)."""
    if not user.is_authenticated:
        return Residence.objects.none()
    return Residence.objects.filter(user=user, status=Residence.Status.VERIFIED)


def verified_residence(user: User) -> Residence | None:
    return verified_residences(user).select_related("commune").first()


def charter_current() -> CharterVersion | None:
    return CharterVersion.objects.filter(published_at__lte=timezone.now()).order_by("-version").first()


def charter_accepted(user: User) -> bool:
    """Whether the user accepted the version of the charter in force now."""
    current = charter_current()
    if current is None or not user.is_authenticated:
        return False
    return CharterAcceptance.objects.filter(user=user, charter=current).exists()


def can_post_alerts(user: User) -> bool:
    """Verified residents who accepted the current charter may post and comment."""
    return verified_residence(user) is not None and charter_accepted(user)


def is_platform_admin(user: User) -> bool:
    return user.is_authenticated and (user.is_staff or user.is_superuser)


def needs_two_factor(user: User) -> bool:
    """Staff people (admins, moderators, police agents, municipal staff, mayors) see more than
    residents: their accounts need a second factor."""
    if not user.is_authenticated:
        return False
    return is_platform_admin(user) or Role.objects.filter(user=user).exists()


def verifier_communes(user: User) -> QuerySet[Commune]:
    """Communes whose proofs of residence the user may open and decide on: moderators of the
    commune, and municipal staff or mayors whose role carries `can_verify_residents`."""
    if not user.is_authenticated:
        return Commune.objects.none()
    roles = Role.objects.filter(user=user).filter(
        Q(kind=Role.Kind.MODERATOR)
        | Q(kind__in=[Role.Kind.MUNICIPAL_STAFF, Role.Kind.MAYOR], can_verify_residents=True)
    )
    return Commune.objects.filter(id__in=roles.values("commune_id"))


def police_communes(user: User) -> QuerySet[Commune]:
    """Communes covered by the police services the user is an agent of."""
    return Commune.objects.filter(police_services__in=police_services_of(user)).distinct()


def communes_visible_to(user: User) -> QuerySet[Commune]:
    """Every commune whose territory-bound data the user may see in some role: admins see all,
    staff see the communes of their roles, a resident sees the commune of their verified home."""
    if not user.is_authenticated:
        return Commune.objects.none()
    if is_platform_admin(user):
        return Commune.objects.all()
    role_communes = Role.objects.filter(user=user, commune__isnull=False).values("commune_id")
    police = police_communes(user).values("id")
    home = Residence.objects.filter(user=user, status=Residence.Status.VERIFIED).values("commune_id")
    return Commune.objects.filter(Q(id__in=role_communes) | Q(id__in=police) | Q(id__in=home))


def time_zone_of(user: User) -> str:
    """The local time of the person's territory: the commune of their home, else of their first
    role, else of their police service; Paris time for everyone else."""
    if not user.is_authenticated:
        return settings.TIME_ZONE
    code = (
        Residence.objects.filter(user=user).values_list("commune__code", flat=True).first()
        or Role.objects.filter(user=user, commune__isnull=False)
        .order_by("id")
        .values_list("commune__code", flat=True)
        .first()
        or police_communes(user).order_by("code").values_list("code", flat=True).first()
    )
    return time_zone_of_commune_code(code) if code else settings.TIME_ZONE


def residences_to_verify(user: User) -> QuerySet[Residence]:
    """Homes waiting for a decision that the user may check, in their verifier communes (admins: all
    communes), never their own. A decided home is out of reach: verifiers need no more to do their
    job, and a decision is only made again when the resident sends a new proof (back to pending)."""
    residences = (
        Residence.objects.filter(status=Residence.Status.PENDING)
        .exclude(user_id=user.pk)
        .select_related("user", "commune", "neighbourhood")
    )
    if is_platform_admin(user):
        return residences
    return residences.filter(commune__in=verifier_communes(user))


def proof_pending(residence: Residence) -> ProofOfResidence | None:
    """The latest proof still held in storage and waiting for a decision."""
    return residence.proofs.filter(outcome="", file_deleted_at__isnull=True).order_by("-uploaded_at").first()


# Recipient selections, as SQL for delivery's fan-out (one INSERT ... SELECT whatever the number of
# people): each yields the `user_id` column of the people it selects. The accounts tables' SELECTs
# are written here, where the tables are; values, choice values included, are named parameters.


def verified_residents_sql(
    *,
    commune_id: int | None = None,
    neighbourhood_ids: list[int] | None = None,
    area: GEOSGeometry | None = None,
    near: tuple[Point, float] | None = None,
    excluding_user_id: int | None = None,
) -> tuple[sql.Composed, dict]:
    """Verified residents of a commune, of neighbourhoods, whose home is in an area or within
    metres of a point (`near=(point, metres)`), every given condition applying."""
    conditions = [sql.SQL("res.status = %(res_verified)s")]
    params: dict = {"res_verified": Residence.Status.VERIFIED}
    if commune_id is not None:
        conditions.append(sql.SQL("res.commune_id = %(res_commune_id)s"))
        params["res_commune_id"] = commune_id
    if neighbourhood_ids is not None:
        params["res_neighbourhood_ids"] = list(neighbourhood_ids)
    if area is not None:
        conditions.append(
            sql.SQL("res.home && %(res_area)s::geometry AND ST_Covers(%(res_area)s::geometry, res.home)")
        )
        params["res_area"] = area.hexewkb.decode()  # exact coordinates, with the SRID
    if near is not None:
        point, metres = near
        condition, near_params = within_metres(sql.SQL("res.home"), point.x, point.y, metres, name="res_near")
        conditions.append(condition)
        params |= near_params
    if excluding_user_id is not None:
        conditions.append(sql.SQL("res.user_id <> %(res_excluded)s"))
        params["res_excluded"] = excluding_user_id
    where = sql.SQL(" AND ").join(conditions)
    if neighbourhood_ids is None:
        return sql.SQL("SELECT res.user_id FROM accounts_residence res WHERE {}").format(where), params
    # Every neighbourhood covering the home, so a home on a shared border hears from both sides.
    # Read from the neighbourhoods' memberships, each home then by its key in the table's order
    # (`OFFSET 0` keeps it a lookup): as a semi-join, the planner read every home of the country to
    # find a few thousand (bench/RESULTS.md, "Broadcast at national scale").
    query = sql.SQL(
        "SELECT res.user_id FROM ("
        "SELECT DISTINCT rn.residence_id FROM accounts_residenceneighbourhood rn "
        "WHERE rn.zone_id = ANY(%(res_neighbourhood_ids)s::bigint[]) ORDER BY rn.residence_id) AS member "
        "CROSS JOIN LATERAL (SELECT res.user_id FROM accounts_residence res "
        "WHERE res.id = member.residence_id AND {} OFFSET 0) AS res"
    ).format(where)
    return query, params


def police_agents_sql(*, police_service_ids: list[int]) -> tuple[sql.Composed, dict]:
    """Police agents of these services."""
    query = sql.SQL(
        "SELECT role.user_id FROM accounts_role role "
        "WHERE role.kind = %(role_police_agent)s AND role.police_service_id = ANY(%(role_service_ids)s::bigint[])"
    )
    return query, {"role_police_agent": Role.Kind.POLICE_AGENT, "role_service_ids": list(police_service_ids)}


# --- référents --------------------------------------------------------------------------------


def referent_naming_communes(user: User) -> QuerySet[Commune]:
    """Communes whose référents the user may name and end: the mayor's, and municipal staff's whose
    role carries `can_name_referents`."""
    if not user.is_authenticated:
        return Commune.objects.none()
    roles = Role.objects.filter(user=user).filter(
        Q(kind=Role.Kind.MAYOR) | Q(kind=Role.Kind.MUNICIPAL_STAFF, can_name_referents=True)
    )
    return Commune.objects.filter(id__in=roles.values("commune_id"))


def referent_terms_of(user: User) -> QuerySet[Referent]:
    """The user's référent terms in force today, for the commune of their verified home only: a
    référent who moved away or lost their verification is no longer one."""
    if not user.is_authenticated:
        return Referent.objects.none()
    home = Residence.objects.filter(user=user, status=Residence.Status.VERIFIED).values("commune_id")
    return Referent.objects.active().filter(user=user, commune_id__in=home).select_related("commune")


def referent_neighbourhood_ids(terms) -> list[int]:
    zones = Referent.neighbourhoods.through.objects.filter(referent__in=terms).values_list("zone_id", flat=True)
    return sorted(set(zones))


# A house number and its suffix at the start of an address ("12 bis", "3B", "7-9"), and what follows a
# comma (postcode, commune): a référent reads the street, never where on it someone lives.
_HOUSE_NUMBER = re.compile(r"^\s*\d+(?:\s*[-/]\s*\d+)?\s*(?:bis|ter|quater|[a-z])?\b[\s,]*", re.IGNORECASE)


def street_of(address: str) -> str:
    return _HOUSE_NUMBER.sub("", address.split(",")[0]).strip()


def referent_neighbours(terms) -> list[dict]:
    """The verified residents of the terms' neighbourhoods who agreed to be visible to their
    référents: a first name (the name they chose to show) and a street, nothing else is read."""
    rows = (
        Residence.objects.filter(
            status=Residence.Status.VERIFIED,
            visible_to_referents=True,
            commune_id__in=terms.values("commune_id"),
            memberships__zone_id__in=referent_neighbourhood_ids(terms),
        )
        .exclude(user_id__in=terms.values("user_id"))
        .distinct()
        .values_list("user__display_name", "address", "neighbourhood__name")
    )
    neighbours = [
        {"first_name": name.split(" ")[0] if name else "", "street": street_of(address), "neighbourhood": zone or ""}
        for name, address, zone in rows
    ]
    return sorted(neighbours, key=lambda row: (row["street"].lower(), row["first_name"].lower()))
