#!/usr/bin/env bash
# The HTTP checks of exporter_http.sh (bad requests, slow clients,
# connection limit, TLS, basic auth), run against vflowd's own exporter.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	plan 1
	skip "vflowd exporter HTTP checks" "needs root (vflowd loads BPF programs)"
	exit 0
fi
# exporter_http.sh prints the plan; exec runs no EXIT trap, so clean up first
cleanup
trap - EXIT
EXPORTER_CMD="$VFLOWD -q" exec bash "$ROOT/tests/integration/exporter_http.sh"
