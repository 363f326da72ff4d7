#!/usr/bin/python3
"""Rename, link, symlink, chmod, utimes semantics and the errno of each
misuse, printed one line per step, so fs/semantics can run it in a host
tmpfs directory and on the FUSE mount and compare the two outputs."""
import ctypes
import errno
import os
import stat
import sys

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2


def renameat2(a, b, flags):
    if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def step(name, fn, *args, **kw):
    try:
        r = fn(*args, **kw)
        print(f"{name}: ok" + ("" if r is None else f" {r!r}"))
    except OSError as e:
        print(f"{name}: {errno.errorcode.get(e.errno, e.errno)}")


def mode(p):
    return oct(stat.S_IMODE(os.lstat(p).st_mode))


def nlink(p):
    return os.lstat(p).st_nlink


def read(p):
    with open(p) as f:
        return f.read()


def write(p, s, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
    fd = os.open(p, flags, 0o644)
    os.write(fd, s.encode())
    os.close(fd)


os.chdir(sys.argv[1])
os.umask(0o022)
write("f", "hello\n")
os.mkdir("d")
os.mkdir("d/sub")
write("d/file", "x")
# Links.
step("link f h", os.link, "f", "h")
step("nlink f", nlink, "f")
step("link f h again", os.link, "f", "h")
step("link d dl", os.link, "d", "dl")
step("link missing m2", os.link, "missing", "m2")
step("link f into missing dir", os.link, "f", "nodir/x")
step("unlink h", os.unlink, "h")
step("nlink f after", nlink, "f")
step("unlink d", os.unlink, "d")
step("unlink missing", os.unlink, "missing")
# Symlinks.
step("symlink f s", os.symlink, "f", "s")
step("readlink s", os.readlink, "s")
step("read via s", read, "s")
step("symlink exists", os.symlink, "x", "s")
step("readlink f", os.readlink, "f")
step("symlink loop", os.symlink, "loop", "loop")
step("open loop", read, "loop")
step("dangling", os.symlink, "nowhere", "dang")
step("open dangling", read, "dang")
step("lstat dangling mode", lambda: stat.S_ISLNK(os.lstat("dang").st_mode))
step("long name", write, "n" * 256, "x")
step("255 name", write, "n" * 255, "x")
# Directories.
step("mkdir d", os.mkdir, "d")
step("rmdir d (not empty)", os.rmdir, "d")
step("rmdir f", os.rmdir, "f")
step("rmdir .", os.rmdir, ".")
step("mkdir under file", os.mkdir, "f/x")
step("nlink d", nlink, "d")
step("mkdir d/sub2", os.mkdir, "d/sub2")
step("nlink d after", nlink, "d")
step("rmdir d/sub2", os.rmdir, "d/sub2")
step("nlink d again", nlink, "d")
# Renames.
write("a", "A")
write("b", "B")
step("rename a b", os.rename, "a", "b")
step("read b", read, "b")
step("a gone", os.path.lexists, "a")
step("rename dir over file", os.rename, "d/sub", "b")
step("rename file over dir", os.rename, "b", "d/sub")
step("rename dir into itself", os.rename, "d", "d/sub/x")
step("rename missing", os.rename, "missing", "z")
os.mkdir("e")
write("e/in", "1")
os.mkdir("empty")
step("rename dir over nonempty dir", os.rename, "empty", "e")
step("rename dir over empty dir", os.rename, "e", "empty")
step("read empty/in", read, "empty/in")
write("c", "C")
write("c2", "C2")
step("noreplace over existing", renameat2, "c", "c2", RENAME_NOREPLACE)
step("noreplace to new", renameat2, "c", "c3", RENAME_NOREPLACE)
step("exchange c3 c2", renameat2, "c3", "c2", RENAME_EXCHANGE)
step("read c2", read, "c2")
step("read c3", read, "c3")
step("exchange with missing", renameat2, "c3", "nope", RENAME_EXCHANGE)
step("exchange file and dir", renameat2, "c3", "empty", RENAME_EXCHANGE)
step("c3 is dir", os.path.isdir, "c3")
step("both flags", renameat2, "c2", "c3", RENAME_NOREPLACE | RENAME_EXCHANGE)
step("rename to same", os.rename, "f", "f")
os.link("f", "f2")
step("rename hard link to its twin", os.rename, "f", "f2")
step("both remain", lambda: (os.path.exists("f"), os.path.exists("f2")))
# Modes and owners.
step("chmod 0", os.chmod, "f", 0)
step("mode f", mode, "f")
step("chmod 4755", os.chmod, "f", 0o4755)
step("mode f 4755", mode, "f")
step("chown 1000:1000", os.chown, "f", 1000, 1000)
step("owner f", lambda: (os.stat("f").st_uid, os.stat("f").st_gid))
step("mode after chown (setuid cleared)", mode, "f")
step("chown -1:-1", os.chown, "f", -1, -1)
step("lchown symlink", os.lchown, "s", 7, 8)
step("symlink owner", lambda: (os.lstat("s").st_uid, os.lstat("s").st_gid))
step("target owner unchanged", lambda: os.stat("f").st_uid)
step("mkdir mode 0700", os.mkdir, "m", 0o700)
step("mode m", mode, "m")
step("creat mode 0600", lambda: os.close(os.open("p", os.O_CREAT | os.O_WRONLY, 0o600)))
step("mode p", mode, "p")
step("mkfifo", os.mkfifo, "fifo", 0o640)
step("fifo type", lambda: stat.S_ISFIFO(os.lstat("fifo").st_mode))
step("mode fifo", mode, "fifo")
# Times.
step("utime ns", os.utime, "p", ns=(1_000_000_123, 2_000_000_456))
step("times p", lambda: (os.stat("p").st_atime_ns, os.stat("p").st_mtime_ns))
step("utime dir", os.utime, "m", ns=(5_000_000_007, 6_000_000_008))
step("times m", lambda: (os.stat("m").st_atime_ns, os.stat("m").st_mtime_ns))
step("utime symlink nofollow", os.utime, "s", ns=(3, 4), follow_symlinks=False)
step("times s", lambda: os.lstat("s").st_mtime_ns)
step("utime missing", os.utime, "missing", ns=(1, 1))
# Truncate, open flags.
write("t", "0123456789")
step("truncate 4", os.truncate, "t", 4)
step("read t", read, "t")
step("truncate 8192", os.truncate, "t", 8192)
step("size t", lambda: os.stat("t").st_size)
step("tail zero", lambda: open("t", "rb").read()[4:].count(b"\0"))
step("truncate dir", os.truncate, "d", 0)
step("excl existing", os.open, "t", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
step("open dir for write", os.open, "d", os.O_WRONLY)
step("O_DIRECTORY on file", os.open, "t", os.O_RDONLY | os.O_DIRECTORY)
step("open missing", os.open, "missing", os.O_RDONLY)
step("enotdir in path", os.open, "t/x", os.O_RDONLY)
write("ap", "1")
write("ap", "2", os.O_WRONLY | os.O_APPEND)
step("append", read, "ap")
# An open file outlives its name.
fd = os.open("gone", os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b"still here")
step("unlink open file", os.unlink, "gone")
step("read unlinked", lambda: os.pread(fd, 100, 0))
# (fstat of it is ESTALE through libfuse's path API: see fuse_mount.c.)
os.close(fd)
step("listing", lambda: sorted(os.listdir(".")))
