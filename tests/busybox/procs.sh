# Process churn and concurrency: many short pipelines, parallel jobs that
# each checksum their own data, deep nesting of sh -c, exec, big argument
# lists and environments through execve, memory-hungry applets.
umask 022
d=$(mktemp -d /tmp/bb-procs.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== many short processes"
i=0
while [ $i -lt 15 ]; do echo $i | cat >>seqs; i=$((i + 1)); done
wc -l <seqs
md5sum <seqs
for i in $(seq 1 8); do sh -c "exit $((i % 7))"; printf '%s' $?; done; echo
echo "== parallel jobs"
for j in 1 2 3 4; do
	( seq $j 4 20000 | sed 's/$/ x/' | md5sum >sum.$j ) &
done
wait
for j in 1 2 3 4; do
	seq $j 4 20000 | sed 's/$/ x/' | md5sum | cmp -s - sum.$j && echo "job $j ok"
done
for j in 1 2 3 4; do
	( n=0; while [ $n -lt 300 ]; do n=$((n + 1)); done; echo "$j:$n" ) &
done | sort
echo "== nesting"
sh -c 'sh -c "sh -c \"sh -c \\\"echo four deep\\\"\""'
nest() { if [ "$1" -gt 0 ]; then sh -c "$(cat nest.sh)" nest "$(($1 - 1))"; else echo "bottom"; fi; }
cat >nest.sh <<'EOF2'
if [ "$1" -gt 0 ]; then sh -c "$(cat nest.sh)" nest "$(($1 - 1))"; echo "up from $1: $?"; else echo bottom; exit 5; fi
EOF2
nest 5
[ "$(sh -c 'echo $PPID')" = "$$" ] && echo "PPID of a child is \$\$"
echo "== exec"
sh -c 'exec echo replaced; echo not reached'
sh -c 'exec sh -c "exit 6"'; echo "exec'd status: $?"
(exec >out.exec; echo "into file")
cat out.exec
sh -c 'exec 2>&1; ls nothere' | sed 's/^/via pipe: /'
echo "== big argument lists and environments"
sh -c 'echo "$# args, last $9 ... ${20000}"' x $(seq 1 20000)
big=$(seq 1 10000 | tr '\n' ' ')
export big
sh -c 'echo "${#big} bytes in the environment"'
echo "$big" | wc -c
env | grep -c '^big='
unset big
long=$(awk 'BEGIN { while (n++ < 3000) printf "abcdefghij" }')
sh -c 'printf "%s\n" "$1" | wc -c' x "$long"
echo "== memory"
awk 'BEGIN { for (i = 0; i < 30000; i++) a[i] = i * 2; s = 0; for (k in a) s += a[k]; print length(a), s }'
seq 1 20000 | sort -rn | head -n 2
awk 'BEGIN { s = ""; for (i = 0; i < 200; i++) s = s sprintf("%0100d", i); print length(s) }'
x=$(head -c 100000 /dev/zero | tr '\0' a)
echo "${#x}"
