#!/bin/bash
# net/echo: 200 concurrent Linux TCP connections to biscotti's echo
# server, each sending 64 KiB of its own data in pieces and reading it
# all back intact.
set -eu
. "$(dirname "$0")/lib.sh"
net_init echo "$1"

bisc_start -- echo --tcp-port 7 --udp-port 7
ns "$PY" "$(dirname "$0")/tcp_echo_client.py" $ADDR 7 200 65536 ||
    fail "echo client"
bisc_stop
echo "net/echo: ok"
