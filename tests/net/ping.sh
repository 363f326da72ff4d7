#!/bin/bash
# net/ping: Linux pings biscotti's stack over the TAP link (ARP, ICMP
# echo, a fragmented 4000-byte echo), then SIGTERM stops biscotti net
# cleanly: exit status 0 and tap0 gone.
set -eu
. "$(dirname "$0")/lib.sh"
net_init ping "$1"

bisc_start -- echo --tcp-port 0 --udp-port 7
wait_reachable
out=$(ns ping -c 5 -i 0.2 -W 2 $ADDR) || fail "ping: $out"
echo "$out" | tail -2
echo "$out" | grep -q ' 5 received' || fail "not 5 replies: $out"
# The reply must come from our MAC address, through ARP.
ns ip neigh show $ADDR | grep -qE 'lladdr 02:b1:' ||
    fail "no ARP entry for $ADDR: $(ns ip neigh show)"
out=$(ns ping -c 2 -s 4000 -W 2 $ADDR) || fail "large ping: $out"
echo "$out" | grep -q ' 2 received' || fail "large ping: $out"
bisc_stop
echo "net/ping: ok"
