#!/bin/sh
# The benchmark programs of tests/bench run on biscotti and print their
# figure: one boot (tools/run-qemu) runs each with a tiny iteration count.
# No Linux kernel and no timing here: make bench does that (tools/bench).
# mailbench needs AF_UNIX sockets; while the kernel lacks them it says
# "n/a unsupported" and is skipped, with a note.
#   bench-smoke.sh KERNEL
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
TOOLS="$TESTS_QEMU/../../tools"

"$TOOLS/bench-build" "$WORK/root" >"$WORK/build.log" 2>&1 || {
	cat "$WORK/build.log"
	fail "tools/bench-build could not build tests/bench"
}

# name, iterations, unit of the figure
BENCHES="getppid 1000 calls/s
pipe_pingpong 100 roundtrips/s
fork_exit 20 forks/s
fork_exec 10 execs/s
file_create 100 files/s
page_fault 1 faults/s
mailbench 20 msgs/s"

cmd=$(echo "$BENCHES" | while read -r name n unit; do
	echo "/bench/$name $n; echo \"$name status \$?\";"
done)
status=0
KERNEL=$KERNEL RUN_QEMU_TIMEOUT=150 "$TOOLS/run-qemu" --add "$WORK/root" \
    -- sh -c "$cmd" >"$WORK/out" 2>&1 || status=$?
[ $status -eq 0 ] || { cat "$WORK/out"; fail "run-qemu exited with $status"; }

echo "$BENCHES" | while read -r name n unit; do
	if [ "$name" = mailbench ] &&
	    grep -q "^mailbench n/a unsupported" "$WORK/out" &&
	    grep -q "^mailbench status 77$" "$WORK/out"; then
		echo "note: mailbench skipped:" \
		    "$(sed -n 's/^mailbench n\/a //p' "$WORK/out")"
		continue
	fi
	if ! grep -Eq "^$name [0-9]+\.[0-9] $unit n=[0-9]+ t=[0-9.]+$" \
	    "$WORK/out" || ! grep -q "^$name status 0$" "$WORK/out"; then
		cat "$WORK/out"
		fail "$name printed no figure"
	fi
done || exit 1
grep -E ' n=[0-9]+ t=' "$WORK/out"
echo "PASS: bench-smoke"
