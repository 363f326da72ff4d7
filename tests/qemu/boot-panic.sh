#!/bin/sh
# A panic prints where it came from: test=panic panics on purpose, and the
# backtrace after the panic message must name the panicking function,
# then power off with the panic status (exit code 5).
#   boot-panic.sh KERNEL
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"

boot panic -append "test=panic panic=poweroff"
expect_line '^panic: panic test: on purpose$'
expect_line '^backtrace:$'
expect_line '^  #[0-9]+ 0xffffffff8[0-9a-f]{7} panic\+0x[0-9a-f]+$'
expect_line '^  #[0-9]+ 0xffffffff8[0-9a-f]{7} selftest_panic\+0x[0-9a-f]+$'
expect_status $EXIT_PANIC
echo "PASS: panic backtrace"
