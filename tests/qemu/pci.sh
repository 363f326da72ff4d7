#!/bin/sh
# ACPI, I/O APIC, PCI and MSI self-tests (platform/x86_64/selftest_pci.c)
# on one of QEMU's two PC models, with two CPUs and the devices each test
# expects.
#   pci.sh KERNEL TEST MACHINE
# TEST is acpi, pci, msi or msix; MACHINE is pc (i440fx: no MCFG, PCI
# bridges) or q35 (ECAM, PCI Express root ports).  tools/run-kernel
# drops QEMU's default NIC, so the e1000e the tests add is the only one.
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
name=$2
machine=$3
cpus=2

case "$machine" in
q35)	bridge="-device pcie-root-port,id=bridge,chassis=1 -device edu,bus=bridge" ;;
pc)	bridge="-device pci-bridge,id=bridge,chassis_nr=1 -device edu,bus=bridge,addr=1" ;;
*)	fail "unknown machine '$machine'" ;;
esac
case "$name" in
acpi)	devices="" ;;
pci)	devices="$bridge -device e1000e -device virtio-rng-pci" ;;
msi)	devices="-device edu" ;;
msix)	devices="-device e1000e" ;;
*)	fail "unknown test '$name'" ;;
esac

# $devices is split into words on purpose.
# shellcheck disable=SC2086
boot "$name-$machine" -machine "$machine" -smp "$cpus" $devices \
    -append "test=$name machine=$machine expect_cpus=$cpus panic=poweroff"
expect_line "^$name test: ok$"
expect_status $EXIT_OK
echo "PASS: $name self-test on $machine"
