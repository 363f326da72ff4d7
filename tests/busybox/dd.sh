# dd: bs, count, skip, seek, conv=notrunc, iflag=fullblock, files that
# grow sparse, and its record counts.
umask 022
d=$(mktemp -d /tmp/bb-dd.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

# dd's last stderr line carries a time and a rate: keep the counts only.
ddq() { dd "$@" 2>err; s=$?; grep -v copied err; return $s; }
echo "== from /dev/zero"
ddq if=/dev/zero of=z bs=1M count=4
stat -c '%s' z
md5sum <z
ddq if=/dev/zero of=z2 bs=4096 count=1024
cmp z z2 && echo "4 MiB either way"
echo "== skip seek count"
seq 1 100000 >nums
stat -c '%s' nums
ddq if=nums of=part bs=1000 skip=100 count=5
stat -c '%s' part
tail -c +100001 nums | head -c 5000 | cmp - part && echo "skip ok"
dd if=nums bs=7 skip=3 count=2 2>err | od -An -c
grep -v copied err
ddq if=nums of=copy bs=65536
cmp nums copy && echo "full copy"
echo "== seek and notrunc"
printf '0123456789' >s
printf 'AB' | ddq of=s bs=1 seek=3 conv=notrunc
cat s; echo
printf 'CD' | ddq of=s bs=1 seek=8
cat s; echo
printf 'E' | ddq of=s bs=1 seek=12 conv=notrunc
od -An -c s
ddq if=/dev/zero of=sparse bs=1 count=0 seek=1048576
stat -c '%s' sparse
printf 'end' | ddq of=sparse bs=1M seek=2 conv=notrunc
stat -c '%s' sparse
md5sum <sparse
tail -c 3 sparse; echo
cp z zz
printf 'middle' | ddq of=zz bs=1 seek=2097152 conv=notrunc
stat -c '%s' zz
cmp z zz
dd if=zz bs=1 skip=2097150 count=10 2>/dev/null | od -An -c
echo "== fullblock from a pipe"
seq 1 100000 | dd bs=4096 count=10 iflag=fullblock 2>err | wc -c
grep -v copied err
seq 1 100000 | dd bs=100000 iflag=fullblock 2>err | wc -c
grep -v copied err
echo "== errors"
ddq if=missing of=x; echo "status: $?"
ddq if=nums of=x bs=0; echo "status: $?"
