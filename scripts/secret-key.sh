#!/usr/bin/env bash
# Writes a random SECRET_KEY into .env (or the file given) unless one is set already, there or in
# the environment: the demo never runs with the public development key of the source.
set -euo pipefail
file=${1:-"$(dirname "$0")/../.env"}
touch "$file"
if [ -n "${SECRET_KEY:-}" ] || grep -q '^SECRET_KEY=.' "$file"; then
  exit 0
fi
key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
echo "SECRET_KEY=$key" >> "$file"
chmod 600 "$file"
echo "==> a random SECRET_KEY was written into $file"
