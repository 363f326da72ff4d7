#!/bin/sh
# An interactive busybox session on the serial console, as `make run`
# gives one (tools/mkinitramfs without a command: init runs `sh -i`;
# booted here through -kernel and -initrd with the ISO's command line),
# typed into the serial port through a FIFO, with job control:
#   - `sleep 100`, ^C: back at a prompt, $? is 130;
#   - `cat`, ^Z: stopped; `jobs` lists it; `fg` resumes it; a typed line
#     comes back from cat; ^D ends it with status 0;
#   - `stty -a` shows rows and columns; `stty rows 40 cols 100; stty
#     size` prints "40 100";
#   - `cat &` reads the tty from the background: SIGTTIN stops it;
#   - `exit 3` ends init, and the machine powers off with status 3.
#   jobctl.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift
[ -x /bin/busybox ] || fail "busybox-static is not installed (tools/deps)"

"$TESTS_QEMU/../../tools/mkinitramfs" "$WORK/initramfs.cpio" ||
    fail "mkinitramfs failed"
LOG="$WORK/jobctl.log"
: >"$LOG"
mkfifo "$WORK/input"
# Hold the FIFO open for writing so QEMU never sees end of input.
exec 3<>"$WORK/input"
timeout 180 "$RUN_KERNEL" "$KERNEL" "$@" -initrd "$WORK/initramfs.cpio" \
    -append "test=user" <"$WORK/input" >"$LOG" 2>&1 &
qemu=$!

# The log from byte $mark on, without CRs.
since_mark() {
	tail -c "+$((mark + 1))" "$LOG" | tr -d '\r'
}

# type TEXT: send it (printf format) and remember where the log was.
type_in() {
	mark=$(wc -c <"$LOG")
	# shellcheck disable=SC2059
	printf "$1" >&3
}

# wait_for REGEX [COUNT]: until COUNT (1) lines since the mark match.
wait_for() {
	waited=0
	until [ "$(since_mark | grep -acE -- "$1")" -ge "${2:-1}" ]; do
		if [ "$waited" -ge "$((BOOT_TIMEOUT * 10))" ] ||
		    ! kill -0 "$qemu" 2>/dev/null; then
			kill "$qemu" 2>/dev/null
			wait "$qemu"
			echo "---- since the last input ----"
			since_mark
			fail "no '$1' from the shell"
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

PROMPT='/root # '

mark=0
wait_for "$PROMPT"

# The foreground job gets SIGINT.  The pause lets sleep take the
# foreground first (a ^C before that goes to the shell instead).
type_in 'echo go; sleep 100\r'
wait_for '^go$'
sleep 2
type_in '\003'
wait_for "$PROMPT"
type_in 'echo rc=$?\r'
wait_for '^rc=130$'

# ^Z stops cat; jobs and fg; a line through cat; ^D ends it.
type_in 'cat\r'
wait_for 'cat$'
sleep 2
type_in '\032'
wait_for 'Stopped +cat$'
type_in 'jobs\r'
wait_for '^\[1\]\+ +Stopped +cat$'
type_in 'fg\r'
wait_for '^cat$'
sleep 1
type_in 'hello cat\r'
wait_for '^hello cat$' 2
type_in '\004'
wait_for "$PROMPT"
type_in 'echo rc=$?\r'
wait_for '^rc=0$'

# The window size, as stty sees it and sets it.
type_in 'stty -a\r'
wait_for 'rows 24; columns 80;'
type_in 'stty rows 40 cols 100; stty size\r'
wait_for '^40 100$'

# A background reader is stopped by SIGTTIN (jobs may need a moment).
type_in 'cat &\r'
wait_for "$PROMPT"
tries=0
until since_mark | grep -aqE 'Stopped \(tty input\) +cat$'; do
	tries=$((tries + 1))
	[ "$tries" -le 10 ] || fail "the background cat never stopped"
	sleep 1
	type_in 'jobs\r'
	wait_for "$PROMPT"
done

# Leave: kill the job, exit the shell, and init powers off with it.  A
# second exit if ash still knew of the stopped job ("You have stopped
# jobs.").
type_in 'kill -9 %%1\r'
wait_for "$PROMPT"
type_in 'exit 3\r'
waited=0
while kill -0 "$qemu" 2>/dev/null; do
	waited=$((waited + 1))
	[ "$waited" -eq 50 ] && printf 'exit 3\r' >&3
	[ "$waited" -le 300 ] || break
	sleep 0.1
done
STATUS=0
wait "$qemu" || STATUS=$?
exec 3>&-
expect_status 7
echo "PASS: jobctl $*"
