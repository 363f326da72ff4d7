#!/bin/sh
# The kernel boots, prints the same banner as the hosted bake, passes the
# boot self-test and powers off with status 0.  (tests/qemu/matrix.sh
# boots the same test on both PC models, several CPU counts and both
# boot paths.)
#   boot-banner.sh KERNEL
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"

boot banner -append "test=boot panic=poweroff"
expect_line '^biscotti 0\.1\.0: 1 CPU, [0-9]+ MiB of memory managed$'
expect_line '^boot test: ok$'
expect_status $EXIT_OK
echo "PASS: banner, boot test, poweroff status 0"
