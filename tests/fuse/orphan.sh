#!/bin/bash
# fs/orphan: a crash (SIGKILL of the daemon) while an unlinked file is
# still open leaves an orphan: fsck without --repair replays the journal
# and calls that no error, the next mount frees it, and then fsck finds
# no orphan and the rest of the data intact.
. "$(dirname "$0")/lib.sh"

fs_mkfs 64M
fs_mount
head -c 300000 /dev/urandom > "$T/keep"
cp "$T/keep" "$MNT/keep"
exec 3<>"$MNT/victim"
head -c 200000 /dev/urandom >&3
rm "$MNT/victim"
# fsync commits the journal, the victim's move to the orphan list too.
"$PY" -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)' "$MNT/keep" ||
	fail "fsync"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=
exec 3>&-
fusermount3 -uz "$MNT"
out=$("$BISCOTTI" fsck "$IMG" 2>&1) || fail "fsck after the crash exited $?:
$out"
echo "$out" | grep -q "1 orphan inodes" || fail "fsck saw no orphan:
$out"
fs_mount
cmp "$T/keep" "$MNT/keep" || fail "fsync'd file lost in the crash"
[ ! -e "$MNT/victim" ] || fail "the unlinked file came back"
fs_umount
out=$("$BISCOTTI" fsck "$IMG" 2>&1) || fail "fsck after the mount exited $?:
$out"
echo "$out" | grep -q orphan && fail "the mount left the orphan:
$out"
echo "PASS: the orphan of a crash is no error and the mount frees it"
