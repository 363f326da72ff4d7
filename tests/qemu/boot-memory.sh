#!/bin/sh
# The banner's memory figure follows -m: all RAM but the first MiB, the
# kernel image, firmware reservations and the page allocator's own
# bookkeeping.  4096 MiB puts RAM above 4 GiB (q35 keeps 2 GiB below the
# PCI hole), so the direct map must reach past the first GiBs.
#   boot-memory.sh KERNEL
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"

for mib in 128 1024 4096; do
	boot "mem$mib" -m "$mib" -append "test=boot panic=poweroff"
	expect_status $EXIT_OK
	got=$(banner_mib)
	[ -n "$got" ] || fail "-m $mib: no banner"
	# At least 95% of the RAM (less 4 MiB of fixed costs), never more.
	low=$((mib * 95 / 100 - 4))
	[ "$got" -ge "$low" ] && [ "$got" -le "$mib" ] ||
	    fail "-m $mib: $got MiB managed, expected $low..$mib"
	echo "ok: -m $mib manages $got MiB"
done
echo "PASS: memory sizes"
