#!/bin/bash
# fs/sparse: a 1 GiB sparse file: truncate -s 1G, write at the end;
# its size is 1 GiB, it holds a few blocks, it reads back as zeroes and
# the tail.
. "$(dirname "$0")/lib.sh"

G=$((1 << 30))
fs_mkfs 64M
fs_mount
F=$MNT/sparse
truncate -s 1G "$F" || fail "truncate -s 1G"
printf 'tail' | dd of="$F" bs=1 seek=$((G - 4)) conv=notrunc status=none || fail "write at the end"
[ "$(stat -c %s "$F")" -eq $G ] || fail "size $(stat -c %s "$F")"
blocks=$(stat -c %b "$F")
[ "$blocks" -le 64 ] || fail "$blocks 512-byte blocks held by a file with 4 bytes"
[ "$(tail -c 4 "$F")" = tail ] || fail "tail reads $(tail -c 4 "$F" | od -c)"
cmp -n $((G - 4)) "$F" /dev/zero || fail "the hole does not read as zeroes"
df_before=$(stat -f -c %a "$MNT")
fs_umount
fs_fsck_clean
fs_mount
[ "$(stat -c %s "$F")" -eq $G ] || fail "size after remount"
[ "$(tail -c 4 "$F")" = tail ] || fail "tail after remount"
rm "$F"
[ "$(stat -f -c %a "$MNT")" -ge "$df_before" ] || fail "space not given back"
fs_umount
fs_fsck_clean
echo "PASS: 1 GiB sparse file with $blocks blocks"
