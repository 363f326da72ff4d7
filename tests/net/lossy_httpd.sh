#!/bin/bash
# net/lossy_httpd: curl downloads a file from biscotti's httpd over a
# link with 20 ms +- 5 ms delay, 5% loss, 10% reordering and 2%
# duplication; the sha256 must match, and httpd's --cwnd-trace of
# TCP_INFO must show the congestion window rise above its first value
# and fall at least once after a retransmission.
set -eu
. "$(dirname "$0")/lib.sh"
net_init lossy_httpd "$1"
MB=${LOSSY_MB:-10}

mkdir "$W/www"
head -c $((MB << 20)) /dev/urandom >"$W/www/big.bin"
lossy_start -- httpd "$W/www" --port 80 --cwnd-trace "$W/cwnd.txt"
t0=$(date +%s)
ns curl -sS --fail --max-time 330 --retry 0 -o "$W/got.bin" \
    http://$ADDR/big.bin || fail "curl over the lossy link"
echo "$MB MiB in $(($(date +%s) - t0)) s"
[ "$(sha "$W/got.bin")" = "$(sha "$W/www/big.bin")" ] ||
    fail "sha256 differs ($(stat -c %s "$W/got.bin") bytes)"
bisc_stop
grep 'netem' "$W/biscotti.log" || true
"$PY" "$(dirname "$0")/cwnd_check.py" "$W/cwnd.txt" || fail "cwnd trace"
echo "net/lossy_httpd: ok"
