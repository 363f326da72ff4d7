#!/bin/sh
# Compare a user program's output on this Linux host with its output on
# biscotti: the same static musl binary (tests/user/PROGRAM.c) runs here,
# in a fresh temporary directory as the calling user, and in QEMU as
# /sbin/init of a cpio initrd (so /dev is mounted; its working directory
# is the root tmpfs).  The lines between "PROGRAM: begin" and
# "PROGRAM: end" must be identical; a difference is printed as a diff
# (--- linux, +++ biscotti).  The program must print nothing host-specific.
#   linuxdiff.sh KERNEL PROGRAM [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
prog=$2
shift 2

user_program "$prog"
binary=$PROG_PATH

# The marked part of a log.
between() {
	tr -d '\r' <"$1" | awk -v b="$prog: begin" -v e="$prog: end" '
		$0 == e { on = 0 }
		on { print }
		$0 == b { on = 1 }'
}

mkdir -p "$WORK/host" "$WORK/root/sbin"
(cd "$WORK/host" && timeout "$BOOT_TIMEOUT" "$binary") \
    >"$WORK/linux.log" 2>&1 </dev/null ||
    fail "$prog failed on the host (exit $?)"
grep -q "^$prog: end$" "$WORK/linux.log" ||
    fail "$prog did not finish on the host"
between "$WORK/linux.log" >"$WORK/linux"

cp "$binary" "$WORK/root/sbin/init"
pack_root "$WORK/root" "$WORK/initrd.cpio"
boot "linuxdiff-$prog" -initrd "$WORK/initrd.cpio" \
    -append "test=user panic=poweroff" "$@"
expect_line "^$prog: end$"
expect_status $EXIT_OK
between "$LOG" >"$WORK/biscotti"

if ! diff -u --label linux --label biscotti "$WORK/linux" \
    "$WORK/biscotti" >"$WORK/diff"; then
	cat "$WORK/diff"
	echo "FAIL: $prog: $(grep -c '^[-+][^-+]' "$WORK/diff") lines differ" \
	    "between Linux and biscotti"
	exit 1
fi
echo "PASS: $prog prints the same $(wc -l <"$WORK/linux") lines on" \
    "Linux and biscotti"
