# Traps: EXIT, INT, USR1 sent by a child, ignored signals inherited across
# exec, trap -, traps in subshells, and wait interrupted by a trap.
umask 022
d=$(mktemp -d /tmp/bb-traps.XXXXXX) && cd "$d" || exit 99
trap 'echo "exit trap, status $?"; cd / && rm -rf "$d"' EXIT

echo "== USR1 from a child"
trap 'echo "got USR1"' USR1
sh -c 'kill -USR1 $PPID'
echo "after child"
(kill -USR1 $$)
echo "after subshell"
echo "== INT"
trap 'echo "got INT"' INT
kill -INT $$
echo "after INT"
trap '' INT
kill -INT $$
echo "INT ignored"
trap - INT
sh -c 'kill -INT $$; echo not reached'
echo "child killed by INT: $?"
echo "== trap listing"
trap
trap - USR1
trap
echo "== traps in subshells"
(trap 'echo "subshell exit trap"' EXIT; echo "in subshell")
sh -c 'trap "echo trap sees \$?" EXIT; exit 4'
echo "status: $?"
sh -c 'trap "echo in TERM trap; exit 9" TERM; kill -TERM $$; echo not reached'
echo "status: $?"
echo "== ignored signals are inherited across exec"
sh -c 'trap "" TERM; sh -c "kill -TERM \$\$; echo child survived TERM"'
(trap '' USR2; sh -c 'kill -USR2 $$; echo survived USR2')
echo "== caught signals are reset by exec"
trap 'echo caught' TERM
sh -c 'kill -TERM $$; echo not reached'
echo "status: $?"
trap - TERM
echo "== a trapped signal during a foreground child"
trap 'echo "got USR2"' USR2
sh -c 'kill -USR2 $PPID; sleep 0.2; echo "child done"'
echo "after foreground child"
echo "== wait interrupted by a trapped signal"
trap 'echo "got USR1 in wait"' USR1
{ sleep 0.2; kill -USR1 $$; sleep 0.5; } &
p=$!
wait "$p"
echo "wait: $?"
wait "$p"
echo "wait again: $?"
echo "== exit status through the EXIT trap"
(trap 'echo "sub exit trap, status $?"' EXIT; false)
echo "subshell: $?"
exit 3
