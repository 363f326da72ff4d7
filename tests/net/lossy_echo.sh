#!/bin/bash
# net/lossy_echo: over the lossy link (lib.sh), 50 concurrent Linux TCP
# connections echo 32 KiB each through biscotti's echo server intact,
# and UDP echoes both ways (the clients resend what the link loses).
set -eu
. "$(dirname "$0")/lib.sh"
net_init lossy_echo "$1"
here=$(dirname "$0")

lossy_start -- echo --tcp-port 7 --udp-port 7
ns "$PY" "$here/tcp_echo_client.py" $ADDR 7 50 32768 ||
    fail "TCP echo over the lossy link"
ns "$PY" "$here/udp_echo.py" client $ADDR 7 100 ||
    fail "UDP echo (Linux client) over the lossy link"
bisc_stop

bg "$PY" "$here/udp_echo.py" server 0.0.0.0 7007
sleep 0.5
lossy_run -- udpecho-client $PEER 7007 --count 100 --size 1000 ||
    fail "udpecho-client over the lossy link exited $?"
grep -E 'udpecho-client:|netem' "$W/biscotti.log"
echo "net/lossy_echo: ok"
