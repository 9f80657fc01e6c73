#!/usr/bin/env bash
# The remote-store tests against Virtuoso Open Source: `passerelle build --store URL` into a
# throw-away Virtuoso on loopback ports, then every canned query compared with the embedded
# store and the server's routes over it (tests/test_remote_backend.py; its tests that need
# a fresh store of their own skip).
#
# Installs the Debian package virtuoso-opensource when virtuoso-t is missing (apt-get update and
# install, as root or through sudo), starts Virtuoso in a temporary directory with a random dba
# password, and stops it and removes the directory on exit, whatever happened.
# Usage: scripts/virtuoso-check.sh [extra pytest arguments]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}

if ! command -v virtuoso-t >/dev/null || ! command -v isql-vt >/dev/null; then
    echo "virtuoso-t not found: installing virtuoso-opensource" >&2
    SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
    # A fresh machine has no package lists yet (the Makefile's wrk and chromium do the same).
    $SUDO apt-get update -qq >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        virtuoso-opensource >&2
fi

WORK=$(mktemp -d)
read -r HTTP_PORT SQL_PORT < <("$VENV/bin/python" - <<'EOF'
import socket
probes = [socket.socket() for _ in range(2)]
for probe in probes:
    probe.bind(("127.0.0.1", 0))
print(*(probe.getsockname()[1] for probe in probes))
EOF
)
PASSWORD=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))')

# Loopback only; ResultSetMaxRows above the default 10000, which would cut dumps short.
cat > "$WORK/virtuoso.ini" <<EOF
[Database]
DatabaseFile = $WORK/virtuoso.db
ErrorLogFile = $WORK/virtuoso.log
LockFile = $WORK/virtuoso.lck
TransactionFile = $WORK/virtuoso.trx
xa_persistent_file = $WORK/virtuoso.pxa
[TempDatabase]
DatabaseFile = $WORK/virtuoso-temp.db
TransactionFile = $WORK/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:$SQL_PORT
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:$HTTP_PORT
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
EOF

(cd "$WORK" && exec virtuoso-t +foreground +configfile "$WORK/virtuoso.ini" \
    > "$WORK/console.log" 2>&1) &
VIRTUOSO=$!
stop() {
    kill "$VIRTUOSO" 2>/dev/null && wait "$VIRTUOSO" 2>/dev/null
    rm -rf "$WORK"
}
trap stop EXIT

BASE="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 60); do
    if curl -fs -o /dev/null "$BASE/sparql?query=ASK%7B%7D"; then break; fi
    if ! kill -0 "$VIRTUOSO" 2>/dev/null; then cat "$WORK/console.log" >&2; exit 1; fi
    sleep 1
done
# A new database's dba password is "dba": replace it before anything else listens for it.
isql-vt "127.0.0.1:$SQL_PORT" dba dba exec="USER_SET_PASSWORD('dba', '$PASSWORD');" >/dev/null

# Queries go to /sparql (anonymous, read-only); updates and Graph Store writes to the
# digest-authenticated endpoints, as the dba user.
export PASSERELLE_TEST_STORE="$BASE/sparql"
export PASSERELLE_STORE_UPDATE_URL="$BASE/sparql-auth"
export PASSERELLE_STORE_GSP_URL="$BASE/sparql-graph-crud-auth"
export PASSERELLE_STORE_USER=dba PASSERELLE_STORE_PASSWORD="$PASSWORD"
export PASSERELLE_STORE_AUTH=digest
export PASSERELLE_TEST_STORE_LATERAL=no  # Virtuoso 7.2 does not parse SPARQL 1.2's LATERAL
echo "Virtuoso $(virtuoso-t -? 2>&1 | sed -n 2p) at $BASE" >&2
cd "$ROOT"
"$VENV/bin/pytest" tests/test_remote_backend.py -q --durations=5 "$@"
