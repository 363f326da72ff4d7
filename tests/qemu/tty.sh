#!/bin/sh
# The console tty from user mode: tests/user's ttyinit is /sbin/init in
# an initramfs; it asks for a canonical line (typed here with an erase
# in it, ended by CR: ICRNL makes it NL), then for single raw bytes.
#   tty.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

user="$(dirname "$KERNEL")/user"
[ -f "$user/ttyinit" ] ||
    fail "no user program at $user/ttyinit (musl-gcc missing?)"
command -v cpio >/dev/null || fail "cpio is not installed"
root="$WORK/root"
mkdir -p "$root/sbin"
cp "$user/ttyinit" "$root/sbin/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio" ||
    fail "cpio failed"

LOG="$WORK/tty.log"
mkfifo "$WORK/input"
# Hold the FIFO open for writing so QEMU never sees end of input.
exec 3<>"$WORK/input"
timeout "$BOOT_TIMEOUT" "$RUN_KERNEL" "$KERNEL" "$@" \
    -initrd "$WORK/initramfs.cpio" -append "test=user panic=poweroff" \
    <"$WORK/input" >"$LOG" 2>&1 &
qemu=$!

# wait_for REGEX: until the log has it, or QEMU is gone.
wait_for() {
	waited=0
	until tr -d '\r' <"$LOG" | grep -aEq -- "$1"; do
		if [ "$waited" -ge "$((BOOT_TIMEOUT * 10))" ] ||
		    ! kill -0 "$qemu" 2>/dev/null; then
			kill "$qemu" 2>/dev/null
			wait "$qemu"
			fail "no '$1' from ttyinit"
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

wait_for '^tty test: type a line$'
printf 'hellx\177o tty\r' >&3
wait_for '^tty test: raw$'
printf 'ab\r' >&3

STATUS=0
wait "$qemu" || STATUS=$?
exec 3>&-
expect_line '^tty test: line "hello tty"$'
expect_line '^tty test: byte 97$'
expect_line '^tty test: byte 98$'
expect_line '^tty test: byte 13$'
expect_line '^tty test: ok$'
expect_status $EXIT_OK
echo "PASS: tty $*"
