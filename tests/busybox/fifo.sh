# FIFOs, sleep and timeout: readers and writers meeting in a named pipe,
# several writers, a fifo opened read-write, timeouts that fire and not.
umask 022
d=$(mktemp -d /tmp/bb-fifo.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== mkfifo"
mkfifo p
stat -c '%F %a' p
mkfifo -m 600 q
stat -c '%F %a' q
[ -p p ] && echo "p is a fifo"
mkfifo p 2>&1; echo "mkfifo existing: $?"
echo "== writer then reader"
echo "through the fifo" >p &
cat p
wait
echo "== reader then writer"
cat p >got &
sleep 0.1
seq 1 5000 >p
wait
wc -l <got
echo "== big transfer"
seq 1 200000 >p &
md5sum <p
wait
seq 1 200000 | md5sum
echo "== several writers"
exec 3<>p
for i in 1 2 3; do echo "writer $i" >p & done
wait
head -n 3 <&3 | sort
echo "read-write fd" >&3
read -r l <&3
echo "$l"
exec 3>&-
echo "== a reader sees EOF when the writer closes"
{ echo one; echo two; } >p &
while read -r l; do echo "read $l"; done <p
wait
# This shell catches SIGCHLD: a writer's exit must not undo the open of
# a reader it has already joined (it ended in EINTR once).
n=0
for i in 1 2 3 4 5 6; do echo x >p & read -r l <p && n=$((n + 1)); wait; done
echo "$n of 6 opens"
echo "== sleep and timeout"
sleep 0
sleep 0.05; echo "sleep: $?"
timeout 5 true; echo "timeout true: $?"
timeout 5 sh -c 'exit 3'; echo "timeout exit 3: $?"
timeout 1 sleep 10; echo "timeout fired: $?"
timeout -s KILL 1 sleep 10; echo "timeout -s KILL: $?"
timeout 1 sh -c 'trap "echo caught TERM; exit 7" TERM; while :; do :; done'; echo "trapped: $?"
timeout 1 cat p; echo "blocked open: $?"
