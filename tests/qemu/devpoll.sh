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

user="$(dirname "$KERNEL")/user"
[ -f "$user/devpoll" ] ||
    fail "no user program at $user/devpoll (musl-gcc missing?)"
command -v cpio >/dev/null || fail "cpio is not installed"

root="$WORK/root"
mkdir -p "$root/sbin"
cp "$user/devpoll" "$root/sbin/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio" ||
    fail "cpio failed"

boot devpoll -initrd "$WORK/initramfs.cpio" \
    -append "test=user panic=poweroff" "$@"
expect_line "^devpoll: ok$"
expect_status $EXIT_OK
echo "PASS: devpoll"
