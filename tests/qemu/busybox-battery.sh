#!/bin/sh
# The busybox script battery: every tests/busybox/NAME.sh runs under
# Debian's busybox-static twice, here on Linux and in QEMU on biscotti,
# and each script's output (stdout and stderr together) and exit status
# must be the same on both.  The expected side is made at test time with
# the same /bin/busybox: env -i, PATH a directory holding a symlink to it
# for every applet (so no host program is ever used), the same runner
# script and the same relative script names.  The guest runs them all in
# one boot.
#   busybox-battery.sh KERNEL NCPUS [NAME]...
# Without NAMEs every script runs.  BATTERY_VERBOSE=1 prints each side's
# time per script; BATTERY_KEEP=DIR keeps each side's outputs in DIR/linux
# and DIR/guest.
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
ncpus=${2:-1}
[ $# -ge 2 ] && shift 2 || shift $#
RUN_QEMU="$TESTS_QEMU/../../tools/run-qemu"
SCRIPTS="$TESTS_QEMU/../busybox"
[ -x /bin/busybox ] || fail "busybox-static is not installed (tools/deps)"

names=""
if [ $# -eq 0 ]; then
	for f in "$SCRIPTS"/*.sh; do
		n=${f##*/}
		names="$names ${n%.sh}"
	done
else
	names="$*"
fi

# The root added to the guest's initramfs: /battery holds the scripts and
# the runner, which the host runs from a copy of the same directory.
mkdir -p "$WORK/root/battery" "$WORK/bin"
for n in $names; do
	[ -f "$SCRIPTS/$n.sh" ] || fail "no script tests/busybox/$n.sh"
	cp "$SCRIPTS/$n.sh" "$WORK/root/battery/"
done
# Each script runs with a minimal environment and stdin from /dev/null,
# its output in a file; a marker line opens and closes it, the closing
# one with its status, the seconds it took and the file's MD5 (neither
# compared with Linux: the sum tells a script that printed something
# else from a console that lost or changed bytes on the way).
# A script has 120 seconds before timeout kills it (about ten times what
# the slowest takes under TCG on an idle host).
cat >"$WORK/root/battery/runall.sh" <<EOF
cd "\$(dirname "\$0")" || exit 1
out=\$(mktemp /tmp/bb-out.XXXXXX) || exit 1
for s in $names; do
	start=\$(date +%s)
	env -i PATH="\$PATH" timeout 120 sh "\$s.sh" </dev/null >"\$out" 2>&1
	st=\$?
	end=\$(date +%s)
	echo "@@bb begin \$s@@"
	cat "\$out"
	echo
	sum=\$(md5sum <"\$out")
	echo "@@bb end \$s \$st \$((end - start)) \${sum%% *}@@"
done
rm -f "\$out"
EOF

for a in $(/bin/busybox --list); do
	ln -s /bin/busybox "$WORK/bin/$a"
done
cp -a "$WORK/root/battery" "$WORK/host"
env -i PATH="$WORK/bin" /bin/busybox sh "$WORK/host/runall.sh" \
    >"$WORK/want" 2>&1
rm -rf "$WORK/host"

# One boot, once more when QEMU itself crashed (see lib.sh's boot).
guest() {
	status=0
	KERNEL=$KERNEL RUN_QEMU_TIMEOUT=${BATTERY_TIMEOUT:-540} "$RUN_QEMU" \
	    --smp "$ncpus" --mem 512 --add "$WORK/root" \
	    -- sh /battery/runall.sh >"$WORK/got" 2>"$WORK/stderr" || status=$?
}
guest
if [ $status -eq 125 ] && grep -Eq 'QEMU exit (134|139)\)' "$WORK/stderr"
then
	echo "note: QEMU itself crashed; booting again"
	guest
fi

# split FILE DIR: DIR/NAME.out (the output and a newline), .status, .time
# and .md5 for each script whose closing marker FILE holds.
split() {
	mkdir -p "$2"
	awk -v dir="$2" '
	/^@@bb begin [^ ]*@@$/ { name = $3; sub(/@@$/, "", name)
		f = dir "/" name ".out"; printf "" >f; next }
	/^@@bb end [^ ]* [0-9]* [0-9]* [0-9a-f]*@@$/ { m = $6; sub(/@@$/, "", m)
		print $4 >(dir "/" $3 ".status"); print $5 >(dir "/" $3 ".time")
		print m >(dir "/" $3 ".md5")
		close(f); f = ""; next }
	f != "" { print >f; next }
	{ print >(dir "/stray") }' "$1"
}
split "$WORK/want" "$WORK/w"
split "$WORK/got" "$WORK/g"

# Lines outside every script's output: kernel messages on the console.
if [ -s "$WORK/g/stray" ]; then
	echo "note: the console printed, between scripts:"
	sed 's/^/  /' "$WORK/g/stray"
fi
failed=""
for n in $names; do
	[ -f "$WORK/w/$n.status" ] ||
	    fail "$n did not finish on Linux: $(cat "$WORK/want")"
	if [ ! -f "$WORK/g/$n.status" ]; then
		echo "FAIL: $n did not finish in the guest (run-qemu exit" \
		    "$status); its output so far:"
		[ -f "$WORK/g/$n.out" ] && cat "$WORK/g/$n.out"
		echo "---- run-qemu stderr ----"
		cat "$WORK/stderr"
		failed="$failed $n"
		break
	fi
	ws=$(cat "$WORK/w/$n.status") gs=$(cat "$WORK/g/$n.status")
	if [ "$ws" != "$gs" ] || ! cmp -s "$WORK/w/$n.out" "$WORK/g/$n.out"
	then
		echo "FAIL: $n: status $gs (Linux: $ws); diff Linux guest:"
		diff -a -u "$WORK/w/$n.out" "$WORK/g/$n.out" |
		    sed '1s/.*/--- Linux/; 2s/.*/+++ guest/'
		failed="$failed $n"
		# The output as the guest wrote it: without the newline the
		# runner adds.
		if [ "$(head -c -1 "$WORK/g/$n.out" | md5sum | cut -c1-32)" != \
		    "$(cat "$WORK/g/$n.md5")" ]; then
			echo "note: the console changed or lost bytes of $n's" \
			    "output: its MD5 in the guest differs"
		fi
	fi
	if [ "${BATTERY_VERBOSE:-0}" = 1 ]; then
		echo "$n: Linux $(cat "$WORK/w/$n.time")s," \
		    "guest $(cat "$WORK/g/$n.time")s, status $gs"
	fi
done
if [ -n "${BATTERY_KEEP:-}" ]; then
	mkdir -p "$BATTERY_KEEP"
	rm -rf "$BATTERY_KEEP/linux" "$BATTERY_KEEP/guest"
	cp -r "$WORK/w" "$BATTERY_KEEP/linux"
	cp -r "$WORK/g" "$BATTERY_KEEP/guest"
fi
[ -z "$failed" ] || fail "busybox battery, $ncpus CPUs:$failed"
echo "PASS: busybox battery, $ncpus CPUs: $(echo $names | wc -w) scripts"
