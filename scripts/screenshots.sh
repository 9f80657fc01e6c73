#!/bin/sh
# The README's screenshots: the landing page and Télécom Paris's dashboard, taken by headless
# Chromium from a server on the built store (make build first). Writes docs/screenshots/.
set -eu
STORE=${STORE:-var/store}
PORT=${PORT:-8737}
OUT=docs/screenshots
mkdir -p "$OUT"
.venv/bin/passerelle serve --store "$STORE" --port "$PORT" --workers 1 >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  sleep 0.5
done
shoot() {  # name, height, path
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="1280,$2" \
    --virtual-time-budget=8000 --screenshot="$OUT/$1.png" "http://127.0.0.1:$PORT$3" 2>/dev/null
}
shoot landing 1500 /
shoot school-dashboard 2300 /id/institution/telecom-paris
