#!/bin/sh
# Console input arrives by interrupt: once the console self-test asks for
# a line, type one into QEMU's serial port and expect it echoed back.
#   console.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

LOG="$WORK/console.log"
mkfifo "$WORK/input"
# Hold the FIFO open for writing so QEMU never sees end of input.
exec 3<>"$WORK/input"
timeout "$BOOT_TIMEOUT" "$RUN_KERNEL" "$KERNEL" "$@" \
    -append "test=console panic=poweroff" <"$WORK/input" >"$LOG" 2>&1 &
qemu=$!

waited=0
until grep -aq 'console test: type a line' "$LOG"; do
	if [ "$waited" -ge "$((BOOT_TIMEOUT * 10))" ] ||
	    ! kill -0 "$qemu" 2>/dev/null; then
		kill "$qemu" 2>/dev/null
		wait "$qemu"
		fail "the console test never asked for input"
	fi
	sleep 0.1
	waited=$((waited + 1))
done
printf 'typed by console.sh\r' >&3

STATUS=0
wait "$qemu" || STATUS=$?
exec 3>&-
expect_line '^console test: got "typed by console.sh"$'
expect_line '^console test: ok$'
expect_status $EXIT_OK
echo "PASS: console input $*"
