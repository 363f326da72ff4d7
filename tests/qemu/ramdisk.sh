#!/bin/sh
# A RAM disk from the ISO's second boot module (tools/mkiso DISKIMAGE):
#   ramdisk.sh KERNEL [extra qemu args...]
#	a 2 MiB image with a known pattern (word k is k * 2654435761 ^
#	0x5eed) goes on the ISO after an initramfs whose /sbin/init is
#	tests/user/ramdisk, which reads /dev/ram0 and checks the pattern
#	("ramdisk: ok" and exit status 0 pass).
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

command -v python3 >/dev/null || fail "python3 is not installed (tools/deps)"
python3 - "$WORK/disk.img" <<'PY' || fail "making the disk image"
import struct, sys
words = 2 * 1024 * 1024 // 4
with open(sys.argv[1], "wb") as f:
    f.write(b"".join(struct.pack("<I", ((k * 2654435761) & 0xffffffff) ^ 0x5eed)
                     for k in range(words)))
PY
init_cpio ramdisk
cmdline="test=user panic=poweroff"
"$TESTS_QEMU/../../tools/mkiso" "$KERNEL" "$WORK/biscotti.iso" "$cmdline" \
    "$WORK/initramfs.cpio" "$WORK/disk.img" || fail "tools/mkiso failed"
KERNEL=$WORK/biscotti.iso
boot ramdisk "$@"
expect_line "^bootdisk: ram0, 2048 KiB from boot module 1$"
expect_line "^ramdisk: ok \\(2048 KiB\\)$"
expect_status $EXIT_OK
echo "PASS: /dev/ram0 from the ISO's second module"
