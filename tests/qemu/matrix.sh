#!/bin/sh
# One cell of the boot matrix: {pc, q35} x {1, 2, 4 CPUs} x {the -kernel
# fast path (PVH), the GRUB ISO (multiboot2 from a CD-ROM)}.
#   matrix.sh KERNEL MACHINE NCPUS kernel|iso
#
# The kernel boots with test=boot; the log must show the loader path
# taken, the banner with the right CPU count, every CPU online
# ("cpu K: online" for each K < NCPUS), the boot test passing and a
# clean power-off.  The ISO is made for the run (tools/mkiso) with the
# command line baked into its grub.cfg.  TCG with 4 CPUs on a small host
# is slow, hence the long time limit.
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
machine=$2
ncpus=$3
path=$4
BOOT_TIMEOUT=120
cmdline="test=boot panic=poweroff"

case $path in
kernel)
	boot "$machine-$ncpus-kernel" -machine "$machine" -smp "$ncpus" \
	    -append "$cmdline"
	expect_line "^boot: PVH, command line \"$cmdline\"\$"
	;;
iso)
	"$TESTS_QEMU/../../tools/mkiso" "$KERNEL" "$WORK/biscotti.iso" \
	    "$cmdline" || fail "tools/mkiso failed"
	KERNEL=$WORK/biscotti.iso
	boot "$machine-$ncpus-iso" -machine "$machine" -smp "$ncpus"
	expect_line "^boot: multiboot2 from GRUB.*, command line \"$cmdline\"\$"
	;;
*)
	echo "usage: $0 KERNEL MACHINE NCPUS kernel|iso" >&2
	exit 2
	;;
esac

if [ "$ncpus" -eq 1 ]; then
	cpus="1 CPU"
else
	cpus="$ncpus CPUs"
fi
expect_line "^biscotti 0\\.1\\.0: $cpus, [0-9]+ MiB of memory managed\$"
k=0
while [ "$k" -lt "$ncpus" ]; do
	expect_line "^cpu $k: online"
	k=$((k + 1))
done
expect_line '^boot test: ok$'
expect_status $EXIT_OK
echo "PASS: $machine, $cpus, $path"
