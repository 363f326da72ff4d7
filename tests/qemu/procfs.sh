#!/bin/sh
# /proc, FIFOs and mknod from user mode.
#   procfs.sh KERNEL user PROGRAM [extra qemu args...]
#	tests/user/PROGRAM (procfs, fifo) as /sbin/init of a newc cpio
#	archive, so the kernel mounts devfs at /dev and the program lives
#	in the file system (for /proc/self/exe); "PROGRAM: ok" and exit
#	status 0 (QEMU exit code 1) pass.
#   procfs.sh KERNEL busybox NCPUS
#	busybox's ps, free, df, uptime, readlink and cat of /proc files,
#	and mkfifo with a reader and a writer, through tools/run-qemu on
#	NCPUS CPUs; each must print what it prints on Linux.
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
mode=${2:-}
shift 2

user_test() {
	prog=$1
	shift
	init_cpio "$prog"
	boot "$prog" -initrd "$WORK/initramfs.cpio" \
	    -append "test=user panic=poweroff" "$@"
	expect_line "^$prog: ok$"
	expect_status $EXIT_OK
	echo "PASS: user program $prog"
}

# want REGEX WHAT: some line of the guest's output matches.
want() {
	printf '%s\n' "$out" | grep -Eq -- "$1" || {
		echo "FAIL: busybox /proc: $2 (no line matching '$1')"
		echo "---- output ----"
		printf '%s\n' "$out"
		echo "---- stderr ----"
		cat "$WORK/stderr"
		exit 1
	}
}

busybox_test() {
	ncpus=$1
	[ -x /bin/busybox ] ||
	    fail "busybox-static is not installed (tools/deps)"
	# One boot for all of it: each section names itself.
	script='echo "sh $$"; ps; echo "== free"; free; echo "== df"; df /
echo "== exe $(readlink /proc/self/exe)"
echo "== mounts"; cat /proc/mounts
echo "== uptime"; uptime
echo "== nproc $(nproc) $(grep -c ^processor /proc/cpuinfo)"
mkfifo /tmp/f && { echo through-the-fifo >/tmp/f & }
echo "== fifo $(cat /tmp/f)"; wait
echo "== tty $(cut -d" " -f7,8 /proc/self/stat)"
echo "== minflt $(cut -d" " -f10 /proc/self/stat)"
echo "== status"; cat /proc/self/status; echo "== end"'
	out=$(KERNEL=$KERNEL RUN_QEMU_TIMEOUT=$BOOT_TIMEOUT \
	    "$TESTS_QEMU/../../tools/run-qemu" --smp "$ncpus" -- \
	    sh -c "$script" 2>"$WORK/stderr") ||
	    { echo "FAIL: busybox /proc: status $?"; printf '%s\n' "$out"
	      cat "$WORK/stderr"; exit 1; }
	shpid=$(printf '%s\n' "$out" | sed -n 's/^sh \([0-9]*\)$/\1/p')
	[ -n "$shpid" ] || want '^sh [0-9]+$' "the shell's pid"
	# ps runs in a forked sh, with no exec: its cmdline is still the
	# shell's, and busybox shows the differing comm in braces, as on
	# Linux (init's too: the kernel ran /sbin/init, a script).
	want '^ *PID +USER +COMMAND$' "ps's header"
	want "^ *$shpid +[0-9a-z]+ +sh -c echo " "ps lists the sh"
	want '^ *[0-9]+ +[0-9a-z]+ +\{ps\} sh -c echo ' "ps lists itself"
	want '^ *1 +[0-9a-z]+ +\{init\} /bin/sh /sbin/init$' "ps lists init"
	want '^Mem: +[1-9][0-9]* +[0-9]+ +[1-9][0-9]*' "free's numbers"
	# The console (5:1) is the session's terminal, with a foreground
	# group: stat's tty_nr and tpgid.
	want '^== tty 1281 [1-9][0-9]*' "stat's tty_nr and tpgid"
	want '^== minflt [1-9][0-9]*$' "stat's minor faults"
	want '^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$' \
	    "df's header"
	want '^tmpfs +[1-9][0-9]* +[0-9]+ +[1-9][0-9]* +[0-9]+% +/$' \
	    "df /"
	want '^== exe /bin/busybox$' "readlink /proc/self/exe"
	want '^tmpfs / tmpfs rw 0 0$' "/ in /proc/mounts"
	want '^devtmpfs /dev devtmpfs rw 0 0$' "/dev in /proc/mounts"
	want '^proc /proc proc rw 0 0$' "/proc in /proc/mounts"
	want ' up .* load average: 0\.00, 0\.00, 0\.00$' "uptime"
	want "^== nproc $ncpus $ncpus\$" "nproc and cpuinfo"
	want '^== fifo through-the-fifo$' "mkfifo, a writer and a reader"
	want '^Name:	cat$' "cat's status"
	want "^PPid:	$shpid\$" "cat's parent in its status"
	echo "PASS: busybox /proc on $ncpus CPU(s)"
}

case $mode in
user)	user_test "$@" ;;
busybox) busybox_test "$@" ;;
*)	fail "usage: procfs.sh KERNEL user PROGRAM | busybox NCPUS" ;;
esac
