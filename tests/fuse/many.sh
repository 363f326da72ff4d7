#!/bin/bash
# fs/many: 10,000 files in one directory: create, count, look up,
# survive fsck and a remount, remove.
. "$(dirname "$0")/lib.sh"

N=10000
fs_mkfs 256M
fs_mount
mkdir "$MNT/d"
(cd "$MNT/d" && seq -f "file-%05g" 1 $N | xargs touch) || fail "create"
[ "$(ls "$MNT/d" | wc -l)" -eq $N ] || fail "ls counts $(ls "$MNT/d" | wc -l), not $N"
[ "$(ls "$MNT/d" | sort | uniq | wc -l)" -eq $N ] || fail "duplicate names in listing"
[ -e "$MNT/d/file-04321" ] || fail "lookup of file-04321"
echo x > "$MNT/d/file-09999" || fail "write into one"
fs_umount
fs_fsck_clean
fs_mount
[ "$(ls "$MNT/d" | wc -l)" -eq $N ] || fail "after remount: $(ls "$MNT/d" | wc -l) names"
[ "$(cat "$MNT/d/file-09999")" = x ] || fail "content after remount"
(cd "$MNT/d" && ls | xargs rm) || fail "remove"
[ "$(ls -A "$MNT/d" | wc -l)" -eq 0 ] || fail "names left after rm"
rmdir "$MNT/d" || fail "rmdir of the emptied directory"
fs_umount
fs_fsck_clean
echo "PASS: $N files in one directory"
