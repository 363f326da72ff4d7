# Small tools: env, test/[ ], expr, basename/dirname, od, hexdump, seq,
# yes, true/false, echo.
umask 022
d=$(mktemp -d /tmp/bb-misc.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== env"
# env -i keeps PATH: without it env would look in the C library's default
# path, where the host keeps its own programs.
env -i PATH="$PATH" A=1 B='two words' env | grep -v '^PATH=' | sort
env -i PATH="$PATH" A=1 sh -c 'echo "A=$A B=${B-unset}"'
X=exported; export X
env | grep '^X='
env -u X sh -c 'echo "X=${X-unset}"'
Y=only-for-this sh -c 'echo "Y=$Y"'
echo "Y=${Y-unset}"
env -i PATH="$PATH" Z=1 env | grep '^Z='
env -i PATH="$PATH" nosuchprogram; echo "env not found: $?"
env -i PATH="$PATH" sh -c 'exit 9'; echo "env status: $?"
echo "== test"
t() { if "$@"; then echo "true: $*"; else echo "false: $*"; fi; }
touch file; mkdir dir; ln -s file link; chmod 755 file
t [ 1 -eq 1 ]
t [ 2 -lt 1 ]
t [ -5 -le -5 ]
t [ 10 -gt 9 ]
t [ abc = abc ]
t [ abc != abc ]
t [ -z "" ]
t [ -n "" ]
t [ -f file ]
t [ -d file ]
t [ -d dir ]
t [ -e nothere ]
t [ -L link ]
t [ -x file ]
t [ -s file ]
t [ ! -s file ]
t [ a \< b ]
t [ 1 -eq 1 -a 2 -eq 3 ]
t [ 1 -eq 1 -o 2 -eq 3 ]
t test -r file
t test file -nt nothere
[ 1 -eq x ] 2>&1; echo "bad integer: $?"
[ 1 -eq 1 2>&1; echo "missing ]: $?"
echo "== expr"
expr 3 + 4
expr 10 / 3 \* 3
expr 10 % 4
expr 5 - 5; echo "zero result: $?"
expr length abcdef
expr substr abcdef 2 3
expr index abcdef d
expr abcdef : 'abc\(.*\)'
expr abcdef : '.*'
expr 2 \> 1
expr a \< b
expr 1 / 0 2>&1; echo "divide by zero: $?"
expr "" \| fallback
echo "== basename dirname"
basename /usr/lib/file.so
basename /usr/lib/file.so .so
basename /usr/lib/
basename file
basename /
dirname /usr/lib/file.so
dirname /usr/lib/
dirname file
dirname /
dirname a/b
echo "== od hexdump"
printf 'Hello, world\n\001\377' >bin
od -c bin
od -An -tx1 bin
od -An -to2 bin
od -An -td4 -N8 bin
hexdump -C bin
printf 'abc' | hexdump -C
seq 1 40 | od -An -c | tail -n 2
echo "== seq yes true false echo"
seq 5 -2 -3 | tr '\n' ' '; echo
seq -s, 1 5
seq -w 8 11 | tr '\n' ' '; echo
yes y | head -n 2
true; echo "true: $?"
false; echo "false: $?"
echo -n "no newline"; echo "|"
echo -e 'a\tb' | od -An -c
echo "a\\nb"
