# File operations: cp, cp -a, mv, ln, ln -s, rm, mkdir, rmdir, chmod,
# touch, ls -l (mode, links, size, name), stat -c, readlink, realpath.
umask 022
d=$(mktemp -d /tmp/bb-files.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

lsl() { ls -l "$@" | awk 'NR > 1 || !/^total/ { $3 = ""; $4 = ""; $6 = $7 = $8 = ""; print }' | tr -s ' '; }
echo "== create"
mkdir -p a/b/c
echo hello >a/f
printf '%s\n' $(seq 1 1000) >a/b/big
touch a/empty
lsl a | grep -v '^d'
stat -c '%a %h %s %F %n' a/f a/empty a/b/big
stat -c '%F %n' a a/b
echo "== chmod"
chmod 600 a/f; stat -c '%a %A' a/f
chmod u+x,g+r,o=r a/f; stat -c '%a %A' a/f
chmod a-r a/f; stat -c '%a' a/f
chmod -R go-rx a; stat -c '%a %n' a a/b a/b/c
chmod -R 755 a; stat -c '%a %n' a/b/c
chmod 644 a/f a/b/big a/empty
chmod 4755 a/f; stat -c '%a %A' a/f; chmod 644 a/f
echo "== touch"
touch -d @1234567890 a/f
stat -c '%Y %n' a/f
touch -r a/f a/empty
stat -c '%Y %n' a/empty
touch newfile; [ -f newfile ] && echo "touch created newfile"
echo "== cp"
cp a/f copy
cmp a/f copy && echo "same"
stat -c '%a %Y' copy | sed 's/ [0-9]*$/ mtime-not-kept/'
cp -a a/f acopy
stat -c '%a %Y %n' acopy
cp a/f a/b/
cp -r a tree
find tree | sort
cp -a a tree2
stat -c '%Y %n' tree2/f
cp a nodir 2>&1; echo "cp dir without -r: $?"
cp missing x 2>&1; echo "cp missing: $?"
echo "== ln"
ln a/f hard
stat -c '%h %n' a/f hard
echo more >>hard
cat a/f
ln -s a/f soft
ln -s nowhere dangling
lsl soft dangling
readlink soft; readlink dangling
[ -L dangling ] && echo "dangling is a link"
[ -e dangling ] || echo "dangling target missing"
cat soft
ln -s f a/rel
cat a/rel
ln a/f hard 2>&1; echo "ln existing: $?"
ln -sf a/b/big soft; readlink soft
ln -s b a/blink
ls a/blink/ | sort
stat -L -c '%F' a/blink; stat -c '%F' a/blink
echo "== mv"
mv copy moved
[ -e copy ] || echo "copy is gone"
cat moved
mv moved a/b/c/
ls a/b/c
mv a/b/c a/c2
find a | sort
echo x >target
echo y >source
mv source target
cat target
mv nothere x 2>&1; echo "mv missing: $?"
mv a/f a/f 2>&1; echo "mv onto itself: $?"
echo "== rm rmdir mkdir"
rmdir a 2>&1; echo "rmdir non-empty: $?"
mkdir a 2>&1; echo "mkdir existing: $?"
mkdir x/y/z 2>&1; echo "mkdir no parent: $?"
rm -r tree
[ -e tree ] || echo "tree removed"
rm hard
stat -c '%h' a/f
rm nothere 2>&1; echo "rm missing: $?"
rm -f nothere; echo "rm -f missing: $?"
rm a 2>&1; echo "rm dir: $?"
mkdir -p e1/e2 && rmdir -p e1/e2 && [ ! -e e1 ] && echo "rmdir -p"
echo "== ls"
mkdir lsdir
cd lsdir
touch c B a .dot
mkdir sub
ls
ls -a | tr '\n' ' '; echo
ls -1 -r
ls -d sub
ls -F | tr '\n' ' '; echo
cd ..
ls nothere 2>&1; echo "ls missing: $?"
