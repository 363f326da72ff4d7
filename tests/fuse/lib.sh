# Shared by the fs/* tests (tests/fuse/*.sh): a temp directory with an
# image and a mount point, the biscotti daemon started in the foreground
# in the background (so its PID is ours to wait for or kill), and
# cleanup that unmounts and kills only that daemon.
#
#	. lib.sh BISCOTTI
#	fs_mkfs 512M		# mkfs $IMG
#	fs_mount		# mount $IMG on $MNT, wait until ready
#	...
#	fs_umount		# fusermount3 -u; the daemon must exit 0
#	fs_fsck_clean		# biscotti fsck $IMG must say clean
set -u
BISCOTTI=${1:?usage: $0 BISCOTTI}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (FUSE mounts with allow_other)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v fusermount3 >/dev/null || skip "no fusermount3"

T=$(mktemp -d /tmp/biscotti-fs.XXXXXX)
IMG=$T/image
MNT=$T/mnt
mkdir -p "$MNT"
DPID=
DLOG=$T/daemon.log

cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
	fi
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null
		sleep 1
		kill -KILL "$DPID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# The sanitizers must say so distinctly from an ordinary failure.
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=98:print_stacktrace=1}

fs_mkfs() {
	local size=$1
	shift
	"$BISCOTTI" mkfs "$IMG" --size "$size" "$@" >"$T/mkfs.log" 2>&1 ||
		fail "mkfs $size $*: $(cat "$T/mkfs.log")"
}

# fs_mount [IMAGE [extra mount args]]: start the daemon, wait for the mount.
fs_mount() {
	local img=${1:-$IMG} i
	[ $# -gt 0 ] && shift
	"$BISCOTTI" mount "$img" "$MNT" -f "$@" >"$DLOG" 2>&1 &
	DPID=$!
	for i in $(seq 1 300); do
		mountpoint -q "$MNT" && return 0
		kill -0 "$DPID" 2>/dev/null ||
			fail "mount exited early: $(cat "$DLOG")"
		sleep 0.1
	done
	fail "mount not ready after 30 s"
}

# Unmount; the daemon must unmount inside the kernel and exit 0.
fs_umount() {
	local rc
	fusermount3 -u "$MNT" || fail "fusermount3 -u $MNT"
	wait "$DPID"
	rc=$?
	DPID=
	[ $rc -eq 0 ] || fail "mount daemon exited $rc: $(cat "$DLOG")"
}

fs_fsck_clean() {
	local img=${1:-$IMG} out rc
	out=$("$BISCOTTI" fsck "$img" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || fail "fsck of $img exited $rc:
$out"
	echo "$out" | tail -1
}
