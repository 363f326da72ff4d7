#!/bin/sh
# The SMP self-tests (platform/x86_64/selftest_smp.c) on NCPUS CPUs: every
# CPU must come online ("cpu N: online" for each N < NCPUS, and no more),
# the banner must count them, and the test must pass ("NAME test: ok",
# power-off status 0).  The nmi test instead ends in a deliberate panic:
# the panicking CPU must report every other CPU stopped, and no tick
# (printed by those CPUs with interrupts off) may follow that report.
#   smp.sh KERNEL NAME NCPUS [extra qemu args...]
# QEMU emulates the CPUs in software, several on each host core, so the
# time limit is generous.
set -u
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
name=$2
ncpus=$3
shift 3

# expect_no_line REGEX: no line of the log matches.
expect_no_line() {
	if tr -d '\r' <"$LOG" | grep -aEq -- "$1"; then
		fail "a line matches '$1' in the serial log"
	fi
}

boot "$name-$ncpus" -smp "$ncpus" "$@" -append "test=$name panic=poweroff"
i=0
while [ "$i" -lt "$ncpus" ]; do
	expect_line "^cpu $i: online \\(apic id [0-9]+\\)"
	i=$((i + 1))
done
expect_no_line "^cpu $ncpus: online"
expect_line "^biscotti [0-9.]+: $ncpus CPUs?, "

if [ "$name" = nmi ]; then
	expect_line '^panic: nmi test: deliberate panic on cpu [0-9]+$'
	if [ "$ncpus" -gt 1 ]; then
		others=$((ncpus - 1))
		# (no ^: a ticker stopped mid-line leaves a partial line before it)
		expect_line "cpu [0-9]+: stopped $others other cpus?$"
		late=$(tr -d '\r' <"$LOG" | awk '
		    / stopped [0-9]+ other cpu/ { stopped = 1; next }
		    stopped && /nmi test: tick/ { n++ }
		    END { print n + 0 }')
		[ "$late" -eq 0 ] ||
		    fail "$late ticks printed after the other CPUs stopped"
	fi
	expect_status $EXIT_PANIC
else
	expect_line "^$name test: ok$"
	expect_status $EXIT_OK
fi
echo "PASS: $name self-test on $ncpus CPUs $*"
