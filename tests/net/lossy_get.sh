#!/bin/bash
# net/lossy_get: biscotti's get downloads 10 MiB from Linux's http.server over
# the lossy link (lib.sh: delay, loss, reordering, duplication); the
# sha256 must match.
set -eu
. "$(dirname "$0")/lib.sh"
net_init lossy_get "$1"
MB=${LOSSY_MB:-10}

mkdir "$W/srv"
head -c $((MB << 20)) /dev/urandom >"$W/srv/big.bin"
bg "$PY" -m http.server 8000 --bind 0.0.0.0 --directory "$W/srv" \
    >"$W/http.log" 2>&1
sleep 1
t0=$(date +%s)
lossy_run -- get http://$PEER:8000/big.bin -o "$W/got.bin" \
    --cwnd-trace "$W/cwnd.txt" || fail "get exited $?"
grep -E '^get:|netem' "$W/biscotti.log"
[ "$(sha "$W/got.bin")" = "$(sha "$W/srv/big.bin")" ] ||
    fail "sha256 differs ($(stat -c %s "$W/got.bin") bytes)"
echo "net/lossy_get: ok ($(($(date +%s) - t0)) s)"
