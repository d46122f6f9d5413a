#!/usr/bin/env bash
# Writes a VAPID key pair for Web Push into .env (or the file given) unless one is set already, there
# or in the environment. The private key signs every push (RFC 8292); browsers subscribe with the
# public key derived from it, so replacing it later strands every device's subscription.
set -euo pipefail
here="$(dirname "$0")"
file=${1:-"$here/../.env"}
python="$here/../.venv/bin/python"
touch "$file"
if [ -n "${VAPID_PRIVATE_KEY:-}" ] || grep -q '^VAPID_PRIVATE_KEY=.' "$file"; then
  exit 0
fi
key=$("$python" - <<'PY'
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02, b64urlencode

vapid = Vapid02()
vapid.generate_keys()
raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
print(b64urlencode(raw))
PY
)
echo "VAPID_PRIVATE_KEY=$key" >> "$file"
chmod 600 "$file"
echo "==> a VAPID key for Web Push was written into $file"
