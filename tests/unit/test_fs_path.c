/*
 * The VFS through its syscalls: the path walk (".", "..", symlinks and
 * ELOOP, trailing slashes, ENAMETOOLONG, ENOTDIR, ENOENT, permissions),
 * open's flags, read/write/lseek/pread/pwrite on tmpfs files, sparse
 * files and truncate, getdents64, the stat layout, directories, rename,
 * links, modes, owners, times and the working directory.
 */
#include <stddef.h>

#include "fs/vfs.h"
#include "kern/printk.h"
#include "test_sys.h"

#define CR		(O_CREAT | O_RDWR)
#define NSEC_BAD	1000000000L	/* one past the largest tv_nsec */

/* A decimal number at the start of s. */
static int
atoi_k(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Compare user memory at u with s. */
static int
memcmp_u(uaddr_t u, const char *s, size_t n)
{
	char k[256];

	ck_assert(n <= sizeof(k));
	ck_assert_int_eq(copyin(k, u, n), 0);
	return memcmp(k, s, n);
}

/* A scratch page for paths and buffers, set up per test. */
static uaddr_t scratch;

/* A user copy of s (in one of 16 rotating slots of 512 bytes). */
static uaddr_t
U(const char *s)
{
	static int slot;
	uaddr_t u;

	if (scratch == 0)
		scratch = umem(16 * PG);
	u = scratch + 8 * PG + (uaddr_t)(slot++ % 16) * 512;
	ck_assert(strlen(s) < 512);
	poke_str(u, s);
	return u;
}

static uaddr_t
buf(void)
{
	if (scratch == 0)
		scratch = umem(16 * PG);
	return scratch;
}

static long
xopen(const char *p, long flags, long mode)
{
	return sys(SYS_open, U(p), flags, mode);
}

static void
put(const char *p, const char *data)
{
	long fd = xopen(p, CR | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	poke_str(buf(), data);
	ck_assert_int_eq(sys(SYS_write, fd, buf(), strlen(data)),
	    (long)strlen(data));
	ck_assert_int_eq(sys(SYS_close, fd), 0);
}

struct kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};

static struct kstat
xstat(const char *p, int nr)
{
	struct kstat st;

	ck_assert_int_eq(sys(nr, U(p), buf() + 4 * PG), 0);
	ck_assert_int_eq(copyin(&st, buf() + 4 * PG, sizeof(st)), 0);
	return st;
}

/* Linux x86-64's struct stat field offsets. */
START_TEST(stat_layout)
{
	ck_assert_int_eq(sizeof(struct kstat), 144);
	ck_assert_int_eq(offsetof(struct kstat, ino), 8);
	ck_assert_int_eq(offsetof(struct kstat, nlink), 16);
	ck_assert_int_eq(offsetof(struct kstat, mode), 24);
	ck_assert_int_eq(offsetof(struct kstat, uid), 28);
	ck_assert_int_eq(offsetof(struct kstat, gid), 32);
	ck_assert_int_eq(offsetof(struct kstat, rdev), 40);
	ck_assert_int_eq(offsetof(struct kstat, size), 48);
	ck_assert_int_eq(offsetof(struct kstat, blksize), 56);
	ck_assert_int_eq(offsetof(struct kstat, blocks), 64);
	ck_assert_int_eq(offsetof(struct kstat, atime), 72);
	ck_assert_int_eq(offsetof(struct kstat, mtime), 88);
	ck_assert_int_eq(offsetof(struct kstat, ctime), 104);
}
END_TEST

static int
walk_body(void *arg)
{
	char name[300];
	struct kstat st;
	long fd;
	int i;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/a"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/a/b"), 0755), 0);
	put("/a/b/f", "hello");
	/* ".", "..", repeated slashes, ".." at the root. */
	st = xstat("/a/./b/../b//f", SYS_stat);
	ck_assert_int_eq(st.size, 5);
	ck_assert(S_ISREG(st.mode));
	st = xstat("/../../a/b/f", SYS_stat);
	ck_assert_int_eq(st.size, 5);
	/* ENOENT, ENOTDIR, trailing slashes. */
	ck_assert_int_eq(sys(SYS_stat, U("/a/x/f"), buf()), -ENOENT);
	ck_assert_int_eq(sys(SYS_stat, U("/a/b/f/x"), buf()), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_stat, U("/a/b/f/"), buf()), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_stat, U("/a/b/"), buf()), 0);
	ck_assert_int_eq(sys(SYS_stat, U(""), buf()), -ENOENT);
	ck_assert_int_eq(sys(SYS_stat, BAD, buf()), -EFAULT);
	ck_assert_int_eq(sys(SYS_stat, U("/a/b/f"), BAD), -EFAULT);
	/* NAME_MAX and PATH_MAX. */
	memset(name, 'n', 256);
	name[0] = '/';
	name[257] = '\0';
	memset(name + 1, 'n', 256);
	ck_assert_int_eq(sys(SYS_stat, U(name), buf()), -ENAMETOOLONG);
	name[256] = '\0';	/* 255 bytes: fine, just absent */
	ck_assert_int_eq(sys(SYS_stat, U(name), buf()), -ENOENT);
	{
		uaddr_t big = buf() + 5 * PG;
		char c = 'a';

		for (i = 0; i < 4096; i++)
			ck_assert_int_eq(copyout(big + (uaddr_t)i,
			    i % 2 ? "/" : &c, 1), 0);
		ck_assert_int_eq(copyout(big + 4096, "", 1), 0);
		ck_assert_int_eq(sys(SYS_stat, big, buf()), -ENAMETOOLONG);
	}
	/* Symlinks: relative, absolute, dangling, loops, lstat. */
	ck_assert_int_eq(sys(SYS_symlink, U("b/f"), U("/a/rel")), 0);
	ck_assert_int_eq(sys(SYS_symlink, U("/a/b"), U("/abs")), 0);
	ck_assert_int_eq(sys(SYS_symlink, U("nowhere"), U("/dang")), 0);
	ck_assert_int_eq(sys(SYS_symlink, U("/loop2"), U("/loop1")), 0);
	ck_assert_int_eq(sys(SYS_symlink, U("/loop1"), U("/loop2")), 0);
	ck_assert_int_eq(xstat("/a/rel", SYS_stat).size, 5);
	ck_assert_int_eq(xstat("/abs/f", SYS_stat).size, 5);
	ck_assert(S_ISLNK(xstat("/abs", SYS_lstat).mode));
	ck_assert_int_eq(xstat("/abs", SYS_lstat).size, 4);
	ck_assert(S_ISDIR(xstat("/abs/", SYS_lstat).mode));
	ck_assert_int_eq(sys(SYS_stat, U("/dang"), buf()), -ENOENT);
	ck_assert_int_eq(sys(SYS_stat, U("/loop1"), buf()), -ELOOP);
	ck_assert_int_eq(sys(SYS_open, U("/abs"), O_RDONLY | O_NOFOLLOW),
	    -ELOOP);
	ck_assert_int_eq(sys(SYS_symlink, U(""), U("/empty")), -ENOENT);
	/* A chain of 40 links resolves; 41 is ELOOP. */
	ck_assert_int_eq(sys(SYS_symlink, U("/a/b/f"), U("/l0")), 0);
	for (i = 1; i <= 40; i++) {
		char t[16], l[16];

		ksnprintf(t, sizeof(t), "/l%d", i - 1);
		ksnprintf(l, sizeof(l), "/l%d", i);
		ck_assert_int_eq(sys(SYS_symlink, U(t), U(l)), 0);
	}
	ck_assert_int_eq(sys(SYS_stat, U("/l39"), buf()), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/l40"), buf()), -ELOOP);
	/* readlink: no NUL, truncated to the buffer, EINVAL on non-links. */
	ck_assert_int_eq(sys(SYS_readlink, U("/a/rel"), buf(), 100), 3);
	ck_assert_int_eq(sys(SYS_readlink, U("/a/rel"), buf(), 2), 2);
	ck_assert_int_eq(sys(SYS_readlink, U("/a/b/f"), buf(), 10), -EINVAL);
	ck_assert_int_eq(sys(SYS_readlink, U("/a/rel"), buf(), 0), -EINVAL);
	/* *at with a directory fd, EBADF, ENOTDIR, AT_EMPTY_PATH. */
	fd = xopen("/a", O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_newfstatat, fd, U("b/f"), buf(), 0), 0);
	ck_assert_int_eq(sys(SYS_newfstatat, 99, U("b/f"), buf(), 0), -EBADF);
	ck_assert_int_eq(sys(SYS_newfstatat, 99, U("/a"), buf(), 0), 0);
	ck_assert_int_eq(sys(SYS_newfstatat, fd, U(""), buf(), 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_newfstatat, fd, U(""), buf(),
	    AT_EMPTY_PATH), 0);
	ck_assert_int_eq(sys(SYS_newfstatat, fd, U("rel"), buf(),
	    AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISLNK((uint32_t)peek32(buf() + 24)));
	ck_assert_int_eq(sys(SYS_newfstatat, fd, U("x"), buf(), 0x1), -EINVAL);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	fd = xopen("/a/b/f", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_newfstatat, fd, U("x"), buf(), 0), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_fstat, fd, buf()), 0);
	ck_assert_int_eq(sys(SYS_fstat, 77, buf()), -EBADF);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return 0;
}

START_TEST(path_walk)
{
	sys_run(walk_body);
}
END_TEST

static int
open_body(void *arg)
{
	long fd, fd2;
	char k[16];

	(void)arg;
	ck_assert_int_eq(xopen("/f", O_RDONLY, 0), -ENOENT);
	fd = xopen("/f", CR | O_EXCL, 0600);
	ck_assert_int_eq(fd, 3);
	ck_assert_int_eq(xopen("/f", CR | O_EXCL, 0600), -EEXIST);
	ck_assert_int_eq(xopen("/f", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
	ck_assert_int_eq(xopen("/f/", CR, 0600), -EISDIR);
	ck_assert_int_eq(xopen("/", O_WRONLY, 0), -EISDIR);
	ck_assert_int_eq(xopen("/", O_RDWR, 0), -EISDIR);
	ck_assert_int_eq(xopen("/", O_RDONLY | O_CREAT, 0), -EISDIR);
	ck_assert_int_eq(xopen("/d", O_CREAT | O_DIRECTORY, 0), -EINVAL);
	ck_assert_int_eq(xopen("/nodir/f", CR, 0600), -ENOENT);
	/* write, lseek, read, pread/pwrite, SEEK_END, negative seek. */
	poke_str(buf(), "abcdefgh");
	ck_assert_int_eq(sys(SYS_write, fd, buf(), 8), 8);
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_CUR), 8);
	ck_assert_int_eq(sys(SYS_lseek, fd, -3, SEEK_END), 5);
	ck_assert_int_eq(sys(SYS_read, fd, buf() + 100, 10), 3);
	ck_assert_int_eq(copyin(k, buf() + 100, 3), 0);
	ck_assert_int_eq(memcmp(k, "fgh", 3), 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf() + 100, 10), 0);
	ck_assert_int_eq(sys(SYS_lseek, fd, -1, SEEK_SET), -EINVAL);
	ck_assert_int_eq(sys(SYS_lseek, fd, -100, SEEK_CUR), -EINVAL);
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, 7), -EINVAL);
	ck_assert_int_eq(sys(SYS_pwrite64, fd, buf(), 2, 1), 2);
	ck_assert_int_eq(sys(SYS_pread64, fd, buf() + 100, 4, 0), 4);
	ck_assert_int_eq(copyin(k, buf() + 100, 4), 0);
	ck_assert_int_eq(memcmp(k, "aabd", 4), 0);
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_CUR), 8);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* Access modes. */
	fd = xopen("/f", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_write, fd, buf(), 1), -EBADF);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	fd = xopen("/f", O_WRONLY, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf(), 1), -EBADF);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* O_APPEND writes at the end whatever the position. */
	fd = xopen("/f", O_WRONLY | O_APPEND, 0);
	ck_assert_int_eq(sys(SYS_write, fd, buf(), 2), 2);
	ck_assert_int_eq(xstat("/f", SYS_stat).size, 10);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* O_TRUNC empties it. */
	fd = xopen("/f", O_WRONLY | O_TRUNC, 0);
	ck_assert_int_eq(xstat("/f", SYS_stat).size, 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* O_CLOEXEC, O_NONBLOCK kept; openat with AT_FDCWD. */
	fd = sys(SYS_openat, AT_FDCWD, U("f"), O_RDONLY | O_CLOEXEC |
	    O_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_fcntl, fd, 1), 1);	/* F_GETFD */
	ck_assert_int_eq(sys(SYS_fcntl, fd, 3) & O_NONBLOCK, O_NONBLOCK);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* Reading a directory: EISDIR. */
	fd = xopen("/", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf(), 1), -EISDIR);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* An unlinked open file keeps its data. */
	put("/g", "keep");
	fd = xopen("/g", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_unlink, U("/g")), 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf(), 10), 4);
	fd2 = sys(SYS_dup, fd);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_fstat, fd2, buf()), 0);
	ck_assert_int_eq(peek32(buf() + 16), 0);	/* nlink */
	ck_assert_int_eq(sys(SYS_close, fd2), 0);
	/* umask applies to creation. */
	ck_assert_int_eq(sys(SYS_umask, 077), 022);
	fd = xopen("/m", CR, 0666);
	ck_assert_int_eq(xstat("/m", SYS_stat).mode, S_IFREG | 0600);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return 0;
}

START_TEST(open_flags)
{
	sys_run(open_body);
}
END_TEST

static int
sparse_body(void *arg)
{
	struct kstat st;
	long fd;
	char k[8];

	(void)arg;
	fd = xopen("/s", CR, 0644);
	poke_str(buf(), "xy");
	/* A byte at 1 GiB: one page allocated, the rest holes. */
	ck_assert_int_eq(sys(SYS_pwrite64, fd, buf(), 1, 1L << 30), 1);
	st = xstat("/s", SYS_stat);
	ck_assert_int_eq(st.size, (1L << 30) + 1);
	ck_assert_int_eq(st.blocks, 8);
	ck_assert_int_eq(sys(SYS_pread64, fd, buf() + 100, 4, 12345), 4);
	ck_assert_int_eq(peek32(buf() + 100), 0);
	/* Truncate down and up: the cut bytes come back as zeroes. */
	ck_assert_int_eq(sys(SYS_pwrite64, fd, buf(), 2, 0), 2);
	ck_assert_int_eq(sys(SYS_ftruncate, fd, 1), 0);
	ck_assert_int_eq(xstat("/s", SYS_stat).blocks, 8);
	ck_assert_int_eq(sys(SYS_ftruncate, fd, 100), 0);
	ck_assert_int_eq(sys(SYS_pread64, fd, buf() + 100, 4, 0), 4);
	ck_assert_int_eq(copyin(k, buf() + 100, 2), 0);
	ck_assert_int_eq(k[0], 'x');
	ck_assert_int_eq(k[1], 0);
	ck_assert_int_eq(sys(SYS_truncate, U("/s"), 0), 0);
	ck_assert_int_eq(xstat("/s", SYS_stat).blocks, 0);
	ck_assert_int_eq(sys(SYS_truncate, U("/s"), -1), -EINVAL);
	ck_assert_int_eq(sys(SYS_truncate, U("/"), 0), -EISDIR);
	ck_assert_int_eq(sys(SYS_ftruncate, fd, -1), -EINVAL);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	fd = xopen("/s", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_ftruncate, fd, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return 0;
}

START_TEST(sparse_truncate)
{
	sys_run(sparse_body);
}
END_TEST

/* Read a directory fully; return the entry count, checking each name. */
static int
count_dir(const char *path, int *seen, int n)
{
	long fd = xopen(path, O_RDONLY | O_DIRECTORY, 0), r;
	char ent[300];
	int count = 0;

	ck_assert_int_ge(fd, 0);
	/* Small buffers: many calls, the cookie carries on. */
	while ((r = sys(SYS_getdents64, fd, buf(), 700)) > 0) {
		long at = 0;

		while (at < r) {
			uint16_t reclen;

			ck_assert_int_eq(copyin(ent, buf() + (uaddr_t)at,
			    sizeof(ent) < (size_t)(r - at) ? sizeof(ent) :
			    (size_t)(r - at)), 0);
			memcpy(&reclen, ent + 16, 2);
			ck_assert_int_eq(reclen % 8, 0);
			if (ent[19] == 'e') {
				int i = atoi_k(ent + 20);

				ck_assert_int_lt(i, n);
				ck_assert_int_eq(seen[i], 0);
				seen[i] = 1;
				/* DT_REG */
				ck_assert_int_eq(ent[18], 8);
			}
			count++;
			at += reclen;
		}
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(sys(SYS_getdents64, fd, buf(), 10), 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return count;
}

static int
dents_body(void *arg)
{
	static int seen[1000];
	char name[32];
	long fd;
	int i;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/d"), 0755), 0);
	for (i = 0; i < 1000; i++) {
		ksnprintf(name, sizeof(name), "/d/e%d", i);
		fd = xopen(name, CR, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(sys(SYS_close, fd), 0);
	}
	ck_assert_int_eq(sys(SYS_mkdir, U("/d/sub"), 0755), 0);
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(count_dir("/d", seen, 1000), 1003);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(seen[i], 1);
	/* A buffer too small for one entry; not a directory; EBADF. */
	fd = xopen("/d", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_getdents64, fd, buf(), 10), -EINVAL);
	ck_assert_int_eq(sys(SYS_getdents64, fd, BAD, 4096), -EFAULT);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	fd = xopen("/d/e1", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_getdents64, fd, buf(), 4096), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_getdents64, 55, buf(), 4096), -EBADF);
	return 0;
}

START_TEST(getdents_many)
{
	sys_run(dents_body);
}
END_TEST

static int
dirs_body(void *arg)
{
	long fd;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/x"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/x"), 0755), -EEXIST);
	ck_assert_int_eq(sys(SYS_mkdir, U("/x/."), 0755), -EEXIST);
	ck_assert_int_eq(sys(SYS_mkdir, U("/"), 0755), -EEXIST);
	ck_assert_int_eq(sys(SYS_mkdir, U("/y/z"), 0755), -ENOENT);
	ck_assert_int_eq(sys(SYS_mkdir, U("/x/y/"), 0755), 0);
	ck_assert_int_eq(xstat("/x", SYS_stat).nlink, 3);
	ck_assert_int_eq(xstat("/x/y", SYS_stat).nlink, 2);
	put("/x/f", "1");
	ck_assert_int_eq(sys(SYS_mkdir, U("/x/f/g"), 0755), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_rmdir, U("/x")), -ENOTEMPTY);
	ck_assert_int_eq(sys(SYS_rmdir, U("/x/f")), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_rmdir, U("/x/.")), -EINVAL);
	ck_assert_int_eq(sys(SYS_rmdir, U("/x/y/..")), -ENOTEMPTY);
	ck_assert_int_eq(sys(SYS_rmdir, U("/")), -EBUSY);
	ck_assert_int_eq(sys(SYS_unlink, U("/x/y")), -EISDIR);
	ck_assert_int_eq(sys(SYS_unlink, U("/x/f/")), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_unlink, U("/x/nope")), -ENOENT);
	ck_assert_int_eq(sys(SYS_unlinkat, AT_FDCWD, U("/x/y"),
	    AT_REMOVEDIR), 0);
	ck_assert_int_eq(sys(SYS_unlinkat, AT_FDCWD, U("/x/f"), 0x1), -EINVAL);
	ck_assert_int_eq(sys(SYS_unlinkat, AT_FDCWD, U("/x/f"), 0), 0);
	ck_assert_int_eq(xstat("/x", SYS_stat).nlink, 2);
	/* cwd: chdir, fchdir, relative paths, getcwd and ERANGE. */
	ck_assert_int_eq(sys(SYS_mkdirat, AT_FDCWD, U("x/deep"), 0700), 0);
	ck_assert_int_eq(sys(SYS_chdir, U("/x/deep")), 0);
	ck_assert_int_eq(sys(SYS_getcwd, buf(), 100), 8);
	ck_assert_int_eq(memcmp_u(buf(), "/x/deep", 8), 0);
	ck_assert_int_eq(sys(SYS_getcwd, buf(), 8), 8);
	ck_assert_int_eq(sys(SYS_getcwd, buf(), 7), -ERANGE);
	put("here", "h");
	ck_assert_int_eq(xstat("/x/deep/here", SYS_stat).size, 1);
	ck_assert_int_eq(sys(SYS_chdir, U("..")), 0);
	ck_assert_int_eq(sys(SYS_getcwd, buf(), 100), 3);
	ck_assert_int_eq(sys(SYS_chdir, U("deep/here")), -ENOTDIR);
	fd = xopen("/", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_fchdir, fd), 0);
	ck_assert_int_eq(sys(SYS_getcwd, buf(), 100), 2);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_fchdir, 40), -EBADF);
	/* A removed cwd: getcwd ENOENT, creation ENOENT. */
	ck_assert_int_eq(sys(SYS_mkdir, U("/gone"), 0700), 0);
	ck_assert_int_eq(sys(SYS_chdir, U("/gone")), 0);
	ck_assert_int_eq(sys(SYS_rmdir, U("/gone")), 0);
	ck_assert_int_eq(sys(SYS_getcwd, buf(), 100), -ENOENT);
	ck_assert_int_eq(xopen("f", CR, 0600), -ENOENT);
	ck_assert_int_eq(sys(SYS_chdir, U("/")), 0);
	return 0;
}

START_TEST(directories)
{
	sys_run(dirs_body);
}
END_TEST

static int
rename_body(void *arg)
{
	struct kstat st;

	(void)arg;
	put("/a", "A");
	put("/b", "BB");
	ck_assert_int_eq(sys(SYS_mkdir, U("/d"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/d/e"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/full"), 0755), 0);
	put("/full/x", "x");
	/* Replace a file; the old name goes. */
	ck_assert_int_eq(sys(SYS_rename, U("/a"), U("/b")), 0);
	ck_assert_int_eq(xstat("/b", SYS_stat).size, 1);
	ck_assert_int_eq(sys(SYS_stat, U("/a"), buf()), -ENOENT);
	ck_assert_int_eq(sys(SYS_rename, U("/a"), U("/c")), -ENOENT);
	/* Types must agree; a non-empty target directory refuses. */
	ck_assert_int_eq(sys(SYS_rename, U("/b"), U("/d")), -EISDIR);
	ck_assert_int_eq(sys(SYS_rename, U("/d"), U("/b")), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_rename, U("/d"), U("/full")), -ENOTEMPTY);
	ck_assert_int_eq(sys(SYS_rename, U("/b/"), U("/c")), -ENOTDIR);
	/* Into itself. */
	ck_assert_int_eq(sys(SYS_rename, U("/d"), U("/d/e/f")), -EINVAL);
	ck_assert_int_eq(sys(SYS_rename, U("/d"), U("/d/e")), -EINVAL);
	ck_assert_int_eq(sys(SYS_rename, U("/d/."), U("/q")), -EBUSY);
	/* Moving a directory moves its ".." link. */
	ck_assert_int_eq(sys(SYS_rename, U("/d/e"), U("/full/e")), 0);
	ck_assert_int_eq(xstat("/d", SYS_stat).nlink, 2);
	ck_assert_int_eq(xstat("/full", SYS_stat).nlink, 3);
	/* An empty directory may be replaced by a directory. */
	ck_assert_int_eq(sys(SYS_mkdir, U("/empty"), 0755), 0);
	ck_assert_int_eq(sys(SYS_rename, U("/d"), U("/empty")), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/d"), buf()), -ENOENT);
	/* Same file: nothing happens. */
	ck_assert_int_eq(sys(SYS_link, U("/b"), U("/b2")), 0);
	ck_assert_int_eq(sys(SYS_rename, U("/b"), U("/b2")), 0);
	ck_assert_int_eq(xstat("/b", SYS_stat).nlink, 2);
	/* renameat2 flags. */
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/b"), AT_FDCWD,
	    U("/full/x"), 1), -EEXIST);
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/b"), AT_FDCWD,
	    U("/full/x"), 3), -EINVAL);
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/b"), AT_FDCWD,
	    U("/full/x"), 8), -EINVAL);
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/b"), AT_FDCWD,
	    U("/nope"), 2), -ENOENT);
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/b"), AT_FDCWD,
	    U("/full/x"), 2), 0);
	ck_assert_int_eq(xstat("/b", SYS_stat).size, 1);	/* "x" */
	ck_assert_int_eq(xstat("/full/x", SYS_stat).nlink, 2);
	/* Exchange a file and a directory across parents. */
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/b"), AT_FDCWD,
	    U("/full/e"), 2), 0);
	st = xstat("/b", SYS_stat);
	ck_assert(S_ISDIR(st.mode));
	ck_assert_int_eq(xstat("/full", SYS_stat).nlink, 2);
	ck_assert_int_eq(xstat("/", SYS_stat).nlink, 5);
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/full"), AT_FDCWD,
	    U("/full/e"), 2), -EINVAL);
	ck_assert_int_eq(sys(SYS_renameat, AT_FDCWD, U("/full/e"), AT_FDCWD,
	    U("/renamed")), 0);
	ck_assert_int_eq(xstat("/renamed", SYS_stat).size, 1);
	return 0;
}

START_TEST(rename_rules)
{
	sys_run(rename_body);
}
END_TEST

static int
links_body(void *arg)
{
	(void)arg;
	put("/f", "data");
	ck_assert_int_eq(sys(SYS_link, U("/f"), U("/g")), 0);
	ck_assert_int_eq(xstat("/f", SYS_stat).nlink, 2);
	ck_assert_int_eq(xstat("/f", SYS_stat).ino,
	    xstat("/g", SYS_stat).ino);
	ck_assert_int_eq(sys(SYS_link, U("/f"), U("/g")), -EEXIST);
	ck_assert_int_eq(sys(SYS_link, U("/"), U("/r")), -EPERM);
	ck_assert_int_eq(sys(SYS_link, U("/nope"), U("/r")), -ENOENT);
	ck_assert_int_eq(sys(SYS_link, U("/f"), U("/no/r")), -ENOENT);
	ck_assert_int_eq(sys(SYS_unlink, U("/f")), 0);
	ck_assert_int_eq(xstat("/g", SYS_stat).nlink, 1);
	ck_assert_int_eq(xstat("/g", SYS_stat).size, 4);
	/* linkat: a symlink itself, or what it names with FOLLOW. */
	ck_assert_int_eq(sys(SYS_symlink, U("/g"), U("/s")), 0);
	ck_assert_int_eq(sys(SYS_linkat, AT_FDCWD, U("/s"), AT_FDCWD,
	    U("/s2"), 0), 0);
	ck_assert(S_ISLNK(xstat("/s2", SYS_lstat).mode));
	ck_assert_int_eq(sys(SYS_linkat, AT_FDCWD, U("/s"), AT_FDCWD,
	    U("/g2"), AT_SYMLINK_FOLLOW), 0);
	ck_assert_int_eq(xstat("/g", SYS_stat).nlink, 2);
	ck_assert_int_eq(sys(SYS_linkat, AT_FDCWD, U("/s"), AT_FDCWD,
	    U("/g3"), 0x8), -EINVAL);
	return 0;
}

START_TEST(link_counts)
{
	sys_run(links_body);
}
END_TEST

/* Permissions as an unprivileged user; chmod/chown/access/utimensat. */
static int
perm_body(void *arg)
{
	struct kstat st;
	int64_t t[4];
	long fd;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/pub"), 0777), 0);
	ck_assert_int_eq(sys(SYS_chmod, U("/pub"), 0777), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/priv"), 0700), 0);
	put("/priv/f", "s");
	put("/ro", "r");
	ck_assert_int_eq(sys(SYS_chmod, U("/ro"), 0444), 0);
	put("/noexec", "n");
	ck_assert_int_eq(sys(SYS_chmod, U("/noexec"), 0644), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/sticky"), 01777), 0);
	ck_assert_int_eq(sys(SYS_chmod, U("/sticky"), 01777), 0);
	put("/sticky/roots", "r");
	/* Root: reads anything, but exec needs some x bit. */
	ck_assert_int_eq(sys(SYS_access, U("/ro"), 2), 0);
	ck_assert_int_eq(sys(SYS_access, U("/noexec"), 1), -EACCES);
	ck_assert_int_eq(sys(SYS_access, U("/noexec"), 8), -EINVAL);
	ck_assert_int_eq(sys(SYS_chown, U("/pub"), 1000, 1000), 0);
	ck_assert_int_eq(sys(SYS_setgid, 1000), 0);
	ck_assert_int_eq(sys(SYS_setuid, 1000), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/priv/f"), buf()), -EACCES);
	ck_assert_int_eq(xopen("/ro", O_WRONLY, 0), -EACCES);
	ck_assert_int_eq(xopen("/ro", O_RDONLY, 0) >= 0, 1);
	ck_assert_int_eq(xopen("/new", CR, 0600), -EACCES);
	ck_assert_int_eq(sys(SYS_access, U("/ro"), 4), 0);
	ck_assert_int_eq(sys(SYS_access, U("/ro"), 2), -EACCES);
	ck_assert_int_eq(sys(SYS_faccessat, AT_FDCWD, U("/ro"), 0), 0);
	ck_assert_int_eq(sys(SYS_chmod, U("/ro"), 0666), -EPERM);
	ck_assert_int_eq(sys(SYS_chown, U("/ro"), 1000, -1), -EPERM);
	ck_assert_int_eq(sys(SYS_chdir, U("/priv")), -EACCES);
	/* The sticky bit: others' files stay; one's own may go. */
	ck_assert_int_eq(sys(SYS_unlink, U("/sticky/roots")), -EPERM);
	ck_assert_int_eq(sys(SYS_rename, U("/sticky/roots"), U("/sticky/x")),
	    -EPERM);
	put("/sticky/mine", "m");
	ck_assert_int_eq(sys(SYS_unlink, U("/sticky/mine")), 0);
	/* In a directory of its own it may do as it likes. */
	fd = xopen("/pub/mine", CR, 0644);
	ck_assert_int_ge(fd, 0);
	st = xstat("/pub/mine", SYS_stat);
	ck_assert_int_eq(st.uid, 1000);
	ck_assert_int_eq(st.gid, 1000);
	ck_assert_int_eq(sys(SYS_fchmod, fd, 0600), 0);
	ck_assert_int_eq(sys(SYS_fchown, fd, 0, -1), -EPERM);
	ck_assert_int_eq(sys(SYS_fchown, fd, -1, 1000), 0);
	ck_assert_int_eq(sys(SYS_lchown, U("/pub/mine"), 1000, 5), -EPERM);
	ck_assert_int_eq(sys(SYS_fchownat, AT_FDCWD, U("/pub/mine"), -1, -1,
	    0x8), -EINVAL);
	/* utimensat: explicit times for the owner, UTIME_OMIT keeps. */
	t[0] = 100;
	t[1] = 5;
	t[2] = 0;
	t[3] = (1L << 30) - 2;	/* UTIME_OMIT */
	ck_assert_int_eq(copyout(buf() + 200, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_utimensat, AT_FDCWD, U("/pub/mine"),
	    buf() + 200, 0), 0);
	st = xstat("/pub/mine", SYS_stat);
	ck_assert_int_eq(st.atime, 100);
	ck_assert_int_eq(st.atime_nsec, 5);
	ck_assert_int_ne(st.mtime_nsec + st.mtime, 0);
	ck_assert_int_eq(sys(SYS_utimensat, AT_FDCWD, U("/ro"),
	    buf() + 200, 0), -EPERM);
	ck_assert_int_eq(sys(SYS_utimensat, AT_FDCWD, U("/ro"), 0, 0),
	    -EACCES);
	ck_assert_int_eq(sys(SYS_utimensat, fd, 0, 0, 0), 0);
	t[1] = NSEC_BAD;
	ck_assert_int_eq(copyout(buf() + 200, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_utimensat, AT_FDCWD, U("/pub/mine"),
	    buf() + 200, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return 0;
}

START_TEST(permissions)
{
	sys_run(perm_body);
}
END_TEST

/* The child of fork_body: it starts in the parent's cwd. */
static int
fork_child(void *arg)
{
	(void)arg;
	if (sys(SYS_getcwd, buf(), 100) != 3)
		return 1;
	if (sys(SYS_chdir, U("/")) != 0)
		return 2;
	put("child", "c");
	return 0;
}

/* fork inherits the cwd; the child's chdir stays its own. */
static int
fork_body(void *arg)
{
	long pid;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/w"), 0755), 0);
	ck_assert_int_eq(sys(SYS_chdir, U("/w")), 0);
	pid = hosted_fork(fork_child, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(sys(SYS_getcwd, buf(), 100), 3);
	ck_assert_int_eq(xstat("/child", SYS_stat).size, 1);
	return 0;
}

START_TEST(fork_cwd)
{
	sys_run(fork_body);
}
END_TEST

/*
 * chroot: "/" and ".." stop at the new root, the cwd stays put, and the
 * errors come in Linux's order (walk, EACCES, EPERM).
 */
static int
chroot_body(void *arg)
{
	long fd;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/jail"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/jail/inner"), 0700), 0);
	fd = xopen("/jail/marker", CR, 0644);
	ck_assert_int_ge(fd, 0);
	sys(SYS_close, fd);
	fd = xopen("/outside", CR, 0644);
	ck_assert_int_ge(fd, 0);
	sys(SYS_close, fd);
	ck_assert_int_eq(sys(SYS_chroot, U("/outside")), -ENOTDIR);
	ck_assert_int_eq(sys(SYS_chroot, U("/nonexistent")), -ENOENT);
	ck_assert_int_eq(sys(SYS_chroot, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_chroot, U("/jail")), 0);
	ck_assert_int_eq(sys(SYS_access, U("/marker"), 0), 0);
	ck_assert_int_eq(sys(SYS_access, U("/../../marker"), 0), 0);
	ck_assert_int_eq(sys(SYS_access, U("/outside"), 0), -ENOENT);
	/* The cwd was not moved: relative names still see the old tree. */
	ck_assert_int_eq(sys(SYS_access, U("outside"), 0), 0);
	ck_assert_int_eq(sys(SYS_chmod, U("/inner"), 0700), 0);
	ck_assert_int_eq(sys(SYS_setuid, 1000), 0);
	ck_assert_int_eq(sys(SYS_chroot, U("/inner")), -EACCES);
	ck_assert_int_eq(sys(SYS_chroot, U("/")), -EPERM);
	return 0;
}

START_TEST(chroot_root)
{
	sys_run(chroot_body);
}
END_TEST

/* A child of parallel_body: files of its own, names in a shared dir. */
static int
creator(void *arg)
{
	char name[32];
	long fd;
	int i, id = (int)(intptr_t)arg;

	for (i = 0; i < 100; i++) {
		ksnprintf(name, sizeof(name), "/shared/c%d-%d", id, i);
		fd = xopen(name, CR | O_EXCL, 0644);
		if (fd < 0)
			return 1;
		poke_str(buf(), "abc");
		if (sys(SYS_write, fd, buf(), 3) != 3)
			return 2;
		sys(SYS_close, fd);
		if (i % 2 == 0 && sys(SYS_unlink, U(name)) != 0)
			return 3;
	}
	return 0;
}

/* Four processes on two CPUs change one directory at once. */
static int
parallel_body(void *arg)
{
	static int seen[1];
	long pid[4];
	int i;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/shared"), 0777), 0);
	for (i = 0; i < 4; i++) {
		pid[i] = hosted_fork(creator, (void *)(intptr_t)i);
		ck_assert_int_gt(pid[i], 0);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(wait_status(pid[i]), 0);
	ck_assert_int_eq(count_dir("/shared", seen, 0), 2 + 4 * 50);
	return 0;
}

START_TEST(parallel)
{
	sys_run_on(2, parallel_body);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("fs_path");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);

	tcase_add_test(tc, stat_layout);
	tcase_add_test(tc, path_walk);
	tcase_add_test(tc, open_flags);
	tcase_add_test(tc, sparse_truncate);
	tcase_add_test(tc, getdents_many);
	tcase_add_test(tc, directories);
	tcase_add_test(tc, rename_rules);
	tcase_add_test(tc, link_counts);
	tcase_add_test(tc, permissions);
	tcase_add_test(tc, fork_cwd);
	tcase_add_test(tc, chroot_root);
	tcase_add_test(tc, parallel);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
