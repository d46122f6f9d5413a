#!/usr/bin/env bash
# Runs the web server (ASGI), a Celery worker and beat in the foreground; Ctrl-C stops them, and
# the database and Redis servers too if `make` started them.
set -uo pipefail
cd "$(dirname "$0")/.."
trap 'scripts/services.sh down' EXIT
# The demo runs without Django's debug page and with the secret key of this machine's .env.
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.demo}
host=${VIGIE_HOST:-127.0.0.1}
port=${VIGIE_PORT:-8000}
cat <<MSG

  Vigie tourne sur http://$host:$port/   (API : http://$host:$port/api/docs/, état : http://$host:$port/healthz)
$(.venv/bin/python manage.py demo_logins 2>/dev/null)

  Ctrl-C arrête tout.

MSG
.venv/bin/honcho start -f Procfile
