# Shared by the QEMU tests: boot the kernel under tools/run-kernel with a
# time limit, keep the serial log, and check it.  Sourced, not run.
#
# A guest that powers off with status s makes QEMU exit with (s << 1) | 1:
# 1 for status 0, 3 for status 1, 5 for a panic under panic=poweroff.

TESTS_QEMU=$(cd "$(dirname "$0")" && pwd)
RUN_KERNEL="$TESTS_QEMU/../../tools/run-kernel"
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}
EXIT_OK=1
EXIT_PANIC=5

# The kernel path is the first argument.  A missing kernel is a failure,
# not a skip: `make test` always builds it first.
need_kernel() {
	KERNEL=${1:-}
	if [ -z "$KERNEL" ] || [ ! -f "$KERNEL" ]; then
		echo "FAIL: no x86_64 kernel at '$KERNEL' (make x86_64 builds it)"
		exit 1
	fi
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
}

# The hosted biscotti program (for mkfs) and busybox-static, which the
# disk-image tests put on the disk: set BISCOTTI or fail.
need_biscotti() {
	BISCOTTI=${1:-}
	[ -x "$BISCOTTI" ] || fail "no hosted biscotti program at '$BISCOTTI'"
	[ -x /bin/busybox ] || fail "busybox-static is not installed (tools/deps)"
}

fail() {
	echo "FAIL: $*"
	if [ -n "${LOG:-}" ] && [ -f "$LOG" ]; then
		echo "---- serial log ----"
		tr -d '\r' <"$LOG" | grep -av '^$'
		echo "--------------------"
	fi
	exit 1
}

# boot NAME QEMU-ARGS...: boot with stdin closed; log in $LOG, exit code
# in $STATUS (124 when the time limit ran out).
#
# QEMU 7.2 (Debian 12's) itself segfaults now and then in
# memory_region_dispatch_read with several TCG vCPUs (about 1 boot in 300
# in our runs).  That is the emulator dying, not the guest failing: the
# guest can only end QEMU through isa-debug-exit or a timeout.  So a boot
# whose QEMU died of SIGSEGV or SIGABRT is run once more, and says so.
boot() {
	LOG="$WORK/$1.log"
	shift
	boot_once "$@"
	case $STATUS in
	134|139)
		echo "note: QEMU itself crashed (exit $STATUS); booting again"
		cp "$LOG" "$LOG.crashed"
		boot_once "$@"
		;;
	esac
}

boot_once() {
	STATUS=0
	timeout "$BOOT_TIMEOUT" "$RUN_KERNEL" "$KERNEL" "$@" \
	    </dev/null >"$LOG" 2>&1 || STATUS=$?
}

# expect_status N: QEMU exited with N.
expect_status() {
	[ "$STATUS" -eq "$1" ] ||
	    fail "QEMU exited with $STATUS, expected $1 (124: timed out)"
}

# expect_line REGEX: some line of the log matches (extended regex).
expect_line() {
	tr -d '\r' <"$LOG" | grep -aEq -- "$1" ||
	    fail "no line matching '$1' in the serial log"
}

# banner_mib: the N of the banner's "N MiB of memory managed".
banner_mib() {
	tr -d '\r' <"$LOG" |
	    sed -nE 's/^.*biscotti [0-9.]+: [0-9]+ CPUs?, ([0-9]+) MiB of memory managed$/\1/p' |
	    head -n 1
}

# user_program NAME: $PROG_PATH is tests/user's NAME, built beside the
# kernel.
user_program() {
	PROG_PATH="$(dirname "$KERNEL")/user/$1"
	[ -f "$PROG_PATH" ] ||
	    fail "no user program at $PROG_PATH (musl-gcc missing?)"
}

# pack_root DIR CPIO: DIR's tree as a newc cpio archive (the initramfs).
pack_root() {
	command -v cpio >/dev/null || fail "cpio is not installed"
	(cd "$1" && find . | cpio -o -H newc --quiet) >"$2" ||
	    fail "cpio failed"
}

# init_cpio NAME: $WORK/initramfs.cpio holding tests/user's NAME as
# /sbin/init (the kernel then mounts devfs at /dev, and the program
# lives in the file system).
init_cpio() {
	user_program "$1"
	mkdir -p "$WORK/root/sbin"
	cp "$PROG_PATH" "$WORK/root/sbin/init"
	pack_root "$WORK/root" "$WORK/initramfs.cpio"
}

# boot_typing NAME QEMU-ARGS...: boot in the background with the serial
# input coming from fd 3 (write keystrokes there: printf ... >&3); the
# log is $LOG.  wait_for waits for output, typing_done for the end.
boot_typing() {
	LOG="$WORK/$1.log"
	shift
	mkfifo "$WORK/input"
	# Hold the FIFO open for writing so QEMU never sees end of input.
	exec 3<>"$WORK/input"
	timeout "$BOOT_TIMEOUT" "$RUN_KERNEL" "$KERNEL" "$@" \
	    <"$WORK/input" >"$LOG" 2>&1 &
	qemu=$!
}

# wait_for REGEX: until the log has a line matching it, or QEMU is gone.
wait_for() {
	waited=0
	until tr -d '\r' <"$LOG" | grep -aEq -- "$1"; do
		if [ "$waited" -ge "$((BOOT_TIMEOUT * 10))" ] ||
		    ! kill -0 "$qemu" 2>/dev/null; then
			kill "$qemu" 2>/dev/null
			wait "$qemu"
			fail "no '$1' in the serial log"
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

# typing_done: wait for QEMU to end; its exit code in $STATUS.
typing_done() {
	STATUS=0
	wait "$qemu" || STATUS=$?
	exec 3>&-
}
