#!/bin/sh
# Debian's unmodified busybox-static is the userland: tools/run-qemu boots
# it as the initramfs and runs commands through its sh, and each must
# print what it prints on Linux and exit with the same status.
#   busybox.sh KERNEL
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
RUN_QEMU="$TESTS_QEMU/../../tools/run-qemu"
[ -x /bin/busybox ] || fail "busybox-static is not installed (tools/deps)"

# check NAME EXPECTED-STATUS EXPECTED-OUTPUT COMMAND [ARG]...
check() {
	name=$1 want_status=$2 want=$3
	shift 3
	got_status=0
	got=$(KERNEL=$KERNEL RUN_QEMU_TIMEOUT=$BOOT_TIMEOUT "$RUN_QEMU" \
	    -- "$@" 2>"$WORK/stderr") || got_status=$?
	if [ "$got_status" -ne "$want_status" ] || [ "$got" != "$want" ]; then
		echo "FAIL: busybox $name: status $got_status (want" \
		    "$want_status), output:"
		printf '%s\n' "$got"
		echo "---- want ----"
		printf '%s\n' "$want"
		echo "---- stderr ----"
		cat "$WORK/stderr"
		exit 1
	fi
}

check pipe 0 3 sh -c 'echo hi | wc -c'
check status 7 "" sh -c 'exit 7'
check arith 0 42 sh -c 'echo $((6*7))'
check ls 0 "$(printf 'bin\ndev\netc\nproc\nroot\nsbin\ntmp')" ls -1 /
check sort-uniq 0 "$(printf '      1 a\n      2 b\n      1 c')" \
    sh -c 'printf "b\na\nb\nc\n" | sort | uniq -c'
check subshell 0 "sub 3" sh -c 'x=$(echo sub); (exit 3); echo $x $?'
check awk 0 15 sh -c 'seq 1 5 | awk "{ s += \$1 } END { print s }"'
check tmpfile 0 "$(printf 'a\n-rw-r--r--')" \
    sh -c 'echo a >/tmp/f; cat /tmp/f; ls -l /tmp/f | cut -c1-10'
echo "PASS: busybox"
