#!/usr/bin/env bash
# The HTTP checks of exporter_http.sh (bad requests, slow clients,
# connection limit, TLS, basic auth), run against vflowd's own exporter.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "ok 1 - vflowd exporter HTTP checks # SKIP needs root (vflowd loads BPF programs)"
	exit 0
fi
EXPORTER_CMD="$VFLOWD -q" exec bash "$ROOT/tests/integration/exporter_http.sh"
