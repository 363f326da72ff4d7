#!/bin/sh
# An initramfs boots: a newc cpio archive, built here with `cpio -o -H
# newc` from a directory holding tests/user's fsinit as /sbin/init,
# fsecho as /bin/fsecho, a #! script and a plain file, is the initrd.
# The kernel unpacks it into the root tmpfs and execs /sbin/init, which
# exercises the file system and execs the others; its "fsinit: ok" and
# exit status 0 (QEMU exit code 1) pass.
#   initramfs.sh KERNEL [extra qemu args...]
set -u
. "$(dirname "$0")/lib.sh"
need_kernel "${1:-}"
shift

user="$(dirname "$KERNEL")/user"
for p in fsinit fsecho; do
	[ -f "$user/$p" ] ||
	    fail "no user program at $user/$p (musl-gcc missing?)"
done

root="$WORK/root"
mkdir -p "$root/sbin" "$root/bin" "$root/etc"
cp "$user/fsinit" "$root/sbin/init"
cp "$user/fsecho" "$root/bin/fsecho"
printf '#!/bin/fsecho -s\n' >"$root/bin/script"
chmod 755 "$root/bin/script"
echo "not a program" >"$root/etc/motd"
pack_root "$root" "$WORK/initramfs.cpio"

boot initramfs -initrd "$WORK/initramfs.cpio" \
    -append "test=user panic=poweroff" "$@"
expect_line "^fsecho: fsecho arg1 \| K=V$"
expect_line "^fsecho: /bin/fsecho -s /bin/script x \| K=V$"
expect_line "^fsinit: ok$"
expect_status $EXIT_OK
echo "PASS: initramfs"
