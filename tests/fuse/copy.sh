#!/bin/bash
# fs/copy: cp -a of source trees onto the FUSE mount, diff -r against
# them; unmount, fsck clean, mount again and compare once more.
. "$(dirname "$0")/lib.sh"

fs_mkfs 256M
fs_mount
cp -a "$REPO/core" "$REPO/docs" "$MNT/" || fail "cp -a"
diff -r "$REPO/core" "$MNT/core" || fail "core differs after cp -a"
diff -r "$REPO/docs" "$MNT/docs" || fail "docs differ after cp -a"
# cp -a kept modes and times: compare what find says of both trees.
list() { (cd "$1" && find . -printf '%p %y %m %T@\n' | sort); }
[ "$(list "$REPO/core")" = "$(list "$MNT/core")" ] ||
	fail "modes, sizes or mtimes differ"
fs_umount
fs_fsck_clean
fs_mount
diff -r "$REPO/core" "$MNT/core" || fail "core differs after remount"
diff -r "$REPO/docs" "$MNT/docs" || fail "docs differ after remount"
# SIGTERM unmounts too: inside the kernel first (synced), then FUSE.
echo last > "$MNT/last"
kill -TERM "$DPID"
wait "$DPID" || fail "the daemon exited $? on SIGTERM: $(cat "$DLOG")"
DPID=
mountpoint -q "$MNT" && fail "still mounted after SIGTERM"
fs_fsck_clean
fs_mount
[ "$(cat "$MNT/last")" = last ] || fail "a write before SIGTERM was lost"
fs_umount
echo "PASS: cp -a and diff -r, persisted across fsck, remount and SIGTERM"
