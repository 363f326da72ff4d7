# Subshells and command substitution: nesting, scope, cd and exit inside
# them, trailing newlines, backquotes, arithmetic.
umask 022
d=$(mktemp -d /tmp/bb-subshell.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== nesting"
echo "$(echo "a$(echo "b$(echo "c$(echo d)")")")"
echo "$(echo $(echo $(echo $(echo $(echo deep)))))"
x=`echo back\`echo quoted\``
echo "$x"
echo "len=$(printf '%s' "$(seq 1 1000)" | wc -c)"
echo "== trailing newlines are stripped"
v=$(printf 'a\n\n\n')
echo "[$v]"
v=$(printf '\n\nb')
echo "[$v]" | od -c | sed 's/  */ /g'
echo "== scope"
x=outer
(x=inner; echo "inside: $x")
echo "outside: $x"
y=$(x=subst; echo "$x")
echo "y=$y x=$x"
mkdir sub
(cd sub && pwd | sed 's|.*/||')
pwd | sed 's|.*/bb-subshell\..*|at top|'
(set -- a b c; echo "args in subshell: $#")
echo "args outside: $#"
echo "== exit in subshells"
(exit 5)
echo "status: $?"
(echo before; exit 6; echo after)
echo "status: $?"
v=$(echo out; exit 7)
echo "v=$v status: $?"
(
	(
		(exit 8)
		echo "inner: $?"
		exit 9
	)
	echo "middle: $?"
)
echo "== arithmetic"
echo $((1 + 2 * 3)) $(( (1 + 2) * 3 )) $((7 / 2)) $((7 % 3)) $((-7 / 2))
echo $((1 << 10)) $((0xff)) $((010)) $((3 > 2)) $((3 == 2 || 1))
i=5
echo $((i += 2)) $((i++)) $i $((--i))
echo $(( $(echo 6) * $(echo 7) ))
echo "== subshell output into a file and a pipe"
( echo one; echo two ) >f
( cat f; echo three ) | wc -l
{ echo grouped; echo lines; } | tr a-z A-Z
echo "== many substitutions"
n=0
for i in $(seq 1 60); do n=$(( n + $(echo "$i") )); done
echo "n=$n"
