#!/bin/sh
# A user program (tests/user, built static with musl beside the kernel in
# user/) runs as init: booted as the initrd with test=user, it must print
# the expected line, and init's exit status 0 must power the machine off
# (QEMU exit code 1).  A kernel panic (status 2) or a timeout fails.
#   user.sh KERNEL PROGRAM EXPECTED-REGEX [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
prog=$2
expected=$3
shift 3

binary="$(dirname "$KERNEL")/user/$prog"
[ -f "$binary" ] || fail "no user program at $binary (musl-gcc missing?)"

boot "user-$prog" -initrd "$binary" -append "test=user panic=poweroff" "$@"
expect_line "$expected"
expect_status $EXIT_OK
echo "PASS: user program $prog"
