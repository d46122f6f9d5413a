"""`make demo`: production behaviour on plain HTTP at 127.0.0.1. No debug page (it shows settings
and every URL pattern to whoever mistypes a URL), the site's own error pages, and a secret key of
the machine's own (written into .env by scripts/secret-key.sh at set-up), never the public
development key: with it, anyone who reads the source could forge confirmation links and sessions."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # no default: refuse to start without one
# Static files are served by WhiteNoise from STATIC_ROOT (collectstatic at set-up), and found in
# the source folders as well, so a file changed since still shows.
WHITENOISE_USE_FINDERS = True
