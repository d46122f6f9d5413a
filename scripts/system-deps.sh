#!/usr/bin/env bash
# Installs, from Debian's packages, what Vigie needs on the machine and is missing.
#   scripts/system-deps.sh            what the service needs to run
#   scripts/system-deps.sh --browser  and what the tests and benchmarks start besides: Chromium, PgBouncer, nginx
set -euo pipefail
cd "$(dirname "$0")/.."

# libpango-1.0-0 and libpangoft2-1.0-0: WeasyPrint lays out the council report PDF with Pango.
wanted=(gdal-bin libgdal32 libgeos-c1v5 libproj25 libmagic1 gettext redis-server redis-tools libpango-1.0-0 libpangoft2-1.0-0)
# libimage-exiftool-perl: the photo tests read the re-encoded photos back with exiftool, which knows
# every metadata block (Pillow only knows some).
wanted+=(libimage-exiftool-perl)
# With DATABASE_URL set, the database server is someone else's; otherwise run PostgreSQL 15 here.
if [ -z "${DATABASE_URL:-}" ]; then
  wanted+=(postgresql-15 postgresql-15-postgis-3 postgresql-client-15)
fi
command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)
[ "${1:-}" = "--browser" ] && wanted+=(chromium fonts-dejavu-core pgbouncer nginx)

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "==> system packages: all present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ERROR: missing system packages (${missing[*]}) and no apt-get here." >&2
  echo "       Install their equivalents for your system (PostgreSQL 15 + PostGIS 3, GDAL, Redis, gettext)," >&2
  echo "       or set DATABASE_URL and REDIS_URL to servers you already run." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ERROR: missing system packages: ${missing[*]}" >&2
  echo "       Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "==> installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "==> system packages installed"
