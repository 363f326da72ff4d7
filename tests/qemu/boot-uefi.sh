#!/bin/sh
# The GRUB ISO boots on UEFI too: OVMF (QEMU's UEFI firmware) starts GRUB's
# x86_64-efi image from the CD-ROM, which loads the kernel with multiboot2
# (after leaving boot services, so the kernel starts as on BIOS).  The
# boot test must pass on two CPUs and power off cleanly.
#   boot-uefi.sh KERNEL
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
BOOT_TIMEOUT=120
cmdline="test=boot panic=poweroff"
code=/usr/share/OVMF/OVMF_CODE_4M.fd
vars=/usr/share/OVMF/OVMF_VARS_4M.fd

[ -f "$code" ] && [ -f "$vars" ] ||
    fail "no OVMF firmware at $code (tools/deps installs ovmf)"
[ -d /usr/lib/grub/x86_64-efi ] ||
    fail "no GRUB for UEFI (tools/deps installs grub-efi-amd64-bin)"
"$TESTS_QEMU/../../tools/mkiso" "$KERNEL" "$WORK/biscotti.iso" "$cmdline" ||
    fail "tools/mkiso failed"
cp "$vars" "$WORK/vars.fd"
KERNEL=$WORK/biscotti.iso
boot uefi -machine q35 -smp 2 \
    -drive "if=pflash,format=raw,readonly=on,file=$code" \
    -drive "if=pflash,format=raw,file=$WORK/vars.fd"
expect_line "^boot: multiboot2 from GRUB.*, command line \"$cmdline\"\$"
expect_line '^biscotti 0\.1\.0: 2 CPUs, [0-9]+ MiB of memory managed$'
expect_line '^cpu 1: online'
expect_line '^boot test: ok$'
expect_status $EXIT_OK
echo "PASS: UEFI boot from the GRUB ISO"
