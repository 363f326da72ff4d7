# Exit statuses and set -e: && || !, not found, not executable, exit
# values above 255, set -e where it applies and where it does not.
umask 022
d=$(mktemp -d /tmp/bb-status.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

echo "== basics"
true; echo "true: $?"
false; echo "false: $?"
! false; echo "! false: $?"
true && echo "and runs"
false && echo "not printed"
false || echo "or runs"
false || false || echo "chain: $?"
true && false || echo "and-or: $?"
echo "== not found, not executable"
nosuchcommand 2>err
echo "not found: $?"
cat err
printf 'echo hi\n' >script
chmod 644 script
./script 2>err
echo "not executable: $?"
cat err
chmod 755 script
./script
echo "executable: $?"
# /bin/busybox, not /bin/sh: the host's /bin/sh is not busybox.
printf '#!/bin/busybox sh\nexit 12\n' >hb
chmod +x hb
./hb
echo "#! script: $?"
echo "== exit values"
sh -c 'exit 255'; echo "255: $?"
sh -c 'exit 256'; echo "256: $?"
sh -c 'exit 300'; echo "300: $?"
sh -c 'false'; echo "sh -c false: $?"
x=$(exit 5); echo "assignment: $?"
echo "== set -e"
sh -c 'set -e; false; echo not reached'; echo "set -e false: $?"
sh -c 'set -e; if false; then :; fi; echo "if is exempt"'
sh -c 'set -e; false || true; echo "|| is exempt"'
sh -c 'set -e; false && true; echo "&& is exempt"'
sh -c 'set -e; ! true; echo "! is exempt"'
sh -c 'set -e; false | true; echo "pipeline status is the last"'
sh -c 'set -e; while false; do :; done; echo "while condition is exempt"'
sh -c 'set -e; (false); echo not reached'; echo "subshell: $?"
sh -c 'set -e; f() { false; echo "in f"; }; f; echo not reached'; echo "function: $?"
sh -c 'set -e; x=$(false); echo not reached'; echo "assignment: $?"
sh -c 'set -e; trap "echo trap \$?" EXIT; sh -c "exit 4"'; echo "trap: $?"
echo "== functions and return"
f() { return 3; }
f; echo "return 3: $?"
g() { false; }
g; echo "last command: $?"
h() { (exit 11); return; }
h; echo "bare return: $?"
echo "== case and loops leave statuses"
case x in y) ;; esac; echo "no match: $?"
for i in; do :; done; echo "empty for: $?"
while false; do :; done; echo "while: $?"
if false; then :; fi; echo "if: $?"
