# One way to write dates in English across the pages, emails and scripts: day, month name, year,
# never 11/30 or 30/11, which readers on either side of the Atlantic would read differently
# (static/js/dates.js writes SHORT_DATETIME_FORMAT the same way in the browser).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
