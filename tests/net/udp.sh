#!/bin/bash
# net/udp: UDP echo both ways: a Linux client against biscotti's echo
# server (sizes up to 8000 bytes, so fragmented), then biscotti's
# udpecho-client against a Linux echo server, on the link and, through
# --gw, to an address off the link (which fails without the route).
set -eu
. "$(dirname "$0")/lib.sh"
net_init udp "$1"
here=$(dirname "$0")

bisc_start -- echo --tcp-port 0 --udp-port 7
ns "$PY" "$here/udp_echo.py" client $ADDR 7 200 ||
    fail "Linux client to biscotti's UDP echo"
bisc_stop

bg "$PY" "$here/udp_echo.py" server 0.0.0.0 7007
sleep 0.5
bisc_run -- udpecho-client $PEER 7007 --count 200 --size 1000 ||
    fail "udpecho-client exited $?"
grep 'udpecho-client:' "$W/biscotti.log"
bisc_run -- udpecho-client $PEER 7007 --count 20 --size 6000 ||
    fail "udpecho-client (fragmented) exited $?"
grep 'udpecho-client:' "$W/biscotti.log"
# Off the link: 10.99.0.1 is Linux's, reached only through the gateway
# (its echo server bound there, so replies come from that address).
ns ip addr add 10.99.0.1/32 dev lo
bg "$PY" "$here/udp_echo.py" server 10.99.0.1 7008
sleep 0.5
if bisc_run -- udpecho-client 10.99.0.1 7008 --count 1; then
	fail "udpecho-client off the link without --gw exited 0"
fi
grep -q 'ENETUNREACH' "$W/biscotti.log" || fail "no ENETUNREACH without --gw"
bisc_run --gw $PEER -- udpecho-client 10.99.0.1 7008 --count 20 ||
    fail "udpecho-client through --gw exited $?"
grep 'udpecho-client:' "$W/biscotti.log"
echo "net/udp: ok"
