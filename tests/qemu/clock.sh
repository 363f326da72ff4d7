#!/bin/sh
# The clock's calibration reference and its agreement with the host's.
#   clock.sh KERNEL REF [extra qemu args...]
# Boots with test=clock and expects the "clock:" boot line to name REF
# (HPET or PIT), then compares the guest's clock_ns() at the test's two
# marks, 2 s of guest time apart, with the host's time at which those
# serial lines arrived.  The bounds are wide, 1.5 to 6 s of host time:
# TCG is slow and noisy, and this is to catch a calibration off by a
# large factor, not to measure.
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
ref=$2
shift 2

# Each serial line prefixed with the host's time in ns when it arrived.
LOG="$WORK/clock.log"
STATUS=0
{ timeout "$BOOT_TIMEOUT" "$RUN_KERNEL" "$KERNEL" "$@" \
    -append "test=clock panic=poweroff" </dev/null 2>&1 || echo "exit $?"; } |
    while IFS= read -r line; do
	printf '%s %s\n' "$(date +%s%N)" "$line"
    done >"$LOG"
STATUS=$(sed -nE 's/^[0-9]+ exit ([0-9]+)$/\1/p' "$LOG" | tail -n 1)
STATUS=${STATUS:-0}

expect_line "clock: .*, calibrated by the $ref\$"
expect_line "clock test: ok\$"
expect_status $EXIT_OK

# host_ns and guest_ns of mark N.
mark() {
	tr -d '\r' <"$LOG" |
	    sed -nE "s/^([0-9]+) .*clock test: mark $1 at ([0-9]+) ns\$/\\1 \\2/p" |
	    head -n 1
}
m0=$(mark 0)
m1=$(mark 1)
[ -n "$m0" ] && [ -n "$m1" ] || fail "the clock test's marks are missing"
set -- $m0 $m1
host_ms=$((($3 - $1) / 1000000))
guest_ms=$((($4 - $2) / 1000000))
echo "guest clock: ${guest_ms} ms, host: ${host_ms} ms"
[ "$guest_ms" -ge 2000 ] && [ "$guest_ms" -le 4000 ] ||
    fail "guest slept $guest_ms ms, expected 2000 to 4000"
[ "$host_ms" -ge 1500 ] && [ "$host_ms" -le 6000 ] ||
    fail "2 s of guest time took $host_ms ms of host time"
echo "PASS: clock calibrated by the $ref agrees with the host"
