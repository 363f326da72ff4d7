#!/bin/bash
# fs/mkfs_from: mkfs --from a host tree (files, holes, hard links,
# symlinks, a FIFO, modes, owners, nanosecond times); the mount shows
# the same tree.  The mount runs as a daemon here (no -f).
. "$(dirname "$0")/lib.sh"

S=$T/src
mkdir -p "$S/a/b/c" "$S/empty"
cp -a "$REPO/docs" "$S/docs"
echo hello > "$S/a/file"
ln "$S/a/file" "$S/a/b/hardlink"
ln -s ../file "$S/a/b/rel"
ln -s /nonexistent/target "$S/dangling"
mkfifo -m 0640 "$S/fifo"
truncate -s 10M "$S/sparse"
printf end >> "$S/sparse"
head -c 100000 /dev/urandom > "$S/a/b/c/random"
chmod 0751 "$S/a/b"
chmod 4755 "$S/a/file"
chown 1234:5678 "$S/a/b/c/random"
chown -h 42:43 "$S/a/b/rel"
touch -d '2001-02-03 04:05:06.123456789' "$S/a/b/c/random"
touch -h -d '1999-12-31 23:59:59.5' "$S/a/b/rel"
touch -d '2010-01-01 00:00:00.000000001' "$S/a/b/c" "$S/empty"

fs_mkfs 128M --from "$S"
list() {
	# (a directory's size is the file system's own business)
	(cd "$1" && find . \( -type d -printf '%p d %m %U %G %n - %T@\n' \) \
	    -o -printf '%p %y %m %U %G %n %s %T@ %l\n' | sort)
}
"$BISCOTTI" mount "$IMG" "$MNT" > "$T/mount.out" 2>&1 ||
	fail "mount (daemon) failed: $(cat "$T/mount.out")"
mountpoint -q "$MNT" || fail "daemon returned before the mount was ready"
# The daemon is the process holding our (uniquely named) image open.
DPID=$(for p in /proc/[0-9]*; do
	ls -l "$p/fd" 2>/dev/null | grep -q " $IMG\$" && basename "$p"
done | head -1)
[ -n "$DPID" ] || fail "no process holds $IMG"
diff -r --no-dereference -x fifo "$S" "$MNT" || fail "contents differ"
diff <(list "$S") <(list "$MNT") || fail "types, modes, owners, links, sizes or times differ"
[ "$(stat -c %i "$MNT/a/file")" = "$(stat -c %i "$MNT/a/b/hardlink")" ] ||
	fail "hard link not kept"
[ "$(stat -c %b "$MNT/sparse")" -le 64 ] || fail "the hole was filled"
fusermount3 -u "$MNT" || fail "unmount"
for i in $(seq 1 100); do
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$DPID" 2>/dev/null && fail "daemon $DPID still running 10 s after unmount"
DPID=
fs_fsck_clean
echo "PASS: mkfs --from copies the tree exactly"
