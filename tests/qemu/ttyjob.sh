#!/bin/sh
# Job control on the console tty from user mode: tests/user's ttyjob is
# /sbin/init in an initramfs; when it asks, ^C and ^Z are typed into the
# serial port for its foreground jobs, and a line for a job that
# SIGTTIN stopped in the background and that was then brought forward.
#   ttyjob.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

user="$(dirname "$KERNEL")/user"
[ -f "$user/ttyjob" ] ||
    fail "no user program at $user/ttyjob (musl-gcc missing?)"
command -v cpio >/dev/null || fail "cpio is not installed"
root="$WORK/root"
mkdir -p "$root/sbin"
cp "$user/ttyjob" "$root/sbin/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio" ||
    fail "cpio failed"

LOG="$WORK/ttyjob.log"
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
			fail "no '$1' from ttyjob"
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

# The job may not be running yet when the question appears; a second
# keystroke would reach the next job, so wait a little first.
wait_for '^ttyjob: type \^C$'
sleep 1
printf '\003' >&3
wait_for '^ttyjob: type \^Z$'
sleep 1
printf '\032' >&3
wait_for '^ttyjob: type a line$'
printf 'fg ok\r' >&3

STATUS=0
wait "$qemu" || STATUS=$?
exec 3>&-
expect_line '^(\^C)?ttyjob: sigint ok$'
expect_line '^(\^Z)?ttyjob: sigtstp ok$'
expect_line '^ttyjob: sigttin ok$'
expect_line '^ttyjob: orphaned ok$'
expect_line '^ttyjob: vtime ok$'
expect_line '^ttyjob: ok$'
expect_status $EXIT_OK
echo "PASS: ttyjob $*"
