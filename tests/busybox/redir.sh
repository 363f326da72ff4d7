# Redirections: > >> < 2>&1, here-documents, <>, descriptors 3-9,
# exec redirections, closed descriptors and noclobber.
umask 022
d=$(mktemp -d /tmp/bb-redir.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== > >> <"
echo one >f
echo two >>f
cat f
wc -l <f
cat <f | wc -c
>empty
wc -c <empty
echo "== 2>&1 and order"
{ echo out; echo err >&2; echo out2; } >o 2>&1
cat o
{ echo out; echo err >&2; } 2>&1 >/dev/null | sed 's/^/piped: /'
ls nonexistent 2>e; echo "ls status: $?"
cat e
echo "== here-documents"
x=value
cat <<EOF2
x=$x sub=$(echo sub) arith=$((2 + 3)) literal=\$x
EOF2
cat <<'EOF2'
quoted: $x $(echo no) `echo no`
EOF2
cat <<-EOF2
	leading tabs stripped: $x
	EOF2
while read -r a b; do echo "[$a|$b]"; done <<EOF2
first line
second  line  here
EOF2
cat 3<<EOF2 <&3
on fd 3
EOF2
echo "== <>"
echo abcdef >g
exec 5<>g
printf XY >&5
exec 5>&-
cat g
printf 'hello world\n' >rw
exec 4<>rw
read -r w <&4
echo "read: $w"
echo appended >&4
exec 4>&-
cat rw
echo "== descriptors 3-9"
exec 3>three
echo "to three" >&3
echo "again" >&3
exec 3>&-
cat three
exec 9<f
read -r l1 <&9
read -r l2 <&9
exec 9<&-
echo "fd9: $l1 $l2"
exec 7>seven 8>eight
echo seven >&7
echo eight >&8
exec 7>&- 8>&-
cat seven eight
echo "== exec redirection of stdout"
exec 6>&1
exec >redirected
echo "inside"
ls nothing-here 2>&1
exec 1>&6 6>&-
echo "restored"
cat redirected
echo "== closed descriptors"
echo x >&- 2>/dev/null
echo "echo to closed stdout: $?"
cat <&- 2>/dev/null
echo "cat from closed stdin: $?"
echo "== noclobber"
set -C
echo new 2>/dev/null >f || echo "refused to clobber"
echo forced >|f
set +C
cat f
echo "== loops and redirections"
for i in 1 2 3; do echo "line $i"; done >loop
while read -r l; do echo "got $l"; done <loop
echo "== redirection errors"
echo x >nodir/file
echo "status: $?"
cat <missing
echo "status: $?"
