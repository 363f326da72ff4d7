/*
 * devfs over /dev: mounting it (and EBUSY the second time), the nodes'
 * types, /dev/null, zero, full (ENOSPC), urandom, random and console
 * through their syscalls, ".." out of the mounted tree, and a device a
 * driver registers after the mount; mount(2) and umount2(2) of tmpfs
 * and devfs with their errors (EPERM, ENODEV, ENOENT, ENOTDIR, EINVAL,
 * EBUSY while a file or a cwd is inside); statfs and fstatfs; statx's
 * fields, flags and errors.
 */
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "test_sys.h"

/* struct stat's st_ino and st_mode, at Linux x86-64's offsets. */
#define ST_INO		8
#define ST_MODE		24

static uaddr_t
path(const char *s)
{
	uaddr_t u = umem(PG);

	poke_str(u, s);
	return u;
}

static long
xopen(const char *s, unsigned flags)
{
	return sys(SYS_open, path(s), flags, 0);
}

static uint32_t
mode_of(const char *s)
{
	uaddr_t st = umem(PG);

	ck_assert_int_eq(sys(SYS_stat, path(s), st), 0);
	return (uint32_t)peek32(st + ST_MODE);
}

static uint64_t
ino_of(const char *s)
{
	uaddr_t st = umem(PG);
	uint64_t ino;

	ck_assert_int_eq(sys(SYS_stat, path(s), st), 0);
	ck_assert_int_eq(copyin(&ino, st + ST_INO, sizeof(ino)), 0);
	return ino;
}

static ssize_t
late_read(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)f;
	(void)off;
	return uio_copyout(uio, "late", 4) == 0 ? 4 : -EFAULT;
}

static const struct file_ops late_ops = { .read = late_read };

static int
devfs_body(void *arg)
{
	uaddr_t buf = umem(4 * PG);
	unsigned char k[256];
	size_t i;
	int fd;

	(void)arg;
	ck_assert_int_eq(devfs_mount_dev(), 0);
	ck_assert_int_eq(devfs_mount_dev(), -EBUSY);
	ck_assert_uint_eq(mode_of("/dev"), S_IFDIR | 0755);
	ck_assert_uint_eq(mode_of("/dev/null"), S_IFCHR | 0666);
	ck_assert_uint_eq(mode_of("/dev/console"), S_IFCHR | 0600);
	ck_assert_uint_eq(ino_of("/dev/.."), ino_of("/"));
	ck_assert_int_eq(xopen("/dev/nonesuch", O_RDONLY), -ENOENT);
	/* null: EOF, and swallows writes. */
	fd = (int)xopen("/dev/null", O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 100), 0);
	ck_assert_int_eq(sys(SYS_write, fd, buf, 3 * PG), (long)(3 * PG));
	ck_assert_int_eq(sys(SYS_lseek, fd, 100, SEEK_SET), 0);
	/* zero: zeroes, as many as asked. */
	fd = (int)xopen("/dev/zero", O_RDWR);
	ck_assert_int_ge(fd, 0);
	memset(k, 0xee, sizeof(k));
	ck_assert_int_eq(copyout(buf, k, sizeof(k)), 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 3 * PG), (long)(3 * PG));
	ck_assert_int_eq(copyin(k, buf, sizeof(k)), 0);
	for (i = 0; i < sizeof(k); i++)
		ck_assert_int_eq(k[i], 0);
	ck_assert_int_eq(sys(SYS_write, fd, buf, 10), 10);
	ck_assert_int_eq(sys(SYS_read, fd, BAD, 10), -EFAULT);
	/* full: zeroes to read, no space to write. */
	fd = (int)xopen("/dev/full", O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_write, fd, buf, 1), -ENOSPC);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 10), 10);
	/* urandom and random: bytes that vary. */
	fd = (int)xopen("/dev/urandom", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, sizeof(k)), (long)sizeof(k));
	ck_assert_int_eq(copyin(k, buf, sizeof(k)), 0);
	for (i = 1; i < sizeof(k) && k[i] == k[0]; i++)
		continue;
	ck_assert(i < sizeof(k));
	fd = (int)xopen("/dev/random", O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 10000), 10000);
	/* console: the console file. */
	fd = (int)xopen("/dev/console", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	poke_str(buf, "devfs\n");
	ck_assert_int_eq(sys(SYS_write, fd, buf, 6), 6);
	/* A driver registering after the mount gets a node at once. */
	devfs_register("late", 0644, &late_ops);
	ck_assert_uint_eq(mode_of("/dev/late"), S_IFCHR | 0644);
	fd = (int)xopen("/dev/late", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 10), 4);
	return 0;
}

START_TEST(test_devfs)
{
	sys_run(devfs_body);
}
END_TEST

/* A user who is not root may not mount or unmount. */
static int
nonroot_child(void *arg)
{
	(void)arg;
	if (sys(SYS_setuid, 1000) != 0)
		return 1;
	if (sys(SYS_mount, 0, path("/mnt"), path("tmpfs"), 0, 0) != -EPERM)
		return 2;
	return sys(SYS_umount2, path("/mnt"), 0) == -EPERM ? 0 : 3;
}

static int
mount_body(void *arg)
{
	uaddr_t buf = umem(PG);
	long fd;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, path("/mnt"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, path("/d2"), 0755), 0);
	fd = xopen("/file", O_CREAT | O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* Errors: type, target, flags, addresses. */
	ck_assert_int_eq(sys(SYS_mount, 0, path("/mnt"), path("nofs"), 0, 0),
	    -ENODEV);
	ck_assert_int_eq(sys(SYS_mount, 0, path("/nonesuch"), path("tmpfs"),
	    0, 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_mount, 0, path("/file"), path("tmpfs"), 0, 0),
	    -ENOTDIR);
	ck_assert_int_eq(sys(SYS_mount, 0, path("/mnt"), path("tmpfs"),
	    0x1000 /* MS_BIND */, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_mount, 0, BAD, path("tmpfs"), 0, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_mount, 0, path("/mnt"), BAD, 0, 0), -EFAULT);
	ck_assert_int_eq(wait_status(hosted_fork(nonroot_child, NULL)), 0);
	/* A tmpfs over /mnt: empty, then holds a file; "/mnt/.." is "/". */
	ck_assert_int_eq(sys(SYS_mount, 0, path("/mnt"), path("tmpfs"), 0, 0),
	    0);
	ck_assert_uint_eq(ino_of("/mnt/.."), ino_of("/"));
	fd = xopen("/mnt/x", O_CREAT | O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* statfs: tmpfs's magic, its block size, distinct ids per tree. */
	{
		uaddr_t st = umem(PG);
		int64_t w[15], root_fsid;

		ck_assert_int_eq(sys(SYS_statfs, path("/"), st), 0);
		ck_assert_int_eq(copyin(w, st, sizeof(w)), 0);
		ck_assert_int_eq(w[0], 0x01021994);	/* TMPFS_MAGIC */
		ck_assert_int_eq(w[1], 4096);		/* f_bsize */
		ck_assert(w[2] > 0 && w[3] <= w[2]);	/* blocks, free */
		ck_assert_int_eq(w[8], 255);		/* f_namelen */
		ck_assert_int_eq(w[9], 4096);		/* f_frsize */
		root_fsid = w[7];
		ck_assert_int_eq(sys(SYS_statfs, path("/mnt"), st), 0);
		ck_assert_int_eq(copyin(w, st, sizeof(w)), 0);
		ck_assert_int_eq(w[0], 0x01021994);
		ck_assert(w[7] != root_fsid);
		ck_assert_int_eq(sys(SYS_fstatfs, fd, st), 0);
		ck_assert_int_eq(copyin(w, st, sizeof(w)), 0);
		ck_assert(w[7] != root_fsid);
		ck_assert_int_eq(sys(SYS_statfs, path("/nonesuch"), st),
		    -ENOENT);
		ck_assert_int_eq(sys(SYS_statfs, path("/"), BAD), -EFAULT);
		ck_assert_int_eq(sys(SYS_fstatfs, 99, st), -EBADF);
	}
	/* In use: EBUSY; not a mount root: EINVAL. */
	ck_assert_int_eq(sys(SYS_umount2, path("/mnt"), 0), -EBUSY);
	ck_assert_int_eq(sys(SYS_umount2, path("/d2"), 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_umount2, path("/"), 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_umount2, path("/mnt"), 0x100), -EINVAL);
	ck_assert_int_eq(sys(SYS_umount2, path("/nonesuch"), 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* A cwd inside holds it too. */
	ck_assert_int_eq(sys(SYS_chdir, path("/mnt")), 0);
	ck_assert_int_eq(sys(SYS_umount2, path("/mnt"), 0), -EBUSY);
	ck_assert_int_eq(sys(SYS_chdir, path("/")), 0);
	ck_assert_int_eq(sys(SYS_umount2, path("/mnt"), 0), 0);
	/* The directory underneath is back, empty. */
	ck_assert_int_eq(xopen("/mnt/x", O_RDONLY), -ENOENT);
	/*
	 * devfs by mount(2): each tree shows the same devices, as Linux's
	 * devtmpfs does (a chroot's /dev).
	 */
	ck_assert_int_eq(sys(SYS_mount, 0, path("/d2"), path("devfs"), 0, 0),
	    0);
	ck_assert_uint_eq(mode_of("/d2/zero"), S_IFCHR | 0666);
	ck_assert_int_eq(sys(SYS_mount, 0, path("/mnt"), path("devtmpfs"), 0,
	    0), 0);
	ck_assert_uint_eq(mode_of("/mnt/zero"), S_IFCHR | 0666);
	ck_assert_int_eq(sys(SYS_umount2, path("/d2"), 0), 0);
	ck_assert_int_eq(xopen("/d2/zero", O_RDONLY), -ENOENT);
	fd = xopen("/mnt/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 1), 0);
	return 0;
}

START_TEST(test_mount)
{
	sys_run(mount_body);
}
END_TEST

/* statx's fields at Linux's offsets. */
#define STX_MASK	0
#define STX_NLINK	16
#define STX_MODE	28
#define STX_INO		32
#define STX_SIZE	40
#define STX_MTIME	112

static int
statx_body(void *arg)
{
	uaddr_t sx = umem(PG), buf = umem(PG);
	uint16_t mode;
	uint64_t v;
	long fd;
	int rd;

	(void)arg;
	fd = xopen("/f", O_CREAT | O_RDWR);
	ck_assert_int_ge(fd, 0);
	poke_str(buf, "abc");
	ck_assert_int_eq(sys(SYS_write, fd, buf, 3), 3);
	ck_assert_int_eq(sys(SYS_symlink, path("/f"), path("/l")), 0);
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/l"), 0, 0x7ff, sx),
	    0);
	ck_assert_uint_eq((uint32_t)peek32(sx + STX_MASK) & 0x7ff, 0x7ff);
	ck_assert_int_eq(copyin(&mode, sx + STX_MODE, 2), 0);
	ck_assert_uint_eq(mode & S_IFMT, S_IFREG);
	ck_assert_int_eq(copyin(&v, sx + STX_SIZE, 8), 0);
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(copyin(&v, sx + STX_INO, 8), 0);
	ck_assert_uint_eq(v, ino_of("/f"));
	ck_assert_int_eq(peek32(sx + STX_NLINK), 1);
	ck_assert_int_eq(copyin(&v, sx + STX_MTIME, 8), 0);
	ck_assert(v > 0);
	/* AT_SYMLINK_NOFOLLOW: the link itself. */
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/l"),
	    AT_SYMLINK_NOFOLLOW, 0x7ff, sx), 0);
	ck_assert_int_eq(copyin(&mode, sx + STX_MODE, 2), 0);
	ck_assert_uint_eq(mode & S_IFMT, S_IFLNK);
	/* AT_EMPTY_PATH: the open file, a pipe as fstat shows it. */
	ck_assert_int_eq(sys(SYS_statx, fd, path(""), AT_EMPTY_PATH, 0, sx),
	    0);
	ck_assert_int_eq(copyin(&v, sx + STX_SIZE, 8), 0);
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(sys(SYS_pipe2, buf, 0), 0);
	rd = peek32(buf);
	ck_assert_int_eq(sys(SYS_statx, rd, path(""), AT_EMPTY_PATH, 0, sx),
	    0);
	ck_assert_int_eq(copyin(&mode, sx + STX_MODE, 2), 0);
	ck_assert_uint_eq(mode & S_IFMT, S_IFIFO);
	/* Errors. */
	ck_assert_int_eq(sys(SYS_statx, fd, path(""), 0, 0, sx), -ENOENT);
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/f"), 0x1, 0, sx),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/f"), 0x6000, 0, sx),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/f"), 0,
	    0x80000000u, sx), -EINVAL);
	ck_assert_int_eq(sys(SYS_statx, 99, path("f"), 0, 0, sx), -EBADF);
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/none"), 0, 0, sx),
	    -ENOENT);
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/f"), 0, 0, BAD),
	    -EFAULT);
	ck_assert_int_eq(sys(SYS_statx, AT_FDCWD, path("/f/x"), 0, 0, sx),
	    -ENOTDIR);
	return 0;
}

START_TEST(test_statx)
{
	sys_run(statx_body);
}
END_TEST

static Suite *
devfs_suite(void)
{
	Suite *s = suite_create("fs_devfs");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_devfs);
	tcase_add_test(tc, test_mount);
	tcase_add_test(tc, test_statx);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(devfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
