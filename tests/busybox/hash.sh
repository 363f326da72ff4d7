# Checksums and comparisons over files of several MiB: md5sum, sha1sum,
# sha256sum (and -c), cmp, diff.
umask 022
d=$(mktemp -d /tmp/bb-hash.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

dd if=/dev/zero bs=1048576 count=4 2>/dev/null >zero4
seq 1 100000 >nums
dd if=/dev/zero bs=1048576 count=2 2>/dev/null | tr '\0' '\377' >ff2
echo "== sums"
md5sum zero4 nums ff2
sha1sum nums
sha256sum nums ff2
md5sum <nums
printf '' | md5sum
printf 'abc' | sha256sum
cat ff2 nums | md5sum
echo "== check"
md5sum nums ff2 >sums
md5sum -c sums
sha256sum nums >sums256
sha256sum -c sums256
echo "== cmp"
cp nums nums2
cmp nums nums2; echo "cmp same: $?"
printf 'X' | dd of=nums2 bs=1 seek=400000 conv=notrunc 2>/dev/null
cmp nums nums2; echo "cmp differ: $?"
cmp -s nums nums2; echo "cmp -s: $?"
cmp zero4 ff2; echo "cmp zero/ff: $?"
head -c 1000 nums >short
cmp nums short; echo "cmp shorter: $?"
printf 'abcd' >c1; printf 'abXd' >c2
cmp -l c1 c2; echo "cmp -l: $?"
echo "== diff"
seq 1 10 >d1
seq 1 10 | sed 's/^5$/five/; /^8$/d' >d2
echo 11 >>d2
diff d1 d2; echo "diff: $?"
diff -u d1 d2 | tail -n +3; echo "diff -u: $?"
diff d1 d1; echo "diff same: $?"
seq 1 20000 >n1
sed 's/^7777$/x/; /^12345$/d' n1 >n2
diff n1 n2; echo "bigger diff: $?"
diff -q n1 n2; echo "diff -q: $?"
mkdir -p r1/s r2/s
echo a >r1/s/f; echo a >r2/s/f
echo b >r1/only1
diff -r r1 r2; echo "diff -r: $?"
