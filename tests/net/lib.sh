# Shared by the network tests (tests/net/*.sh), sourced after `set -eu`.
#
# Each test gets its own network namespace (bn-TEST-PID), runs biscotti
# net inside it on TAP tap0 (the stack at 10.77.0.2/24, Linux's side at
# 10.77.0.1/24) and its Linux peers in the same namespace, so no packet
# leaves it.  The EXIT trap stops what the test started (by PID, never
# by name), deletes the namespace and the work directory.
#
#   net_init NAME BISCOTTI   namespace, work dir $W, trap; skips (77)
#                            without root or /dev/net/tun
#   ns CMD...                run CMD in the namespace
#   bisc_start [OPTS] -- PROG ARGS...
#                            start biscotti net in the background (its
#                            log: $W/biscotti.log) and wait for the
#                            program's ready line
#   bisc_stop                SIGTERM it; fail unless it exits 0 and
#                            tap0 is gone
#   bg CMD...                start CMD in the namespace, remember its PID
#   fail MSG                 print MSG and the biscotti log, exit 1

NS= W= BISC= BISC_PID=
BG_PIDS=()
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
ADDR=10.77.0.2
PEER=10.77.0.1

net_cleanup() {
	local p
	for p in ${BISC_PID:-} "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in ${BISC_PID:-} "${BG_PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null || true
	[ -n "$W" ] && rm -rf "$W"
}

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$W/biscotti.log" ]; then
		echo "--- biscotti log (last 30 lines):" >&2
		tail -30 "$W/biscotti.log" >&2
	fi
	exit 1
}

net_init() {
	local name=$1
	BISC=$2
	if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then
		echo "SKIP: needs root and /dev/net/tun"
		exit 77
	fi
	[ -x "$BISC" ] || { echo "no biscotti at $BISC" >&2; exit 1; }
	NS=bn-$name-$$
	W=$(mktemp -d "/tmp/bn-$name.XXXXXX")
	trap net_cleanup EXIT
	trap 'exit 1' INT TERM
	ip netns add "$NS"
	ip netns exec "$NS" ip link set lo up
}

ns() { ip netns exec "$NS" "$@"; }

bg() {
	ip netns exec "$NS" "$@" &
	BG_PIDS+=($!)
}

# wait_for FILE REGEX SECONDS
wait_for() {
	local i
	for i in $(seq $(($3 * 10))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		if [ -n "$BISC_PID" ] && ! kill -0 "$BISC_PID" 2>/dev/null; then
			fail "biscotti ended before \"$2\""
		fi
		sleep 0.1
	done
	fail "no \"$2\" in $1 after $3 s"
}

bisc_start() {
	local ready
	case " $* " in
	*" -- httpd "*) ready='^httpd: serving' ;;
	*" -- echo "*|*" -- discard "*) ready='(echo|discard): TCP port' ;;
	*) ready='^biscotti net: tap0 up' ;;
	esac
	ip netns exec "$NS" "$BISC" net --tap tap0 --addr $ADDR/24 \
	    --peer $PEER/24 "$@" >"$W/biscotti.log" 2>&1 &
	BISC_PID=$!
	wait_for "$W/biscotti.log" "$ready" 30
}

# Run biscotti net in the foreground (a client program): its status.
bisc_run() {
	ip netns exec "$NS" "$BISC" net --tap tap0 --addr $ADDR/24 \
	    --peer $PEER/24 "$@" >"$W/biscotti.log" 2>&1
}

bisc_stop() {
	local st=0
	kill -TERM "$BISC_PID"
	wait "$BISC_PID" || st=$?
	BISC_PID=
	[ $st = 0 ] || fail "biscotti net exited $st after SIGTERM"
	if ns ip link show tap0 >/dev/null 2>&1; then
		fail "tap0 still there after biscotti net ended"
	fi
}

# Wait until Linux reaches the stack (ARP and ICMP answered).
wait_reachable() {
	local i
	for i in $(seq 40); do
		ns ping -c 1 -W 1 $ADDR >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	fail "$ADDR does not answer ping"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# The lossy link of the lossy_* tests: Linux's netem on tap0 for what
# Linux sends, and biscotti's own impairment (--netem-tx) for what the
# stack sends; on a kernel without sch_netem biscotti impairs both
# directions itself (--netem, the same model: platform/hosted/netem.h).
NETEM="delay 20ms 5ms loss 5% reorder 10% duplicate 2%"

have_netem() {
	local ok=1
	ns ip link add nq0 type veth peer name nq1 2>/dev/null || return 1
	ns tc qdisc add dev nq0 root netem delay 1ms 2>/dev/null || ok=0
	ns ip link del nq0 2>/dev/null || true
	[ $ok = 1 ]
}

# lossy_start [OPTS] -- PROG ARGS: bisc_start over the impaired link.
lossy_start() {
	if have_netem; then
		bisc_start --netem-tx "$NETEM" "$@"
		ns tc qdisc add dev tap0 root netem $NETEM ||
		    fail "tc netem on tap0"
		echo "link: tc netem on tap0, biscotti --netem-tx: $NETEM"
	else
		bisc_start --netem "$NETEM" "$@"
		echo "link: no sch_netem here; biscotti --netem both ways: $NETEM"
	fi
}

lossy_run() {
	if have_netem; then
		echo "lossy_run: needs the tap first; using --netem both ways"
	fi
	bisc_run --netem "$NETEM" "$@"
}
