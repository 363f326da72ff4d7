#!/bin/sh
# Running out of memory in QEMU with 64 MiB: tests/user/oomtest.c as
# init writes and fsyncs a file on a biscfs RAM disk (the ISO's second
# boot module), then a busybox shell runs a program whose child touches
# memory until none is left.  The OOM killer must end that child with
# SIGKILL (twice, one victim at a time); the shell and init survive and
# go on running commands; /proc/meminfo counts the kills; the fsync'd
# file reads back with its checksum after a remount.
#   oom.sh KERNEL BISCOTTI [extra qemu args...]
# BISCOTTI is the hosted program (build/hosted/.../biscotti), for mkfs.
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift
need_biscotti "${1:-}"
shift

# A small disk: the boot module lives in the guest's 64 MiB too.
"$BISCOTTI" mkfs "$WORK/disk.img" --size 2M \
    >"$WORK/mkfs.log" 2>&1 || { cat "$WORK/mkfs.log"; fail "biscotti mkfs"; }

user_program oomtest
mkdir -p "$WORK/root/sbin" "$WORK/root/bin"
cp "$PROG_PATH" "$WORK/root/sbin/init"
cp /bin/busybox "$WORK/root/bin/busybox"
pack_root "$WORK/root" "$WORK/initramfs.cpio"
"$TESTS_QEMU/../../tools/mkiso" "$KERNEL" "$WORK/biscotti.iso" \
    "test=user panic=poweroff" "$WORK/initramfs.cpio" "$WORK/disk.img" ||
    fail "tools/mkiso failed"
KERNEL=$WORK/biscotti.iso
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}
boot oom -m 64 "$@"
expect_line "^oomtest: /mnt/keep written"
expect_line "^oom: out of memory: killed process [0-9]+ \(init\)"
expect_line "^oomtest: the hog was killed by SIGKILL$"
expect_line "^oomtest: hog exit 0$"
expect_line "^OOMKills: +[1-9]"
expect_line "^oomtest: shell alive$"
expect_line "^oomtest: second hog exit 0$"
expect_line "^oom: ok$"
expect_status $EXIT_OK
echo "PASS: the OOM killer ended the hog in 64 MiB; shell, init and the fsync'd file survived"
