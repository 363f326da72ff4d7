#!/bin/bash
# net/get: biscotti's get client downloads a 10 MiB file from Linux's
# python3 -m http.server in the namespace; sha256 must match.
set -eu
. "$(dirname "$0")/lib.sh"
net_init get "$1"

mkdir "$W/srv"
head -c $((10 << 20)) /dev/urandom >"$W/srv/big.bin"
bg "$PY" -m http.server 8000 --bind 0.0.0.0 --directory "$W/srv" \
    >"$W/http.log" 2>&1
sleep 1
bisc_run -- get http://$PEER:8000/big.bin -o "$W/got.bin" ||
    fail "get exited $?"
grep '^get:' "$W/biscotti.log"
[ "$(sha "$W/got.bin")" = "$(sha "$W/srv/big.bin")" ] ||
    fail "sha256 differs ($(stat -c %s "$W/got.bin") bytes)"
# A missing file is an error.
if bisc_run -- get http://$PEER:8000/nothing -o "$W/none"; then
	fail "get of a missing file exited 0"
fi
grep -q 'status 404' "$W/biscotti.log" || fail "no 404 reported"
echo "net/get: ok"
