#!/bin/sh
# biscfs in QEMU: an image made on the host by `biscotti mkfs --from`,
# carried by the ISO as its second boot module (/dev/ram0), mounted by
# tests/user/biscfsmount.c, which reads the host's files, runs busybox
# from the disk, changes the tree, remounts and checks the changes.
#   biscfs.sh KERNEL BISCOTTI [extra qemu args...]
# BISCOTTI is the hosted program (build/hosted/.../biscotti).
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift
need_biscotti "${1:-}"
shift

tree=$WORK/tree
mkdir -p "$tree/data" "$tree/bin"
printf 'hello from the host\n' >"$tree/hello.txt"
chmod 0640 "$tree/hello.txt"
ln "$tree/hello.txt" "$tree/data/hard"
ln -s hello.txt "$tree/link"
cp /bin/busybox "$tree/bin/busybox"
python3 -c '
import sys
sys.stdout.buffer.write(bytes((i * 7 + i // 4096) & 255 for i in range(300 * 1024)))
' >"$tree/data/pattern" || fail "making the pattern file"
"$BISCOTTI" mkfs "$WORK/disk.img" --size 16M --from "$tree" \
    >"$WORK/mkfs.log" 2>&1 || { cat "$WORK/mkfs.log"; fail "biscotti mkfs"; }

init_cpio biscfsmount
"$TESTS_QEMU/../../tools/mkiso" "$KERNEL" "$WORK/biscotti.iso" \
    "test=user panic=poweroff" "$WORK/initramfs.cpio" "$WORK/disk.img" ||
    fail "tools/mkiso failed"
KERNEL=$WORK/biscotti.iso
boot biscfs "$@"
expect_line "^biscfs: ok$"
expect_status $EXIT_OK
echo "PASS: biscfs from the ISO's second module, mounted and changed in QEMU"
