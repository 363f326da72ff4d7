#!/bin/bash
# fs/semantics: the same script of renames, links, symlinks, chmod,
# chown, utimes, truncates and their misuses on a host tmpfs and on the
# mount must print the same lines (errno names included).
. "$(dirname "$0")/lib.sh"

HOST=$T/host
mkdir "$HOST"
mount -t tmpfs tmpfs "$HOST" || fail "cannot mount a host tmpfs"
"$PY" "$(dirname "$0")/semantics.py" "$HOST" > "$T/host.out" 2>&1
umount "$HOST"
fs_mkfs 64M
fs_mount
"$PY" "$(dirname "$0")/semantics.py" "$MNT" > "$T/mount.out" 2>&1
diff -u "$T/host.out" "$T/mount.out" || fail "semantics differ from Linux (- host tmpfs, + biscotti)"
fs_umount
fs_fsck_clean
echo "PASS: $(wc -l < "$T/host.out") steps behave as on Linux"
