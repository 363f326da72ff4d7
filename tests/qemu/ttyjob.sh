#!/bin/sh
# Job control on the console tty from user mode: tests/user's ttyjob is
# /sbin/init in an initramfs; when it asks, ^C and ^Z are typed into the
# serial port for its foreground jobs, and a line for a job that
# SIGTTIN stopped in the background and that was then brought forward.
#   ttyjob.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

init_cpio ttyjob
boot_typing ttyjob "$@" -initrd "$WORK/initramfs.cpio" \
    -append "test=user panic=poweroff"

# The job may not be running yet when the question appears; a second
# keystroke would reach the next job, so wait a little first.
wait_for '^ttyjob: type \^C$'
sleep 1
printf '\003' >&3
wait_for '^ttyjob: type \^Z$'
sleep 1
printf '\032' >&3
wait_for '^ttyjob: type a line$'
printf 'fg ok\r' >&3

typing_done
expect_line '^(\^C)?ttyjob: sigint ok$'
expect_line '^(\^Z)?ttyjob: sigtstp ok$'
expect_line '^ttyjob: sigttin ok$'
expect_line '^ttyjob: orphaned ok$'
expect_line '^ttyjob: vtime ok$'
expect_line '^ttyjob: ok$'
expect_status $EXIT_OK
echo "PASS: ttyjob $*"
