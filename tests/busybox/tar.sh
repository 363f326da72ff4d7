# tar (cf/tf/xf, czf/tzf/xzf), gzip, gunzip, zcat, bzip2 over a tree with
# files of several MiB; listings are sorted (tar stores directory order).
umask 022
d=$(mktemp -d /tmp/bb-tar.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

mkdir -p src/sub/deeper
seq 1 60000 >src/nums
dd if=/dev/zero bs=65536 count=8 2>/dev/null | tr '\0' z >src/sub/zeds
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "line %d of text %x\n", i, i * 7919 }' >src/sub/deeper/text
echo small >src/small
ln -s small src/link
chmod 700 src/sub/deeper
touch -d @1500000000 src/small
( cd src && md5sum nums sub/zeds sub/deeper/text small ) >sums
wc -c src/nums src/sub/zeds | awk '{ print $1 }'
echo "== tar cf tf xf"
tar cf a.tar src
tar tf a.tar | sort
tar tvf a.tar | awk '{ print $1, $3, $NF }' | sort -k3
mkdir out
tar xf a.tar -C out
diff -r src out/src && echo "tree identical"
( cd out/src && md5sum -c ../../sums )
stat -c '%a %n' out/src/sub/deeper
stat -c '%Y %n' out/src/small
readlink out/src/link
echo "== tar czf tzf xzf"
tar czf a.tgz src
tar tzf a.tgz | sort | tail -n 3
mkdir outz
tar xzf a.tgz -C outz
diff -r src outz/src && echo "tgz tree identical"
gunzip -c a.tgz | tar tf - | wc -l
cd src && tar cf - sub | (cd ../out && mkdir piped && cd piped && tar xf -); cd ..
diff -r src/sub out/piped/sub && echo "piped tar identical"
tar xf a.tar -C out src/small
tar tf missing.tar 2>&1; echo "missing archive: $?"
echo "== gzip gunzip zcat"
cp src/nums n
gzip n
[ -e n ] || echo "gzip removed n"
ls n.gz
gzip -t n.gz && echo "n.gz tests ok"
zcat n.gz | md5sum
gunzip n.gz
md5sum <n
gzip -c n | gunzip -c | cmp - n && echo "round trip"
printf 'not gzip data\n' >bad.gz
gunzip -c bad.gz 2>&1; echo "bad gzip: $?"
echo "== bzip2"
bzip2 -c src/sub/deeper/text >t.bz2
bzcat t.bz2 | md5sum
bunzip2 -c t.bz2 | cmp - src/sub/deeper/text && echo "bzip2 round trip"
