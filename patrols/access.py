"""Which day a round is asked for, and in whose local time."""

from datetime import date
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import time_zone_of

# Rounds are planned and looked back on within this many days of today.
ROUND_DAYS_AROUND = 62


class DayForm(forms.Form):
    day = forms.DateField(required=False, label=_("Jour"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_day(self):
        day = self.cleaned_data.get("day") or self.today
        if abs((day - self.today).days) > ROUND_DAYS_AROUND:
            raise forms.ValidationError(_("Choisissez un jour à moins de deux mois d'aujourd'hui."))
        return day


def local_today(user: User) -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(time_zone_of(user)))


def round_day(user: User, data) -> tuple[date | None, DayForm]:
    """The day asked for (`day=YYYY-MM-DD`, today by default), or None with the form's errors."""
    form = DayForm(data, today=local_today(user))
    return (form.cleaned_data["day"] if form.is_valid() else None), form
