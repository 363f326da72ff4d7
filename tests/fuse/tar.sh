#!/bin/bash
# fs/tar: a tar archive made on the mount extracts elsewhere to the
# same tree; a tree extracted onto the mount archives back the same.
. "$(dirname "$0")/lib.sh"

fs_mkfs 256M
fs_mount
tar -C "$REPO" -cf "$MNT/src.tar" core docs || fail "tar create on mount"
mkdir "$T/out"
tar -C "$T/out" -xf "$MNT/src.tar" || fail "tar extract from mount"
diff -r "$REPO/core" "$T/out/core" || fail "extracted core differs"
mkdir "$MNT/x"
tar -C "$MNT/x" -xf "$MNT/src.tar" || fail "tar extract onto mount"
tar -C "$MNT/x" -cf "$T/back.tar" core docs || fail "tar create from mount"
mkdir "$T/out2"
tar -C "$T/out2" -xf "$T/back.tar" || fail "extract of the re-archive"
diff -r "$REPO/docs" "$T/out2/docs" || fail "round trip differs"
sum=$(md5sum < "$MNT/src.tar")
fs_umount
fs_fsck_clean
fs_mount
[ "$(md5sum < "$MNT/src.tar")" = "$sum" ] || fail "archive changed after remount"
fs_umount
echo "PASS: tar round trips through the mount"
