# Pipelines: short and long ones, big data through pipes, readers that
# close early (the writers die of SIGPIPE), and pipeline exit statuses.
umask 022
d=$(mktemp -d /tmp/bb-pipes.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== short"
echo hello | tr a-z A-Z
printf 'a\nb\nc\n' | wc -l
echo "== long"
seq 1 2000 | grep 7 | sed 's/7/seven/' | tr -d 0 | sort | uniq |
    awk 'length($0) > 6' | head -n 40 | wc -l
seq 1 100 | cat | cat | cat | cat | cat | cat | cat | cat | tail -n 1
seq 1 500 | sed 's/$/ x/' | awk '{ s += $1 } END { print s, NR }'
echo "== big data"
dd if=/dev/zero bs=4096 count=1024 2>/dev/null | tr '\0' x | wc -c
seq 1 100000 >nums
cat nums | cat | cat | md5sum
echo "== readers that close early"
yes | head -n 3
yes abc | head -c 10; echo
seq 1 1000000 | head -n 2
seq 1 1000000 | sed -n '5p;6q'
cat nums nums nums nums | head -c 100 | wc -c
(yes; echo "yes ended: $?" >&2) | head -n 1
(trap '' PIPE; yes 2>/dev/null; echo "ignoring SIGPIPE, yes ended: $?" >&2) |
    head -n 1
echo "== statuses"
false | true; echo "false|true: $?"
true | false; echo "true|false: $?"
! true | false; echo "! true|false: $?"
yes | head -n 1 >/dev/null; echo "yes|head: $?"
set -o pipefail
yes | head -n 1 >/dev/null; echo "pipefail yes|head: $?"
seq 1 100000 | head -n 1 >/dev/null; echo "pipefail seq|head: $?"
(exit 3) | (exit 4) | true; echo "pipefail 3|4|0: $?"
set +o pipefail
echo "== pipe into a loop runs in a subshell"
n=0
seq 1 5 | while read -r i; do n=$((n + i)); echo "n=$n"; done
echo "after loop: n=$n"
