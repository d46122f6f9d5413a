"""The page of the resident's own alert area: followed places (added, changed, removed) and the
"près de moi" switch. Plain forms that work without JavaScript once a point is chosen; the map and
the phone's position only fill the point's fields (delivery/static/delivery/following-map.js)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.selectors import verified_residence
from delivery import following
from delivery.models import FollowedPlace
from geo.points import InvalidCoordinates, parse_lon_lat

RADIUS_CHOICES = [(200, "200 m"), (500, "500 m"), (1000, "1 km")]


class _PointForm(forms.Form):
    radius_m = forms.TypedChoiceField(
        label=gettext_lazy("Rayon"), choices=RADIUS_CHOICES, coerce=int, initial=500, required=True
    )
    lon = forms.CharField(widget=forms.HiddenInput, required=False)
    lat = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("lon") or not cleaned.get("lat"):
            raise ValidationError(self.missing_point)
        try:
            cleaned["centre"] = parse_lon_lat(cleaned["lon"], cleaned["lat"])
        except InvalidCoordinates as error:
            raise ValidationError(error.message) from error
        return cleaned


class FollowedPlaceForm(_PointForm):
    label = forms.CharField(
        label=gettext_lazy("Nom du lieu"),
        max_length=80,
        help_text=gettext_lazy("Par exemple « rue de ma mère » ou « travail »."),
    )
    missing_point = gettext_lazy("Choisissez le lieu sur la carte ou par son adresse.")
    field_order = ["label", "radius_m", "lon", "lat"]


class NearMeForm(_PointForm):
    hours = forms.TypedChoiceField(label=gettext_lazy("Pendant"), coerce=int)
    missing_point = gettext_lazy("Votre position n'a pas pu être lue : autorisez la localisation et réessayez.")

    def __init__(self, *args, longest: int, **kwargs):
        # Its own ids: the page holds the place form too, with fields of the same names.
        super().__init__(*args, auto_id="near_me_%s", **kwargs)
        hours = self.fields["hours"]
        hours.choices = [(n, _("%(n)s h") % {"n": n}) for n in range(1, longest + 1)]
        hours.initial = min(settings.DELIVERY_NEAR_ME_DEFAULT_HOURS, longest)


def _page(request, *, place_form=None, near_me_form=None, editing=None, status=200):
    residence = verified_residence(request.user)
    places = list(following.followed_places_of(request.user).select_related("commune")) if residence else []
    context = {"residence": residence, "editing": editing}
    if residence:
        commune = residence.commune
        limit = following.followed_places_max(commune)
        saved = [place for place in places if place.kind == FollowedPlace.Kind.PLACE]
        context |= {
            "places": saved,
            "near_me": next((place for place in places if place.kind == FollowedPlace.Kind.NEAR_ME), None),
            "limit": limit,
            "can_add": len(saved) < limit or editing is not None,
            "place_form": place_form or _place_form_for(editing),
            "near_me_form": near_me_form or NearMeForm(longest=following.near_me_max_hours(commune)),
            "map_config": _map_config(commune, saved),
        }
    return render(request, "delivery/following.html", context, status=status)


def _place_form_for(place: FollowedPlace | None) -> FollowedPlaceForm:
    if place is None:
        return FollowedPlaceForm()
    initial = {"label": place.label, "radius_m": place.radius_m, "lon": place.centre.x, "lat": place.centre.y}
    return FollowedPlaceForm(initial=initial)


def _map_config(commune, places: list[FollowedPlace]) -> dict:
    west, south, east, north = commune.boundary.extent
    return {
        "tiles": settings.MAPS_TILE_URL,
        "attribution": settings.MAPS_TILE_ATTRIBUTION,
        "bounds": [[south, west], [north, east]],
        "places": [{"label": p.label, "lon": p.centre.x, "lat": p.centre.y, "radius": p.radius_m} for p in places],
    }


def _own_place(request, place_id: int) -> FollowedPlace:
    if verified_residence(request.user) is None:
        raise PermissionDenied
    place = following.followed_places_of(request.user).filter(id=place_id, kind=FollowedPlace.Kind.PLACE).first()
    if place is None:
        raise Http404
    return place


def _errors_into(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def followed_places_page(request):
    editing = None
    if request.GET.get("modifier", "").isdigit():
        editing = _own_place(request, int(request.GET["modifier"]))
    return _page(request, editing=editing)


def _place_save(request, *, editing: FollowedPlace | None):
    if verified_residence(request.user) is None:
        raise PermissionDenied
    form = FollowedPlaceForm(request.POST)
    if form.is_valid():
        data = {key: form.cleaned_data[key] for key in ("label", "centre", "radius_m")}
        try:
            if editing is None:
                following.followed_place_create(user=request.user, **data)
            else:
                following.followed_place_update(user=request.user, place_id=editing.id, **data)
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, _("Le lieu « %(label)s » est suivi.") % {"label": data["label"]})
            return redirect("followed-places")
    return _page(request, place_form=form, editing=editing, status=400)


@login_required
@require_POST
def followed_place_add(request):
    return _place_save(request, editing=None)


@login_required
@require_POST
def followed_place_change(request, place_id: int):
    return _place_save(request, editing=_own_place(request, place_id))


@login_required
@require_POST
def followed_place_remove(request, place_id: int):
    place = _own_place(request, place_id)
    following.followed_place_delete(user=request.user, place_id=place.id)
    messages.success(request, _("Vous ne suivez plus « %(label)s ».") % {"label": place.label})
    return redirect("followed-places")


@login_required
@require_POST
def near_me_switch(request):
    """Start "près de moi" from the position the phone gave, or stop it (`stop` in the form)."""
    residence = verified_residence(request.user)
    if residence is None:
        raise PermissionDenied
    if "stop" in request.POST:
        following.near_me_stop(user=request.user)
        messages.success(request, _("« Près de moi » est arrêté : votre position est effacée."))
        return redirect("followed-places")
    form = NearMeForm(request.POST, longest=following.near_me_max_hours(residence.commune))
    if form.is_valid():
        data = {key: form.cleaned_data[key] for key in ("centre", "radius_m", "hours")}
        try:
            following.near_me_start(user=request.user, **data)
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, _("« Près de moi » est activé."))
            return redirect("followed-places")
    return _page(request, near_me_form=form, status=400)
