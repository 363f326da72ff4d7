#!/bin/sh
# Run one of the kernel's self-tests (platform/x86_64/selftest.c): boot
# with test=NAME, expect "NAME test: ok" and power-off status 0.
#   selftest.sh KERNEL NAME [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
name=$2
shift 2

boot "$name" "$@" -append "test=$name panic=poweroff"
expect_line "^$name test: ok$"
expect_status $EXIT_OK
echo "PASS: $name self-test $*"
