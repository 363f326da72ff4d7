/*
 * The error sweep: every implemented syscall with bad input, one line per
 * check, e.g. "read(-1) = -1 EBADF".  The same static binary runs on a
 * Linux host and in biscotti (tests/qemu/linuxdiff.sh), and the two
 * outputs must be identical, so the program prints nothing that depends
 * on the host: no pids, no times, no absolute paths, no fd numbers it
 * did not make itself (fds 3 and up are closed first), and no check
 * whose answer depends on being root or pid 1 (those run in a child
 * made for them, or not at all).
 *
 * Bad pointers are NULL, the start of the kernel half, and a page that
 * was mapped and then unmapped.  Everything goes through syscall(2), so
 * the C library adds no checks of its own.
 *
 * Output is between "errors: begin" and "errors: end" lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KADDR	0xffff800000000000ul	/* first kernel-half address */

static long unmapped;			/* a page that is no longer mapped */

static const char *const enames[] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH",
	[EINTR] = "EINTR", [EIO] = "EIO", [ENXIO] = "ENXIO",
	[E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF",
	[ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
	[EACCES] = "EACCES", [EFAULT] = "EFAULT", [ENOTBLK] = "ENOTBLK",
	[EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [EXDEV] = "EXDEV",
	[ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",
	[EINVAL] = "EINVAL", [ENFILE] = "ENFILE", [EMFILE] = "EMFILE",
	[ENOTTY] = "ENOTTY", [ETXTBSY] = "ETXTBSY", [EFBIG] = "EFBIG",
	[ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE", [EROFS] = "EROFS",
	[EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [EDOM] = "EDOM",
	[ERANGE] = "ERANGE", [EDEADLK] = "EDEADLK",
	[ENAMETOOLONG] = "ENAMETOOLONG", [ENOLCK] = "ENOLCK",
	[ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP",
	[ENOTSOCK] = "ENOTSOCK", [EOPNOTSUPP] = "EOPNOTSUPP",
	[ETIMEDOUT] = "ETIMEDOUT", [EOVERFLOW] = "EOVERFLOW",
	[EAFNOSUPPORT] = "EAFNOSUPPORT",
	[EPROTONOSUPPORT] = "EPROTONOSUPPORT", [ENOTCONN] = "ENOTCONN",
	[ECONNREFUSED] = "ECONNREFUSED", [EADDRINUSE] = "EADDRINUSE",
	[ENOPROTOOPT] = "ENOPROTOOPT", [EISCONN] = "EISCONN",
	[EDESTADDRREQ] = "EDESTADDRREQ", [EPROTOTYPE] = "EPROTOTYPE",
	[EMSGSIZE] = "EMSGSIZE", [ESOCKTNOSUPPORT] = "ESOCKTNOSUPPORT",
	[EADDRNOTAVAIL] = "EADDRNOTAVAIL", [ENOBUFS] = "ENOBUFS",
};

static void
show(const char *what, long r, int err)
{
	if (r == -1) {
		if (err > 0 && err < (int)(sizeof(enames) / sizeof(enames[0]))
		    && enames[err] != NULL)
			printf("%s = -1 %s\n", what, enames[err]);
		else
			printf("%s = -1 errno %d\n", what, err);
	} else if (r >= 0 && r < 4096) {
		printf("%s = %ld\n", what, r);
	} else {
		printf("%s = (big)\n", what);
	}
	fflush(stdout);
}

/*
 * Run one check: its description and the call, through syscall().
 * syscall() reads every argument as a long: negative 64-bit values must
 * be passed as longs (-1L), or they arrive as 0xffffffff.
 */
#define CK(what, call) do {						\
	long r_;							\
	errno = 0;							\
	r_ = (long)(call);						\
	show(what, r_, errno);						\
} while (0)

/* The same call with each bad pointer in place of P. */
#define BADPTRS(name, call) do {					\
	long P;								\
	P = 0; CK(name "(NULL)", call);					\
	P = (long)KADDR; CK(name "(kernel)", call);			\
	P = unmapped; CK(name "(unmapped)", call);			\
} while (0)

#define S(...)	syscall(__VA_ARGS__)

static char buf[8192];
static char longname[300];	/* one component over NAME_MAX */
static char longpath[5000];	/* a path over PATH_MAX */

static void
setup(void)
{
	int fd;
	char *p;

	/* Normalise the fd table: only 0, 1, 2 open, at most 1024 fds. */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 1024, 1024 });
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, 4096);
	unmapped = (long)p;
	memset(longname, 'n', sizeof(longname) - 1);
	for (p = longpath; p + 2 < longpath + sizeof(longpath); p += 2)
		memcpy(p, "a/", 2);
	/* A private directory, the same on every host. */
	mkdir("errtest", 0755);
	if (chdir("errtest") != 0)
		printf("errors: cannot chdir\n");
	fd = open("f", O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (write(fd, "0123456789", 10) != 10)
		printf("errors: cannot write f\n");
	close(fd);
	mkdir("d", 0755);
	mkdir("full", 0755);
	close(open("full/x", O_CREAT | O_WRONLY, 0644));
	symlink("loop", "loop");
	symlink("nowhere", "dangling");
	symlink("f", "lf");
	fd = open("noexec", O_CREAT | O_WRONLY, 0644);
	if (write(fd, "#!/bin/sh\n", 10) != 10)
		printf("errors: cannot write noexec\n");
	close(fd);
}

static void
files(void)
{
	struct stat st;
	int fd = open("f", O_RDWR);
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int pfd[2];

	CK("open(f) fd", fd);
	CK("open(d) fd", dfd);
	CK("read(-1)", S(SYS_read, -1, buf, 1));
	CK("read(4096)", S(SYS_read, 4096, buf, 1));
	CK("read(1000000)", S(SYS_read, 1000000, buf, 1));
	CK("read(closed 50)", S(SYS_read, 50, buf, 1));
	BADPTRS("read", S(SYS_read, fd, P, 4));
	CK("read(len 0, NULL)", S(SYS_read, fd, 0, 0));
	CK("read(dir)", S(SYS_read, dfd, buf, 1));
	CK("write(-1)", S(SYS_write, -1, buf, 1));
	BADPTRS("write", S(SYS_write, fd, P, 4));
	CK("write(dir)", S(SYS_write, dfd, buf, 1));
	CK("write(len 0)", S(SYS_write, fd, buf, 0));
	CK("pread64(-1)", S(SYS_pread64, -1, buf, 1, 0));
	CK("pread64(off -1)", S(SYS_pread64, fd, buf, 1, -1L));
	BADPTRS("pread64", S(SYS_pread64, fd, P, 4, 0));
	CK("pwrite64(off -1)", S(SYS_pwrite64, fd, buf, 1, -1L));
	BADPTRS("pwrite64", S(SYS_pwrite64, fd, P, 4, 0));
	BADPTRS("readv iov", S(SYS_readv, fd, P, 1));
	CK("readv(iovcnt -1)", S(SYS_readv, fd, buf, -1));
	CK("readv(iovcnt 1025)", S(SYS_readv, fd, buf, 1025));
	CK("writev(-1)", S(SYS_writev, -1, buf, 0));
	BADPTRS("writev iov", S(SYS_writev, fd, P, 1));
	CK("lseek(-1)", S(SYS_lseek, -1, 0, SEEK_SET));
	CK("lseek(whence 99)", S(SYS_lseek, fd, 0, 99));
	CK("lseek(negative)", S(SYS_lseek, fd, -5L, SEEK_SET));
	CK("lseek(SEEK_END)", S(SYS_lseek, fd, 0, SEEK_END));
	CK("close(-1)", S(SYS_close, -1));
	CK("close(closed 50)", S(SYS_close, 50));

	BADPTRS("open path", S(SYS_open, P, O_RDONLY));
	CK("open(missing)", S(SYS_open, "missing", O_RDONLY));
	CK("open(missing/x)", S(SYS_open, "missing/x", O_RDONLY));
	CK("open(\"\")", S(SYS_open, "", O_RDONLY));
	CK("open(f/x)", S(SYS_open, "f/x", O_RDONLY));
	CK("open(f/)", S(SYS_open, "f/", O_RDONLY));
	CK("open(f, O_DIRECTORY)", S(SYS_open, "f", O_RDONLY | O_DIRECTORY));
	CK("open(d, O_WRONLY)", S(SYS_open, "d", O_WRONLY));
	CK("open(d, O_RDWR)", S(SYS_open, "d", O_RDWR));
	CK("open(d, O_CREAT)", S(SYS_open, "d", O_RDONLY | O_CREAT, 0644));
	CK("open(f, O_CREAT|O_EXCL)",
	    S(SYS_open, "f", O_RDWR | O_CREAT | O_EXCL, 0644));
	CK("open(lf, O_CREAT|O_EXCL)",
	    S(SYS_open, "lf", O_RDWR | O_CREAT | O_EXCL, 0644));
	CK("open(loop)", S(SYS_open, "loop", O_RDONLY));
	CK("open(lf, O_NOFOLLOW)", S(SYS_open, "lf", O_RDONLY | O_NOFOLLOW));
	CK("open(dangling)", S(SYS_open, "dangling", O_RDONLY));
	CK("open(longname)", S(SYS_open, longname, O_RDONLY));
	CK("open(longpath)", S(SYS_open, longpath, O_RDONLY));
	CK("open(missing/, O_CREAT)",
	    S(SYS_open, "newdir/", O_RDWR | O_CREAT, 0644));
	CK("openat(-1, rel)", S(SYS_openat, -1, "f", O_RDONLY));
	CK("openat(file fd, rel)", S(SYS_openat, fd, "f", O_RDONLY));
	CK("openat(99, rel)", S(SYS_openat, 99, "x", O_RDONLY));
	BADPTRS("openat path", S(SYS_openat, AT_FDCWD, P, O_RDONLY));
	CK("creat(d)", S(SYS_creat, "d", 0644));
	CK("creat(missing/x)", S(SYS_creat, "missing/x", 0644));

	BADPTRS("stat buf", S(SYS_stat, "f", P));
	BADPTRS("stat path", S(SYS_stat, P, &st));
	CK("stat(missing)", S(SYS_stat, "missing", &st));
	CK("stat(f/)", S(SYS_stat, "f/", &st));
	CK("stat(loop)", S(SYS_stat, "loop", &st));
	CK("lstat(loop)", S(SYS_lstat, "loop", &st));
	BADPTRS("lstat buf", S(SYS_lstat, "lf", P));
	CK("fstat(-1)", S(SYS_fstat, -1, &st));
	BADPTRS("fstat buf", S(SYS_fstat, fd, P));
	CK("newfstatat(-1, rel)", S(SYS_newfstatat, -1, "f", &st, 0));
	CK("newfstatat(flags)", S(SYS_newfstatat, AT_FDCWD, "f", &st, 0x1));
	CK("newfstatat(\"\")", S(SYS_newfstatat, AT_FDCWD, "", &st, 0));
	CK("newfstatat(\"\", EMPTY_PATH)",
	    S(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH));
	CK("statx(flags)", S(SYS_statx, AT_FDCWD, "f", 0x80000000, 0, buf));
	CK("statx(mask reserved)",
	    S(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, buf));
	BADPTRS("statx buf", S(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, P));
	CK("statx(missing)", S(SYS_statx, AT_FDCWD, "missing", 0, 0x7ff, buf));

	CK("access(missing)", S(SYS_access, "missing", F_OK));
	CK("access(mode 8)", S(SYS_access, "f", 8));
	BADPTRS("access path", S(SYS_access, P, F_OK));
	CK("faccessat(f)", S(SYS_faccessat, AT_FDCWD, "f", F_OK));
	CK("faccessat2(bad flags)",
	    S(SYS_faccessat2, AT_FDCWD, "f", F_OK, 0x1));
	CK("faccessat2(-1)", S(SYS_faccessat2, -1, "f", F_OK, 0));

	CK("truncate(d)", S(SYS_truncate, "d", 0));
	CK("truncate(-1 len)", S(SYS_truncate, "f", -1L));
	CK("truncate(missing)", S(SYS_truncate, "missing", 0));
	CK("ftruncate(-1)", S(SYS_ftruncate, -1, 0));
	CK("ftruncate(dir)", S(SYS_ftruncate, dfd, 0));
	CK("ftruncate(-1 len)", S(SYS_ftruncate, fd, -1L));
	CK("fsync(-1)", S(SYS_fsync, -1));
	CK("fdatasync(-1)", S(SYS_fdatasync, -1));
	CK("syncfs(-1)", S(SYS_syncfs, -1));

	CK("getdents64(-1)", S(SYS_getdents64, -1, buf, sizeof(buf)));
	CK("getdents64(file)", S(SYS_getdents64, fd, buf, sizeof(buf)));
	CK("getdents64(small)", S(SYS_getdents64, dfd, buf, 1));
	BADPTRS("getdents64 buf", S(SYS_getdents64, dfd, P, 4096));

	CK("pipe2(flags)", S(SYS_pipe2, pfd, 0x1));
	BADPTRS("pipe", S(SYS_pipe, P));
	BADPTRS("pipe2", S(SYS_pipe2, P, 0));
	/* Non-blocking: a read that lost the data must not hang the sweep. */
	CK("pipe2(O_NONBLOCK)", S(SYS_pipe2, pfd, O_NONBLOCK));
	CK("lseek(pipe)", S(SYS_lseek, pfd[0], 0, SEEK_SET));
	CK("pread64(pipe)", S(SYS_pread64, pfd[0], buf, 1, 0));
	CK("pwrite64(pipe)", S(SYS_pwrite64, pfd[1], buf, 1, 0));
	CK("read(pipe write end)", S(SYS_read, pfd[1], buf, 1));
	CK("write(pipe read end)", S(SYS_write, pfd[0], buf, 1));
	CK("write(pipe)", S(SYS_write, pfd[1], "xy", 2));
	/* One byte more before each: a lost byte must not turn into EAGAIN. */
	BADPTRS("read(pipe)", (write(pfd[1], "z", 1),
	    S(SYS_read, pfd[0], P, 1)));
	/* Every byte is still there: "xy" and three "z"s, in order. */
	CK("read(pipe) after faults", S(SYS_read, pfd[0], buf, 16));
	CK("pipe data kept", memcmp(buf, "xyzzz", 5) == 0 ? 0 : -1);
	CK("ioctl(pipe, TCGETS)", S(SYS_ioctl, pfd[0], 0x5401, buf));
	{
		int n = -5;

		write(pfd[1], "abc", 3);
		CK("ioctl(pipe, FIONREAD)", S(SYS_ioctl, pfd[0], 0x541b, &n));
		CK("FIONREAD(pipe of 3)", n);
		BADPTRS("ioctl(pipe, FIONREAD)",
		    S(SYS_ioctl, pfd[1], 0x541b, P));
		read(pfd[0], buf, 3);
	}
	CK("ioctl(file, TCGETS)", S(SYS_ioctl, fd, 0x5401, buf));
	CK("ioctl(-1)", S(SYS_ioctl, -1, 0x5401, buf));
	{
		int n = -5;

		lseek(fd, 3, SEEK_SET);
		CK("ioctl(file, FIONREAD)", S(SYS_ioctl, fd, 0x541b, &n));
		CK("FIONREAD(file at 3)", n);
		lseek(fd, 0, SEEK_SET);
		BADPTRS("ioctl(file, FIONREAD)", S(SYS_ioctl, fd, 0x541b, P));
		CK("ioctl(dir, FIONREAD)", S(SYS_ioctl, dfd, 0x541b, &n));
	}
	CK("fsync(pipe)", S(SYS_fsync, pfd[0]));
	CK("ftruncate(pipe)", S(SYS_ftruncate, pfd[1], 0));
	close(pfd[0]);
	close(pfd[1]);

	CK("dup(-1)", S(SYS_dup, -1));
	CK("dup2(-1, 5)", S(SYS_dup2, -1, 5));
	CK("dup2(fd, -1)", S(SYS_dup2, fd, -1));
	CK("dup2(fd, 100000)", S(SYS_dup2, fd, 100000));
	CK("dup2(fd, fd)", S(SYS_dup2, fd, fd));
	CK("dup3(fd, fd)", S(SYS_dup3, fd, fd, 0));
	CK("dup3(flags)", S(SYS_dup3, fd, 20, 0x1));
	CK("fcntl(-1)", S(SYS_fcntl, -1, F_GETFD));
	CK("fcntl(cmd 9999)", S(SYS_fcntl, fd, 9999));
	CK("fcntl(F_DUPFD -1)", S(SYS_fcntl, fd, F_DUPFD, -1));
	CK("fcntl(F_DUPFD 100000)", S(SYS_fcntl, fd, F_DUPFD, 100000));
	CK("fcntl(F_GETFD)", S(SYS_fcntl, fd, F_GETFD));

	close(fd);
	close(dfd);
}

static void
names(void)
{
	CK("mkdir(d)", S(SYS_mkdir, "d", 0755));
	CK("mkdir(missing/x)", S(SYS_mkdir, "missing/x", 0755));
	CK("mkdir(f/x)", S(SYS_mkdir, "f/x", 0755));
	CK("mkdir(longname)", S(SYS_mkdir, longname, 0755));
	BADPTRS("mkdir path", S(SYS_mkdir, P, 0755));
	CK("mkdir(dangling)", S(SYS_mkdir, "dangling", 0755));
	CK("mkdirat(-1)", S(SYS_mkdirat, -1, "x", 0755));
	CK("rmdir(f)", S(SYS_rmdir, "f"));
	CK("rmdir(full)", S(SYS_rmdir, "full"));
	CK("rmdir(missing)", S(SYS_rmdir, "missing"));
	CK("rmdir(.)", S(SYS_rmdir, "."));
	CK("rmdir(d/..)", S(SYS_rmdir, "d/.."));
	CK("rmdir(lf)", S(SYS_rmdir, "lf"));
	CK("unlink(d)", S(SYS_unlink, "d"));
	CK("unlink(missing)", S(SYS_unlink, "missing"));
	CK("unlink(f/)", S(SYS_unlink, "f/"));
	BADPTRS("unlink path", S(SYS_unlink, P));
	CK("unlinkat(bad flags)", S(SYS_unlinkat, AT_FDCWD, "f", 0x1));
	CK("unlinkat(f, REMOVEDIR)",
	    S(SYS_unlinkat, AT_FDCWD, "f", AT_REMOVEDIR));
	CK("link(f, lf)", S(SYS_link, "f", "lf"));
	CK("link(d, d2)", S(SYS_link, "d", "d2"));
	CK("link(missing, x)", S(SYS_link, "missing", "x"));
	BADPTRS("link old", S(SYS_link, P, "x"));
	BADPTRS("link new", S(SYS_link, "f", P));
	CK("linkat(bad flags)",
	    S(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, "x", 0x1));
	CK("symlink(x, f)", S(SYS_symlink, "x", "f"));
	CK("symlink(\"\", y)", S(SYS_symlink, "", "y"));
	CK("symlink(x, missing/y)", S(SYS_symlink, "x", "missing/y"));
	BADPTRS("symlink target", S(SYS_symlink, P, "y"));
	CK("symlinkat(-1)", S(SYS_symlinkat, "x", -1, "y"));
	CK("readlink(f)", S(SYS_readlink, "f", buf, sizeof(buf)));
	CK("readlink(missing)", S(SYS_readlink, "missing", buf, sizeof(buf)));
	CK("readlink(lf, 0)", S(SYS_readlink, "lf", buf, 0));
	CK("readlink(lf, -1)", S(SYS_readlink, "lf", buf, -1));
	CK("readlink(lf, 1)", S(SYS_readlink, "lf", buf, 1));
	BADPTRS("readlink buf", S(SYS_readlink, "lf", P, 10));
	CK("readlinkat(-1)", S(SYS_readlinkat, -1, "lf", buf, 10));
	CK("rename(missing, x)", S(SYS_rename, "missing", "x"));
	CK("rename(f, d)", S(SYS_rename, "f", "d"));
	CK("rename(d, f)", S(SYS_rename, "d", "f"));
	CK("rename(d, d/sub)", S(SYS_rename, "d", "d/sub"));
	CK("rename(d, full)", S(SYS_rename, "d", "full"));
	CK("rename(f, missing/x)", S(SYS_rename, "f", "missing/x"));
	CK("rename(., x)", S(SYS_rename, ".", "x"));
	BADPTRS("rename new", S(SYS_rename, "f", P));
	CK("renameat2(bad flags)",
	    S(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "x", 0x100));
	CK("renameat2(NOREPLACE existing)",
	    S(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "lf", 1));
	CK("renameat2(EXCHANGE missing)",
	    S(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "missing", 2));
	CK("renameat2(NOREPLACE|EXCHANGE)",
	    S(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "lf", 3));
	CK("renameat(-1)", S(SYS_renameat, -1, "f", AT_FDCWD, "x"));
	CK("mknod(f)", S(SYS_mknod, "f", S_IFIFO | 0644, 0));
	CK("mknod(bad type)", S(SYS_mknod, "x", 0170000 | 0644, 0));
	CK("mknodat(-1)", S(SYS_mknodat, -1, "x", S_IFIFO | 0644, 0));

	CK("chdir(f)", S(SYS_chdir, "f"));
	CK("chdir(missing)", S(SYS_chdir, "missing"));
	BADPTRS("chdir path", S(SYS_chdir, P));
	CK("fchdir(-1)", S(SYS_fchdir, -1));
	CK("getcwd(size 1)", S(SYS_getcwd, buf, 1));
	CK("getcwd(size 0)", S(SYS_getcwd, buf, 0));
	BADPTRS("getcwd buf", S(SYS_getcwd, P, 4096));

	CK("chmod(missing)", S(SYS_chmod, "missing", 0644));
	BADPTRS("chmod path", S(SYS_chmod, P, 0644));
	CK("fchmod(-1)", S(SYS_fchmod, -1, 0644));
	CK("fchmodat(bad flags)", S(SYS_fchmodat, AT_FDCWD, "f", 0644, 0x1));
	CK("chown(missing)", S(SYS_chown, "missing", -1, -1));
	CK("chown(f, -1, -1)", S(SYS_chown, "f", -1, -1));
	CK("lchown(missing)", S(SYS_lchown, "missing", -1, -1));
	CK("fchown(-1)", S(SYS_fchown, -1, -1, -1));
	CK("fchownat(bad flags)",
	    S(SYS_fchownat, AT_FDCWD, "f", -1, -1, 0x1));
	CK("utimensat(bad flags)", S(SYS_utimensat, AT_FDCWD, "f", 0, 0x1));
	CK("utimensat(missing)", S(SYS_utimensat, AT_FDCWD, "missing", 0, 0));
	{
		struct timespec ts[2] = { { 0, 1000000000 }, { 0, 0 } };

		CK("utimensat(bad nsec)",
		    S(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	}
	BADPTRS("utimensat times", S(SYS_utimensat, AT_FDCWD, "f", P, 0));
	CK("statfs(missing)", S(SYS_statfs, "missing", buf));
	BADPTRS("statfs buf", S(SYS_statfs, ".", P));
	CK("fstatfs(-1)", S(SYS_fstatfs, -1, buf));
	CK("umount2(bad flags)", S(SYS_umount2, "d", 0x100));
	/* Path errors come before the privilege check, even for root. */
	CK("umount2(missing)", S(SYS_umount2, "missing", 0));
	CK("mount(target missing)",
	    S(SYS_mount, "none", "missing", "tmpfs", 0, 0));
	CK("mount(target kernel)",
	    S(SYS_mount, "none", KADDR, "tmpfs", 0, 0));
	{
		int fd = open("f", O_RDONLY);

		CK("ioctl(file, 0x1234)", S(SYS_ioctl, fd, 0x1234, 0));
		close(fd);
	}
}

static void
memory(void)
{
	CK("mmap(len 0)", S(SYS_mmap, 0, 0, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	CK("mmap(no type)", S(SYS_mmap, 0, 4096, PROT_READ,
	    MAP_ANONYMOUS, -1, 0));
	CK("mmap(bad fd)", S(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, -1,
	    0));
	CK("mmap(unaligned off)", S(SYS_mmap, 0, 4096, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 1));
	CK("mmap(FIXED unaligned)", S(SYS_mmap, 0x10001, 4096, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	CK("mmap(FIXED kernel)", S(SYS_mmap, KADDR, 4096, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	CK("mmap(huge)", S(SYS_mmap, 0, 1ul << 50, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	CK("munmap(unaligned)", S(SYS_munmap, 0x10001, 4096));
	CK("munmap(len 0)", S(SYS_munmap, 0x10000, 0));
	CK("munmap(kernel)", S(SYS_munmap, KADDR, 4096));
	CK("munmap(unmapped)", S(SYS_munmap, unmapped, 4096));
	CK("mprotect(unaligned)", S(SYS_mprotect, 0x10001, 4096, PROT_READ));
	CK("mprotect(unmapped)", S(SYS_mprotect, unmapped, 4096, PROT_READ));
	CK("mprotect(bad prot)", S(SYS_mprotect, unmapped, 4096, 0x100));
	CK("madvise(unaligned)", S(SYS_madvise, 0x10001, 4096, 0));
	CK("madvise(bad advice)", S(SYS_madvise, unmapped, 4096, 9999));
	CK("madvise(unmapped)", S(SYS_madvise, unmapped, 4096,
	    MADV_DONTNEED));
	CK("brk(0) nonzero", S(SYS_brk, 0) != 0 ? 1 : 0);
}

static void
signals(void)
{
	char set[8] = { 0 };

	CK("rt_sigaction(0)", S(SYS_rt_sigaction, 0, 0, 0, 8));
	CK("rt_sigaction(65)", S(SYS_rt_sigaction, 65, 0, 0, 8));
	CK("rt_sigaction(SIGKILL set)",
	    S(SYS_rt_sigaction, SIGKILL, buf, 0, 8));
	CK("rt_sigaction(SIGKILL get)",
	    S(SYS_rt_sigaction, SIGKILL, 0, buf, 8));
	CK("rt_sigaction(size 4)", S(SYS_rt_sigaction, SIGUSR1, 0, buf, 4));
	BADPTRS("rt_sigaction act", S(SYS_rt_sigaction, SIGUSR1, P, 0, 8));
	BADPTRS("rt_sigaction old", S(SYS_rt_sigaction, SIGUSR1, 0, P, 8));
	CK("rt_sigprocmask(how 9)", S(SYS_rt_sigprocmask, 9, set, 0, 8));
	CK("rt_sigprocmask(how 9, NULL)", S(SYS_rt_sigprocmask, 9, 0, 0, 8));
	CK("rt_sigprocmask(size 4)", S(SYS_rt_sigprocmask, 0, set, 0, 4));
	BADPTRS("rt_sigprocmask set", S(SYS_rt_sigprocmask, 0, P, 0, 8));
	CK("rt_sigpending(size 16)", S(SYS_rt_sigpending, buf, 16));
	BADPTRS("rt_sigpending", S(SYS_rt_sigpending, P, 8));
	CK("rt_sigsuspend(size 4)", S(SYS_rt_sigsuspend, set, 4));
	BADPTRS("rt_sigsuspend", S(SYS_rt_sigsuspend, P, 8));
	{
		struct timespec zero = { 0, 0 }, bad = { 0, -1 };
		uint64_t usr1 = 1ul << (SIGUSR1 - 1);

		CK("rt_sigtimedwait(size 4)",
		    S(SYS_rt_sigtimedwait, &usr1, 0, &zero, 4));
		CK("rt_sigtimedwait(timeout 0)",
		    S(SYS_rt_sigtimedwait, &usr1, 0, &zero, 8));
		CK("rt_sigtimedwait(bad nsec)",
		    S(SYS_rt_sigtimedwait, &usr1, 0, &bad, 8));
		BADPTRS("rt_sigtimedwait set",
		    S(SYS_rt_sigtimedwait, P, 0, &zero, 8));
		/* (A NULL timeout would wait for ever.) */
		CK("rt_sigtimedwait ts(kernel)",
		    S(SYS_rt_sigtimedwait, &usr1, 0, KADDR, 8));
	}
	CK("kill(huge pid)", S(SYS_kill, 0x7ffffff0, 0));
	CK("kill(INT_MIN)", S(SYS_kill, (int)0x80000000, 0));
	CK("kill(self, 65)", S(SYS_kill, getpid(), 65));
	CK("kill(self, -1)", S(SYS_kill, getpid(), -1));
	CK("kill(huge pid, 65)", S(SYS_kill, 0x7ffffff0, 65));
	CK("kill(self, 0)", S(SYS_kill, getpid(), 0));
	CK("tkill(0)", S(SYS_tkill, 0, 0));
	CK("tkill(-1)", S(SYS_tkill, -1, 0));
	CK("tkill(huge)", S(SYS_tkill, 0x7ffffff0, 0));
	CK("tkill(self, 65)", S(SYS_tkill, gettid(), 65));
	CK("tgkill(0, tid)", S(SYS_tgkill, 0, gettid(), 0));
	CK("tgkill(pid, 0)", S(SYS_tgkill, getpid(), 0, 0));
	CK("tgkill(wrong pid)", S(SYS_tgkill, 0x7ffffff0, gettid(), 0));
	BADPTRS("rt_sigqueueinfo info",
	    S(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, P));
	CK("rt_sigqueueinfo(huge)",
	    S(SYS_rt_sigqueueinfo, 0x7ffffff0, 0, buf));
	CK("rt_tgsigqueueinfo(0)",
	    S(SYS_rt_tgsigqueueinfo, 0, gettid(), 0, buf));
	{
		stack_t ss = { .ss_size = 100, .ss_flags = 0, .ss_sp = buf };

		CK("sigaltstack(small)", S(SYS_sigaltstack, &ss, 0));
		ss.ss_flags = 99;
		ss.ss_size = 65536;
		CK("sigaltstack(bad flags)", S(SYS_sigaltstack, &ss, 0));
		BADPTRS("sigaltstack ss", S(SYS_sigaltstack, P, 0));
	}
}

static void
processes(void)
{
	int st;
	pid_t pid;

	CK("wait4(no children)", S(SYS_wait4, -1, &st, 0, 0));
	CK("wait4(bad options)", S(SYS_wait4, -1, &st, 0x100, 0));
	CK("wait4(huge pid)", S(SYS_wait4, 0x7ffffff0, &st, 0, 0));
	CK("waitid(bad idtype)", S(SYS_waitid, 99, 0, buf, WEXITED, 0));
	CK("waitid(no options)", S(SYS_waitid, P_ALL, 0, buf, 0, 0));
	CK("waitid(no children)", S(SYS_waitid, P_ALL, 0, buf, WEXITED, 0));
	CK("waitid(P_PID 0)", S(SYS_waitid, P_PID, 0, buf, WEXITED, 0));
	pid = fork();
	if (pid == 0) {
		/* A fresh non-leader: no answer depends on the host. */
		CK("child: setpgid(-1)", S(SYS_setpgid, 0, -1));
		CK("child: setpgid(huge)", S(SYS_setpgid, 0x7ffffff0, 0));
		CK("child: getpgid(huge)", S(SYS_getpgid, 0x7ffffff0));
		CK("child: getsid(huge)", S(SYS_getsid, 0x7ffffff0));
		CK("child: setsid", S(SYS_setsid) == getpid() ? 0 : -1);
		CK("child: setsid again", S(SYS_setsid));
		CK("child: setpgid(self, other group)",
		    S(SYS_setpgid, 0, getppid()));
		CK("child: wait4(bad status ptr)", (pid = fork()) == 0 ?
		    (long)(_exit(0), 0) : S(SYS_wait4, pid, KADDR, 0, 0));
		CK("child: reaped anyway", S(SYS_wait4, -1, 0, WNOHANG, 0));
		_exit(0);
	}
	CK("wait4(child)", S(SYS_wait4, pid, &st, 0, 0) == pid ? 0 : -1);
	CK("child status", st);

	BADPTRS("execve path", S(SYS_execve, P, 0, 0));
	CK("execve(missing)", S(SYS_execve, "missing", 0, 0));
	CK("execve(d)", S(SYS_execve, "d", 0, 0));
	CK("execve(noexec)", S(SYS_execve, "noexec", 0, 0));
	CK("execve(f/)", S(SYS_execve, "f/", 0, 0));
	{
		char *argv[] = { "x", (char *)KADDR, NULL };

		chmod("noexec", 0755);
		CK("execve(bad argv ptr)", S(SYS_execve, "noexec", KADDR, 0));
		CK("execve(bad argv string)", S(SYS_execve, "noexec", argv, 0));
		chmod("noexec", 0644);
	}
	/* The file is checked before argv is read. */
	CK("execve(noexec, bad argv)", S(SYS_execve, "noexec", KADDR, 0));
	CK("execve(missing, bad argv)", S(SYS_execve, "missing", KADDR, 0));
	CK("execve(d, bad envp)", S(SYS_execve, "d", 0, KADDR));
	{
		int st;
		pid_t pid = fork();

		/* No controlling terminal after setsid: /dev/tty is ENXIO. */
		if (pid == 0) {
			setsid();
			CK("child: open(/dev/tty) no ctty",
			    S(SYS_open, "/dev/tty", O_RDWR));
			_exit(0);
		}
		waitpid(pid, &st, 0);
	}
	CK("clone(CLONE_THREAD alone)", S(SYS_clone, 0x10000, 0, 0, 0, 0));
	CK("clone(CLONE_SIGHAND alone)", S(SYS_clone, 0x800, 0, 0, 0, 0));

	CK("getrlimit(99)", S(SYS_getrlimit, 99, buf));
	BADPTRS("getrlimit", S(SYS_getrlimit, RLIMIT_NOFILE, P));
	{
		uint64_t lim[2] = { 20, 10 };

		CK("setrlimit(cur > max)",
		    S(SYS_setrlimit, RLIMIT_NOFILE, lim));
		CK("prlimit64(99)", S(SYS_prlimit64, 0, 99, 0, buf));
		CK("prlimit64(huge pid)",
		    S(SYS_prlimit64, 0x7ffffff0, RLIMIT_NOFILE, 0, buf));
	}
	BADPTRS("setrlimit", S(SYS_setrlimit, RLIMIT_NOFILE, P));
	CK("getrusage(5)", S(SYS_getrusage, 5, buf));
	CK("getrusage(-2)", S(SYS_getrusage, -2, buf));
	BADPTRS("getrusage", S(SYS_getrusage, 0, P));
	CK("getrusage(RUSAGE_THREAD)", S(SYS_getrusage, 1, buf));
	CK("getrusage(RUSAGE_CHILDREN)", S(SYS_getrusage, -1, buf));
	CK("times(NULL) ok", S(SYS_times, 0) != -1 ? 0 : -1);
	BADPTRS("times", S(SYS_times, P) == -1 ? -1 : 0);
	/* Invalid ids fail before any permission check, even for root. */
	CK("setuid(-1)", S(SYS_setuid, -1));
	CK("setgid(-1)", S(SYS_setgid, -1));
	CK("kill(no such group)", S(SYS_kill, -0x7ffffff0, 0));
	CK("getgroups(-1)", S(SYS_getgroups, -1, buf));
	CK("setgroups(too many)", S(SYS_setgroups, 70000, buf));
	BADPTRS("getresuid", S(SYS_getresuid, P, P, P));
	BADPTRS("getresgid", S(SYS_getresgid, P, P, P));
	CK("sched_getaffinity(len 0)", S(SYS_sched_getaffinity, 0, 0, buf));
	CK("sched_getaffinity(len 3)", S(SYS_sched_getaffinity, 0, 3, buf));
	CK("sched_getaffinity(huge pid)",
	    S(SYS_sched_getaffinity, 0x7ffffff0, 128, buf));
	BADPTRS("sched_getaffinity", S(SYS_sched_getaffinity, 0, 128, P));
	BADPTRS("uname", S(SYS_uname, P));
	BADPTRS("sysinfo", S(SYS_sysinfo, P));
	CK("prctl(9999)", S(SYS_prctl, 9999, 0, 0, 0, 0));
	BADPTRS("prctl(PR_SET_NAME)", S(SYS_prctl, 15, P, 0, 0, 0));
	CK("arch_prctl(9999)", S(SYS_arch_prctl, 9999, 0));
	BADPTRS("arch_prctl(GET_FS)", S(SYS_arch_prctl, 0x1003, P));
	CK("set_robust_list(len 1)", S(SYS_set_robust_list, buf, 1));
	CK("get_robust_list(huge)",
	    S(SYS_get_robust_list, 0x7ffffff0, buf, buf + 8));
	BADPTRS("get_robust_list", S(SYS_get_robust_list, 0, P, buf));
	CK("getrandom(bad flags)", S(SYS_getrandom, buf, 8, 0x100));
	BADPTRS("getrandom", S(SYS_getrandom, P, 8, 0));
}

static void
timing(void)
{
	struct timespec bad = { 0, 1000000000 }, neg = { -1, 0 };
	struct timespec ts;

	CK("clock_gettime(99)", S(SYS_clock_gettime, 99, &ts));
	BADPTRS("clock_gettime", S(SYS_clock_gettime, CLOCK_MONOTONIC, P));
	CK("clock_gettime(PROCESS_CPUTIME)",
	    S(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &ts));
	CK("clock_gettime(THREAD_CPUTIME)",
	    S(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &ts));
	CK("clock_getres(99)", S(SYS_clock_getres, 99, &ts));
	CK("clock_getres(NULL)", S(SYS_clock_getres, CLOCK_MONOTONIC, 0));
	CK("clock_settime(MONOTONIC)",
	    S(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
	CK("clock_settime(99)", S(SYS_clock_settime, 99, &ts));
	/* A bad time is EINVAL before the privilege check. */
	CK("clock_settime(REALTIME, bad nsec)",
	    S(SYS_clock_settime, CLOCK_REALTIME, &bad));
	CK("clock_settime(REALTIME, kernel)",
	    S(SYS_clock_settime, CLOCK_REALTIME, KADDR));
	{
		long tv[2] = { 0, 2000000 };

		CK("settimeofday(bad usec)", S(SYS_settimeofday, tv, 0));
		CK("settimeofday(kernel)", S(SYS_settimeofday, KADDR, 0));
	}
	CK("clock_nanosleep(99)", S(SYS_clock_nanosleep, 99, 0, &ts, 0));
	CK("clock_nanosleep(bad nsec)",
	    S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, 0));
	CK("clock_nanosleep(THREAD_CPUTIME)",
	    S(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ts, 0));
	CK("nanosleep(bad nsec)", S(SYS_nanosleep, &bad, 0));
	CK("nanosleep(negative)", S(SYS_nanosleep, &neg, 0));
	BADPTRS("nanosleep", S(SYS_nanosleep, P, 0));
	BADPTRS("gettimeofday", S(SYS_gettimeofday, P, 0));
	CK("gettimeofday(NULL, NULL)", S(SYS_gettimeofday, 0, 0));
	BADPTRS("time", S(SYS_time, P) == -1 ? -1 : 0);
	CK("getitimer(99)", S(SYS_getitimer, 99, buf));
	BADPTRS("getitimer", S(SYS_getitimer, 0, P));
	CK("setitimer(99)", S(SYS_setitimer, 99, buf, 0));
	{
		long itv[4] = { 0, 0, 0, 1000000 };

		CK("setitimer(bad usec)", S(SYS_setitimer, 0, itv, 0));
	}
	CK("poll(nfds huge)", S(SYS_poll, buf, 1 << 30, 0));
	BADPTRS("poll fds", S(SYS_poll, P, 1, 0));
	CK("poll(-1 fd)", S(SYS_poll, (long[]){ -1 }, 1, 0));
	CK("ppoll(bad ts)", S(SYS_ppoll, buf, 0, &bad, 0, 8));
	CK("select(nfds -1)", S(SYS_select, -1, 0, 0, 0, 0));
	{
		uint64_t set = 1ul << 60;
		long tv[2] = { 0, 0 };

		CK("select(closed fd)", S(SYS_select, 61, &set, 0, 0, tv));
		tv[1] = -1;
		set = 0;
		CK("select(bad usec)", S(SYS_select, 1, &set, 0, 0, tv));
	}
	CK("pselect6(bad ts)", S(SYS_pselect6, 0, 0, 0, 0, &bad, 0));
	{
		uint32_t word = 5;

		CK("futex(WAIT wrong val)", S(SYS_futex, &word, 0, 4, 0, 0, 0));
		CK("futex(WAIT timeout)", S(SYS_futex, &word, 0, 5, &ts, 0, 0));
		CK("futex(WAIT bad ts)", S(SYS_futex, &word, 0, 5, &bad, 0, 0));
		CK("futex(unaligned)",
		    S(SYS_futex, (char *)&word + 1, 1, 1, 0, 0, 0));
		BADPTRS("futex(WAIT)", S(SYS_futex, P, 0, 0, 0, 0, 0));
		CK("futex(WAKE none)", S(SYS_futex, &word, 1, 1, 0, 0, 0));
		CK("futex(bad op)", S(SYS_futex, &word, 99, 1, 0, 0, 0));
		CK("futex(WAIT_BITSET 0)",
		    S(SYS_futex, &word, 9, 5, 0, 0, 0));
		CK("futex(CMP_REQUEUE wrong)",
		    S(SYS_futex, &word, 4, 1, 1, &word, 6));
		CK("futex(CMP_REQUEUE right)",
		    S(SYS_futex, &word, 4, 1, 1, &word, 5));
		CK("futex(CMP_REQUEUE neg)",
		    S(SYS_futex, &word, 4, -1, 1, &word, 5));
		CK("futex(WAKE_OP)", S(SYS_futex, &word, 5, 1, 1, &word,
		    (1 << 28) | (2 << 12)));
		CK("futex word after WAKE_OP", word);
		CK("futex(WAKE_OP bad op)", S(SYS_futex, &word, 5, 1, 1, &word,
		    (7 << 28)));
		BADPTRS("futex(WAKE_OP uaddr2)",
		    S(SYS_futex, &word, 5, 1, 1, P, 0));
		CK("futex(WAKE|CLOCK_REALTIME)",
		    S(SYS_futex, &word, 1 | 256, 1, 0, 0, 0));
		ts.tv_sec = 0;
		ts.tv_nsec = 1;
		CK("futex(WAIT_BITSET abs past)",
		    S(SYS_futex, &word, 9 | 256, 7, &ts, 0, ~0u));
	}
}

/* A sockaddr_un for path, and its length. */
static socklen_t
unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + 1);
}

static void
sockets(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	int fd = open("f", O_RDONLY), one = 1, sp[2];

	CK("socket(af 99)", S(SYS_socket, 99, SOCK_STREAM, 0));
	CK("socket(type 99)", S(SYS_socket, AF_UNIX, 99, 0));
	CK("socket(protocol 99)", S(SYS_socket, AF_UNIX, SOCK_STREAM, 99));
	CK("socket(bad flags)", S(SYS_socket, AF_UNIX, SOCK_STREAM | 0x10, 0));
	CK("connect(-1)", S(SYS_connect, -1, &sa, sizeof(sa)));
	CK("connect(file)", S(SYS_connect, fd, &sa, sizeof(sa)));
	BADPTRS("connect addr", S(SYS_connect, s, P, sizeof(sa)));
	len = unix_addr(&sa, "nosock");
	CK("connect(len 1)", S(SYS_connect, s, &sa, 1));
	CK("connect(missing)", S(SYS_connect, s, &sa, len));
	len = unix_addr(&sa, "f");
	CK("connect(not a socket)", S(SYS_connect, s, &sa, len));
	CK("bind(len 0)", S(SYS_bind, s, &sa, 0));
	CK("bind(existing)", S(SYS_bind, s, &sa, len));
	CK("bind(file)", S(SYS_bind, fd, &sa, len));
	CK("listen(-1)", S(SYS_listen, -1, 1));
	CK("listen(file)", S(SYS_listen, fd, 1));
	CK("accept(file)", S(SYS_accept, fd, 0, 0));
	CK("accept(not listening)", S(SYS_accept, s, 0, 0));
	CK("accept4(bad flags)", S(SYS_accept4, s, 0, 0, 0x1));
	CK("sendto(unconnected)", S(SYS_sendto, s, "x", 1, MSG_DONTWAIT, 0,
	    0));
	CK("recvfrom(unconnected)", S(SYS_recvfrom, s, buf, 1, MSG_DONTWAIT,
	    0, 0));
	{
		struct msghdr mh;

		memset(&mh, 0, sizeof(mh));
		CK("sendmsg(file)", S(SYS_sendmsg, fd, &mh, 0));
		CK("recvmsg(file)", S(SYS_recvmsg, fd, &mh, 0));
		/* The fd is checked before the msghdr is read. */
		memset(&mh, 0xff, sizeof(mh));
		CK("sendmsg(file, bad msghdr)", S(SYS_sendmsg, fd, &mh, 0));
		CK("recvmsg(file, bad msghdr)", S(SYS_recvmsg, fd, &mh, 0));
		CK("sendmsg(-1, bad msghdr)", S(SYS_sendmsg, -1, &mh, 0));
		CK("recvmsg(-1, bad msghdr)", S(SYS_recvmsg, -1, &mh, 0));
		CK("sendto(file, bad addr)", S(SYS_sendto, fd, "x", 1, 0,
		    KADDR, 1000));
	}
	{
		struct stat st;
		int p[2], e = eventfd(0, 0), ep = epoll_create1(0);

		/* File types as fstat sees them: sockfs, pipefs, anon. */
		pipe(p);
		fstat(s, &st);
		CK("fstat(socket) type", st.st_mode >> 12);
		CK("fstat(socket) mode", st.st_mode & 07777);
		fstat(p[0], &st);
		CK("fstat(pipe) type", st.st_mode >> 12);
		CK("fstat(pipe) mode", st.st_mode & 07777);
		fstat(e, &st);
		CK("fstat(eventfd) type", st.st_mode >> 12);
		CK("fstat(eventfd) mode", st.st_mode & 07777);
		fstat(ep, &st);
		CK("fstat(epoll) type", st.st_mode >> 12);
		CK("fstat(epoll) mode", st.st_mode & 07777);
		close(p[0]);
		close(p[1]);
		close(e);
		close(ep);
	}
	CK("shutdown(how 99)", S(SYS_shutdown, s, 99));
	CK("shutdown(unconnected)", S(SYS_shutdown, s, SHUT_RDWR));
	CK("shutdown(file)", S(SYS_shutdown, fd, SHUT_RDWR));
	CK("getsockname(file)", S(SYS_getsockname, fd, buf, &len));
	CK("getpeername(unconnected)", S(SYS_getpeername, s, buf, &len));
	BADPTRS("getsockname len", S(SYS_getsockname, s, buf, P));
	CK("setsockopt(bad option)",
	    S(SYS_setsockopt, s, SOL_SOCKET, 9999, &one, sizeof(one)));
	CK("setsockopt(file)",
	    S(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, &one, 4));
	BADPTRS("getsockopt len",
	    S(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, buf, P));
	CK("socketpair(af 99)", S(SYS_socketpair, 99, SOCK_STREAM, 0, sp));
	BADPTRS("socketpair sv",
	    S(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, P));
	close(s);

	{
		struct epoll_event ev = { .events = EPOLLIN };
		int ep = epoll_create1(0), efd = eventfd(0, EFD_NONBLOCK);
		uint64_t v = ~0ull;

		CK("epoll_create(0)", S(SYS_epoll_create, 0));
		CK("epoll_create1(bad flags)", S(SYS_epoll_create1, 0x1));
		CK("epoll_ctl(-1)", S(SYS_epoll_ctl, -1, EPOLL_CTL_ADD, efd,
		    &ev));
		CK("epoll_ctl(not epoll)", S(SYS_epoll_ctl, efd,
		    EPOLL_CTL_ADD, efd, &ev));
		CK("epoll_ctl(itself)", S(SYS_epoll_ctl, ep, EPOLL_CTL_ADD,
		    ep, &ev));
		CK("epoll_ctl(regular file)", S(SYS_epoll_ctl, ep,
		    EPOLL_CTL_ADD, fd, &ev));
		CK("epoll_ctl(op 99)", S(SYS_epoll_ctl, ep, 99, efd, &ev));
		CK("epoll_ctl(DEL missing)", S(SYS_epoll_ctl, ep, EPOLL_CTL_DEL,
		    efd, &ev));
		CK("epoll_ctl(MOD missing)", S(SYS_epoll_ctl, ep, EPOLL_CTL_MOD,
		    efd, &ev));
		CK("epoll_ctl(ADD)", S(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd,
		    &ev));
		CK("epoll_ctl(ADD again)", S(SYS_epoll_ctl, ep, EPOLL_CTL_ADD,
		    efd, &ev));
		BADPTRS("epoll_ctl event",
		    S(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, efd, P));
		CK("epoll_wait(maxevents 0)", S(SYS_epoll_wait, ep, buf, 0, 0));
		CK("epoll_wait(not epoll)", S(SYS_epoll_wait, efd, buf, 1, 0));
		CK("epoll_wait(none ready)", S(SYS_epoll_wait, ep, buf, 1, 0));
		CK("epoll_pwait(sigsetsize 4)",
		    S(SYS_epoll_pwait, ep, buf, 1, 0, buf + 64, 4));
		CK("eventfd2(bad flags)", S(SYS_eventfd2, 0, 0x10));
		CK("eventfd read(4 bytes)", S(SYS_read, efd, buf, 4));
		CK("eventfd read(empty)", S(SYS_read, efd, buf, 8));
		CK("eventfd write(~0)", S(SYS_write, efd, &v, 8));
		CK("eventfd write(4 bytes)", S(SYS_write, efd, &v, 4));
		BADPTRS("eventfd write", S(SYS_write, efd, P, 8));
		v = 1;
		CK("eventfd write(1)", S(SYS_write, efd, &v, 8));
		CK("epoll_wait(one ready)", S(SYS_epoll_wait, ep, buf, 1, 0));
		CK("epoll_wait(events kernel)",
		    S(SYS_epoll_wait, ep, KADDR, 1, 0));
		close(ep);
		close(efd);
	}
	close(fd);
}

int
main(void)
{
	setup();
	printf("errors: begin\n");
	files();
	names();
	memory();
	signals();
	processes();
	timing();
	sockets();
	printf("errors: end\n");
	fflush(stdout);
	return 0;
}
