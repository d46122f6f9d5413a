"""Date and time inputs that answer 400 with a message for any date, however far: Python's
datetime stops at years 1 and 9999, so converting `0001-01-01T00:00:00` from local time to UTC (or
adding a day to 9999-12-31) raises OverflowError, a 500 before these fields. No date Vigie handles
lies outside 1900-2100, so a year outside is refused before any arithmetic. (The date-only inputs
of the maps and statistics check their own, narrower, range.)"""

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

FIRST_YEAR, LAST_YEAR = 1900, 2100
OUT_OF_RANGE = _("Date hors de la plage acceptée : années 1900 à 2100.")


def _in_range(value) -> bool:
    return value is None or FIRST_YEAR <= value.year <= LAST_YEAR


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE, "overflow": OUT_OF_RANGE}

    def to_internal_value(self, value):
        try:
            parsed = super().to_internal_value(value)
        except OverflowError:
            self.fail("out_of_range")
        if not _in_range(parsed):
            self.fail("out_of_range")
        return parsed


class FormDateTimeField(forms.DateTimeField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None
        if not _in_range(parsed):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return parsed
