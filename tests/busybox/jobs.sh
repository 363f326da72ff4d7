# Background jobs: $!, wait and its exit status, kill of a background job
# and the status it leaves (128 + signal), jobs that write files.
umask 022
d=$(mktemp -d /tmp/bb-jobs.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== wait for one"
sleep 0.1 &
p=$!
[ "$p" -gt 0 ] && echo "\$! is a number"
wait "$p"
echo "sleep: $?"
(exit 7) &
wait $!
echo "subshell exit 7: $?"
sh -c 'exit 3' &
p1=$!
sh -c 'exit 5' &
p2=$!
wait "$p2"
echo "second: $?"
wait "$p1"
echo "first: $?"
echo "== kill"
sleep 10 &
p=$!
kill -0 "$p" && echo "alive"
kill "$p"
wait "$p"
echo "TERM: $?"
kill -0 "$p" 2>/dev/null || echo "gone"
sleep 10 &
kill -KILL $!
wait $!
echo "KILL: $?"
sleep 10 &
kill -USR1 $!
wait $!
echo "USR1: $?"
sh -c 'kill -TERM $$'
echo "foreground TERM: $?"
sh -c 'kill -KILL $$'
echo "foreground KILL: $?"
echo "== wait for all"
for i in 1 2 3 4 5; do
	(i=$i; n=0; while [ $n -lt 200 ]; do n=$((n + 1)); done; echo "job $i $n" >out.$i) &
done
wait
echo "wait: $?"
cat out.1 out.2 out.3 out.4 out.5
echo "== a job does not change the parent"
x=parent
(x=child; echo "in job: $x") >job.out &
wait $!
cat job.out
echo "x=$x"
echo "== jobs writing one pipe"
{ (echo a; sleep 0.1; echo b) & (echo c) & wait; } | sort
echo "== wait for an unknown pid"
wait 999999
echo "unknown: $?"
echo "== long-running job and foreground work"
seq 1 20000 >big &
p=$!
i=0
while [ $i -lt 50 ]; do i=$((i + 1)); done
wait "$p"
echo "bg seq: $? $(wc -l <big) lines, fg loop $i"
