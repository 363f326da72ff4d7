#!/bin/sh
# The console tty from user mode: tests/user's ttyinit is /sbin/init in
# an initramfs; it asks for a canonical line (typed here with an erase
# in it, ended by CR: ICRNL makes it NL), then for single raw bytes.
#   tty.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

init_cpio ttyinit
boot_typing tty "$@" -initrd "$WORK/initramfs.cpio" \
    -append "test=user panic=poweroff"
wait_for '^tty test: type a line$'
printf 'hellx\177o tty\r' >&3
wait_for '^tty test: raw$'
printf 'ab\r' >&3
typing_done

expect_line '^tty test: line "hello tty"$'
expect_line '^tty test: byte 97$'
expect_line '^tty test: byte 98$'
expect_line '^tty test: byte 13$'
expect_line '^tty test: ok$'
expect_status $EXIT_OK
echo "PASS: tty $*"
