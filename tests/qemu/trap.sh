#!/bin/sh
# A deliberate kernel bug (self-tests nullderef, ud2, smap, textwrite) must
# end in a trap report naming the exception, with the registers and a
# symbolized backtrace, and a panic, which under panic=poweroff exits
# QEMU with status 2 (exit code 5).
#   trap.sh KERNEL NAME REPORT-REGEX [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
name=$2
report=$3
shift 3

boot "$name" "$@" -append "test=$name panic=poweroff"
expect_line "$report"
expect_line '^  rip ffffffff8[0-9a-f]{7}  cs 0008  rflags [0-9a-f]{16}  cr2 [0-9a-f]{16}$'
expect_line '^  rax [0-9a-f]{16}  rbx [0-9a-f]{16}  rcx [0-9a-f]{16}  rdx [0-9a-f]{16}$'
# The backtrace names the faulting self-test function (test_NAME in
# selftest.c, or selftest_NAME in the file that owns the test).
expect_line "^  #0 0xffffffff8[0-9a-f]{7} (test|selftest)_$name\+0x[0-9a-f]+\$"
expect_line '^panic: trap: '
expect_status $EXIT_PANIC
echo "PASS: $name trap report"
