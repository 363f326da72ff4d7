#!/bin/sh
# Kernel code must not touch SSE/x87/MMX state (the kernel never saves
# the user's FPU registers on entry): no xmm/ymm/zmm/mm/st register
# appears in the disassembly.
#   no-sse.sh KERNEL
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"

objdump -d --no-show-raw-insn "$KERNEL" >"$WORK/dis" ||
    fail "objdump could not disassemble $KERNEL"
grep -Eq '^ *[0-9a-f]+:' "$WORK/dis" || fail "no instructions in $KERNEL"
if grep -En '%(x|y|z)mm[0-9]|%mm[0-7]|%st\b|%st\(' "$WORK/dis" >"$WORK/hits"; then
	head -n 20 "$WORK/hits"
	fail "SSE/AVX/x87/MMX registers used in the kernel"
fi
echo "PASS: no SSE/AVX/x87/MMX in $(grep -Ec '^ *[0-9a-f]+:' "$WORK/dis") instructions"
