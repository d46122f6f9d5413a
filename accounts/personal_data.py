"""Everything the platform holds about a person, as JSON-ready data (the right of access).

Rows are found through every relation that points at the user model, so data added later by
other parts (alerts, deliveries, subscriptions...) is exported without this module knowing them.
Secrets (password hashes, second-factor keys, tokens) are never exported."""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from accounts.models import AccessLog, ProofOfResidence, User

SECRET_FIELDS = {"password", "key", "token", "secret", "session_key", "session_data", "throttling_failure_timestamp"}
USER_FIELDS = ["id", "email", "display_name", "date_joined", "email_confirmed_at", "last_login", "is_active"]


def _value(value):
    if isinstance(value, GEOSGeometry):
        return {"type": value.geom_type, "coordinates": value.coords, "srid": value.srid}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return bool(value.name)  # whether a file is still held, never where
    return value


def _row(instance: models.Model) -> dict:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        if field.is_relation:
            related = getattr(instance, field.name)
            data[field.name] = None if related is None else {"id": related.pk, "label": str(related)}
        else:
            data[field.name] = _value(getattr(instance, field.attname))
    return data


def personal_data_export(user: User) -> dict:
    export = {
        "exported_at": timezone.now().isoformat(),
        "account": {name: _value(getattr(user, name)) for name in USER_FIELDS},
    }
    for relation in User._meta.related_objects:
        if relation.many_to_many or not relation.field.concrete:
            continue
        model = relation.related_model
        rows = model._base_manager.filter(**{relation.field.name: user}).order_by("pk")
        label = f"{model._meta.app_label}.{model._meta.model_name}.{relation.field.name}"
        export[label] = [_row(row) for row in rows]
    # Reached through the home, or hidden relations: listed explicitly.
    proofs = ProofOfResidence.objects.filter(residence__user=user).order_by("pk")
    export["accounts.proofofresidence"] = [_row(proof) for proof in proofs]
    accesses = AccessLog.objects.filter(subject=user).order_by("pk")
    export["accounts.accesslog.subject"] = [
        {"kind": log.kind, "object_id": log.object_id, "accessed_at": log.accessed_at.isoformat()} for log in accesses
    ]
    return export
