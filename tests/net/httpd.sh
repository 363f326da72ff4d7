#!/bin/bash
# net/httpd: Linux's curl downloads a 10 MiB file from biscotti's httpd
# (sha256 must match), then HEAD, a 404, a ".." path and two requests on
# one kept-alive connection.
set -eu
. "$(dirname "$0")/lib.sh"
net_init httpd "$1"

mkdir "$W/www"
head -c $((10 << 20)) /dev/urandom >"$W/www/big.bin"
echo hello >"$W/www/index.html"
bisc_start -- httpd "$W/www" --port 80

t0=$(date +%s.%N)
ns curl -sS --fail --max-time 120 -o "$W/got.bin" http://$ADDR/big.bin ||
    fail "curl of big.bin failed"
t1=$(date +%s.%N)
[ "$(sha "$W/got.bin")" = "$(sha "$W/www/big.bin")" ] ||
    fail "big.bin: sha256 differs ($(stat -c %s "$W/got.bin") bytes)"
echo "10 MiB in $(awk -v a=$t0 -v b=$t1 "BEGIN { printf \"%.2f\", b - a }") s, sha256 matches"

hdr=$(ns curl -sS -I --max-time 10 http://$ADDR/big.bin) || fail "HEAD"
echo "$hdr" | grep -qi "^content-length: $((10 << 20))" ||
    fail "HEAD: no Content-Length: $hdr"
code=$(ns curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    http://$ADDR/missing) || true
[ "$code" = 404 ] || fail "missing file: status $code"
code=$(ns curl -s -o /dev/null -w '%{http_code}' --path-as-is \
    --max-time 10 "http://$ADDR/../../etc/passwd") || true
[ "$code" = 404 ] || fail "../ path: status $code"
# Two URLs, one connection: curl says it reused it.
out=$(ns curl -sS -v --max-time 10 http://$ADDR/ http://$ADDR/index.html \
    2>&1) || fail "keep-alive: $out"
[ "$(echo "$out" | grep -c '^hello')" = 2 ] || fail "keep-alive bodies: $out"
echo "$out" | grep -qiE 're-?us' || fail "connection not reused: $out"
bisc_stop
echo "net/httpd: ok"
