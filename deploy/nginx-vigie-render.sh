#!/bin/sh
# Writes the proxy's server block to stdout: deploy/nginx-vigie.conf.template with the variables of
# the environment and their defaults (nginx-vigie-defaults.envsh), as the nginx image does in
# docker-compose.yml. Bare metal (docs/deployment.md):
#   VIGIE_UPSTREAM_SERVERS='server 10.0.0.2:8000; server 10.0.0.3:8000;' \
#   VIGIE_LIVE_UPSTREAM_SERVERS='server 10.0.0.4:8000; server 10.0.0.5:8000;' \
#   VIGIE_STAFF_UPSTREAM_SERVERS='server 10.0.0.6:8000; server 10.0.0.7:8000;' \
#   VIGIE_PROXY_PORT=8080 deploy/nginx-vigie-render.sh > /etc/nginx/conf.d/vigie.conf
set -eu
here=$(dirname "$0")
: "${VIGIE_UPSTREAM_SERVERS:?one server host:port; line per web process}"
: "${VIGIE_PROXY_PORT:?the port (or address:port) nginx listens on}"
. "$here/nginx-vigie-defaults.envsh"
export VIGIE_UPSTREAM_SERVERS VIGIE_PROXY_PORT
# Only these variables: nginx's own ($host, $scheme...) stay as they are.
envsubst '${VIGIE_UPSTREAM_SERVERS} ${VIGIE_LIVE_UPSTREAM_SERVERS} ${VIGIE_STAFF_UPSTREAM_SERVERS} ${VIGIE_PROXY_PORT}' < "$here/nginx-vigie.conf.template"
