# Functions, loops and case: recursion, local, positional parameters,
# break/continue with levels, until, nested loops, patterns.
umask 022
d=$(mktemp -d /tmp/bb-funcs.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== functions"
fact() { if [ "$1" -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
echo "10! = $(fact 10)"
fib() { local n=$1; if [ $n -lt 2 ]; then echo $n; return; fi; echo $(( $(fib $((n - 1))) + $(fib $((n - 2))) )); }
echo "fib 12 = $(fib 12)"
args() { echo "$# args: $*"; for a; do echo "<$a>"; done; }
args a "b c" '' d
set -- x y z
args "$@"
shift
echo "after shift: $*"
scope() { local v=local; w=global; echo "in: $v"; }
v=outer
scope
echo "out: $v $w"
count=0
inc() { count=$((count + 1)); }
for i in 1 2 3 4 5; do inc; done
echo "count=$count"
echo "== loops"
for i in 1 2 3; do
	for j in a b c; do
		[ $j = b ] && continue
		[ $i = 3 ] && break 2
		echo "$i$j"
	done
done
i=0
until [ $i -ge 4 ]; do i=$((i + 1)); printf '%s ' $i; done; echo
i=0
while :; do i=$((i + 1)); [ $i -eq 3 ] && continue; [ $i -gt 5 ] && break; printf '%s ' $i; done; echo
for f in $(seq 1 4); do printf '%s,' "$f"; done; echo
s=0
i=0
while [ $i -lt 1000 ]; do s=$((s + i)); i=$((i + 1)); done
echo "sum=$s"
echo "== case"
for w in apple banana cherry 42 -x "" "a b" A.txt x.tar.gz; do
	case $w in
	a*) r=starts-with-a ;;
	*an*) r=contains-an ;;
	[0-9]*) r=number ;;
	-?) r=option ;;
	"") r=empty ;;
	*" "*) r=space ;;
	*.txt|*.TXT) r=text ;;
	*.tar.*) r=tarball ;;
	*) r=other ;;
	esac
	echo "'$w' $r"
done
echo "== globs"
touch b.txt a.txt c.log .hidden
echo *.txt
echo *
echo .h*
echo nomatch*
echo [ab]*
