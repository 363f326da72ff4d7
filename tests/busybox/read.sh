# read loops and printf: IFS splitting, read -r, several variables, the
# rest of the line in the last one, missing final newlines, formats.
umask 022
d=$(mktemp -d /tmp/bb-read.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== read"
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/false\n' >passwd
while IFS=: read -r name pw uid gid gecos home shell; do
	echo "$name uid=$uid home=$home shell=$shell gecos=[$gecos]"
done <passwd
printf 'a b c d e\n' | { read -r x y rest; echo "x=$x y=$y rest=$rest"; }
printf '  leading and trailing  \n' | { read -r l; echo "[$l]"; }
printf '  kept  \n' | { IFS= read -r l; echo "[$l]"; }
printf 'back\\slash\n' | { read -r l; echo "-r: $l"; }
printf 'back\\slash\n' | { read l; echo "no -r: $l"; }
printf 'no newline' | { read -r l; echo "status $? [$l]"; }
printf '' | { read -r l; echo "empty: $?"; }
n=0
while read -r line; do n=$((n + 1)); done <<EOF2
1
2
3
EOF2
echo "lines: $n"
seq 1 2000 >nums
s=0
while read -r i; do s=$((s + i)); done <nums
echo "sum: $s"
exec 3<nums
read -r a <&3
read -r b <&3
exec 3<&-
echo "a=$a b=$b"
echo "== IFS"
IFS=, read -r p q r <<EOF2
one,two,three,four
EOF2
echo "p=$p q=$q r=$r"
s="a:b::c"
IFS=:
set -- $s
IFS=' 	
'
echo "$# fields: $*"
echo "== printf"
printf '%s|%5s|%-5s|%.2s\n' abc abc abc abc
printf '%d|%5d|%-5d|%05d|%+d\n' 42 42 42 42 42
printf '%x %X %o %#x %#o\n' 255 255 8 255 8
printf '%c%c%c\n' abc def ghi
printf '%%|%b|\n' 'tab\there'
printf '%s\n' one two three
printf '%s=%s\n' a 1 b 2 c
printf 'no args: [%s]\n'
printf '%5.1f|%e|%g\n' 3.14159 1234.5 0.0001
printf '\101\102\n'
printf '%s\n' "$(printf '%03d ' 1 2 3)"
printf 'x\n' | od -An -c
