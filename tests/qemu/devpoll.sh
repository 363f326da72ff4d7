#!/bin/sh
# poll, select and the devfs devices from user mode (tests/user/devpoll.c):
# a newc cpio archive holding devpoll as /sbin/init is the initrd, so the
# kernel mounts devfs at /dev before init runs; "devpoll: ok" and exit
# status 0 (QEMU exit code 1) pass.
#   devpoll.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

init_cpio devpoll
boot devpoll -initrd "$WORK/initramfs.cpio" \
    -append "test=user panic=poweroff" "$@"
expect_line "^devpoll: ok$"
expect_status $EXIT_OK
echo "PASS: devpoll"
