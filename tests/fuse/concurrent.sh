#!/bin/bash
# fs/concurrent: several processes at once, each writing its own file,
# all writing their own slices of one shared file and appending lines
# to one log; then every byte is checked, before and after a remount.
. "$(dirname "$0")/lib.sh"

W=6
fs_mkfs 256M
fs_mount
for i in $(seq 1 $W); do
	head -c $((3 << 20)) /dev/urandom > "$T/src$i" || fail "source"
done
truncate -s $((W << 20)) "$MNT/shared"
pids=
for i in $(seq 1 $W); do
	(
		cp "$T/src$i" "$MNT/own$i" &&
		dd if="$T/src$i" of="$MNT/shared" bs=1M count=1 \
		    seek=$((i - 1)) conv=notrunc status=none &&
		for n in $(seq 1 200); do echo "w$i $n"; done >> "$MNT/log" &&
		mkdir -p "$MNT/dir$i/a/b" && cp "$T/src$i" "$MNT/dir$i/a/b/f"
	) &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || fail "writer $p failed"
done
check() {
	for i in $(seq 1 $W); do
		cmp "$T/src$i" "$MNT/own$i" || fail "own$i $1"
		cmp "$T/src$i" "$MNT/dir$i/a/b/f" || fail "dir$i/a/b/f $1"
		cmp <(head -c 1M "$T/src$i") \
		    <(dd if="$MNT/shared" bs=1M count=1 skip=$((i - 1)) status=none) ||
			fail "slice $i of shared $1"
		[ "$(grep -c "^w$i " "$MNT/log")" -eq 200 ] ||
			fail "log lines of writer $i $1"
	done
	[ "$(wc -l < "$MNT/log")" -eq $((W * 200)) ] || fail "log length $1"
}
check "after writing"
fs_umount
fs_fsck_clean
fs_mount
check "after remount"
fs_umount
echo "PASS: $W concurrent writers"
