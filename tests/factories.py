"""Factories shared by the whole suite. Geometry goes through the services, so the subdivided
copies used by routing exist exactly as in production."""

import factory
from django.contrib.gis.geos import MultiPolygon, Polygon

from accounts.models import Referent, Residence, Role, User
from accounts.referents import REFERENT_CHARTER_VERSION
from accounts.services import residence_neighbourhoods_refresh
from zones import services as zone_services
from zones.models import Zone


def square(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    """A lon/lat rectangle as a MultiPolygon in EPSG:4326."""
    return MultiPolygon(Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))), srid=4326)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("first_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        if create:
            obj.save()


def make_commune(*, code: str = "99001", name: str = "Testville", bounds=(5.0, 43.0, 5.02, 43.02), **kwargs):
    return zone_services.commune_upsert(code=code, name=name, boundary=square(*bounds), **kwargs)


def make_neighbourhood(*, commune, name: str, bounds, **kwargs) -> Zone:
    return zone_services.zone_create(
        commune=commune, kind=Zone.Kind.NEIGHBOURHOOD, name=name, boundary=square(*bounds), **kwargs
    )


def make_police_sector(*, service, commune, name: str, bounds) -> Zone:
    return zone_services.zone_create(
        commune=commune, kind=Zone.Kind.POLICE_SECTOR, name=name, boundary=square(*bounds), police_service=service
    )


def make_role(*, user: User, kind: str, commune=None, police_service=None, **kwargs) -> Role:
    return Role.objects.create(user=user, kind=kind, commune=commune, police_service=police_service, **kwargs)


def make_resident(*, commune, home, status: str = Residence.Status.VERIFIED, user: User | None = None) -> User:
    """A resident whose home is `home` (a Point), verified by default."""
    user = user or UserFactory()
    residence = Residence.objects.create(
        user=user, address="1 rue de l'Exemple", home=home, commune=commune, status=status
    )
    residence_neighbourhoods_refresh(residence_ids=[residence.id])
    return user


def make_alert(*, commune, location, author=None, category: str = "cambriolage", status: str = "pending", **kwargs):
    """An alert row as posting would leave it (no routing, no events): for tests of readers."""
    from django.utils import timezone

    from alerts.models import Alert, AlertCategory

    now = timezone.now()
    return Alert.objects.create(
        author=author,
        # Only the id is read, so the migration tests can write alerts at an older state of the category.
        category=AlertCategory.objects.only("id").get(code=category),
        commune=commune,
        location=location,
        occurred_at=kwargs.pop("occurred_at", now),
        description=kwargs.pop("description", "Porte fracturée constatée ce matin."),
        status=status,
        published_at=kwargs.pop("published_at", now if status == "published" else None),
        **kwargs,
    )


def tiny_jpeg(color: str = "grey", size: tuple[int, int] = (8, 8)) -> bytes:
    import io

    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, "JPEG")
    return output.getvalue()


def make_alert_photo(*, alert, author=None, data: bytes | None = None):
    """A photo as the worker leaves it: reviewable (clean copy) on a pending alert, blurred copy on a
    published one. Files go to PRIVATE_STORAGE_ROOT: point it at a temporary folder first."""
    import uuid

    from django.core.files.base import ContentFile

    from alerts.models import AlertPhoto

    data = data or tiny_jpeg()
    published = alert.status == "published"
    photo = AlertPhoto(
        alert=alert,
        author=author or alert.author or UserFactory(),
        status=AlertPhoto.Status.PUBLISHED if published else AlertPhoto.Status.READY,
        content_type="image/jpeg",
        size=len(data),
        width=8,
        height=8,
    )
    (photo.published if published else photo.original).save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
    photo.save()
    return photo


def make_referent(*, user: User, neighbourhoods, charter: bool = True, **kwargs):
    """A référent term in force for `user` over `neighbourhoods` (of the user's commune), charter
    accepted unless `charter=False`."""
    referent = Referent.objects.create(
        user=user,
        commune=neighbourhoods[0].commune,
        charter_version=REFERENT_CHARTER_VERSION if charter else None,
        **kwargs,
    )
    referent.neighbourhoods.set(neighbourhoods)
    return referent
