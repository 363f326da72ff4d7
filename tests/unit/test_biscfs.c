/*
 * biscfs through the real syscalls, on RAM disks in the hosted kernel:
 * mkfs, mount and the basic calls; persistence across unmount and
 * remount; 10,000 names in one directory; sparse files at 1 GiB and
 * multi-GiB sizes; rename's variants and errnos; hard links, symlinks,
 * truncate, O_APPEND; orphans freed after a "crash" (an image copied
 * while an unlinked file is open, mounted elsewhere); fsync'd data in
 * such a crash image; damaged metadata refused with EUCLEAN; and
 * threads on 4 vCPUs changing shared directories, checked against a
 * model and by fsck.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fs/biscfs.h"
#include "fs/biscfs_fsck.h"
#include "fs/vfs.h"
#include "test_sys.h"

#define CR		(O_CREAT | O_RDWR)
#define DISK_BLOCKS	16384		/* 64 MiB */
#define RENAME_NOREPLACE	1
#define RENAME_EXCHANGE		2

struct kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};

struct ustatfs {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};

static uaddr_t scratch;
/* Every disk's memory, reachable (the devices stay registered). */
static uint8_t *disks[16];
static int ndisks;

static uint8_t *
keep(uint8_t *mem)
{
	ck_assert_int_lt(ndisks, 16);
	disks[ndisks++] = mem;
	return mem;
}

/*
 * A user copy of s, in one of 16 rotating 512-byte slots.  The slot
 * counter lives in the process's own memory: forked workers running on
 * other vCPUs must not share it (two paths of one call in one slot).
 */
static uaddr_t
U(const char *s)
{
	uaddr_t u;
	int32_t slot;

	if (scratch == 0)
		scratch = umem(64 * PG);
	slot = peek32(scratch + 63 * PG);
	poke32(scratch + 63 * PG, slot + 1);
	u = scratch + 56 * PG + (uaddr_t)(slot % 16) * 512;
	ck_assert(strlen(s) < 512);
	poke_str(u, s);
	return u;
}

/* 32 pages of user buffer. */
static uaddr_t
ubuf(void)
{
	if (scratch == 0)
		scratch = umem(64 * PG);
	return scratch;
}

/* A RAM disk of nblocks made of host memory, formatted. */
static uint8_t *
make_disk(const char *name, uint64_t nblocks, struct blkdev **out)
{
	uint8_t *mem = calloc(nblocks, BLK_SIZE);
	struct biscfs_mkfs_opts o = { .label = "test", .ninodes = 16384 };

	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(ramdisk_create(name, mem, nblocks, false, out), 0);
	ck_assert_int_eq(biscfs_mkfs(*out, &o), 0);
	return keep(mem);
}

/* A copy of a disk's memory under a new device name. */
static uint8_t *
copy_disk(const uint8_t *mem, const char *name, uint64_t nblocks,
    struct blkdev **out)
{
	uint8_t *copy = malloc(nblocks * BLK_SIZE);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, mem, nblocks * BLK_SIZE);
	ck_assert_int_eq(ramdisk_create(name, copy, nblocks, false, out), 0);
	return keep(copy);
}

static long
do_mount(const char *dev, const char *dir, unsigned long flags)
{
	return sys(SYS_mount, U(dev), U(dir), U("biscfs"), flags, 0);
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
	poke_str(ubuf(), data);
	ck_assert_int_eq(sys(SYS_write, fd, ubuf(), strlen(data)),
	    (long)strlen(data));
	ck_assert_int_eq(sys(SYS_close, fd), 0);
}

/* The contents of p (up to 4095 bytes) as a string. */
static const char *
get(const char *p)
{
	static char k[4096];
	long fd = xopen(p, O_RDONLY, 0), n;

	ck_assert_msg(fd >= 0, "open %s: %ld", p, fd);
	n = sys(SYS_read, fd, ubuf(), sizeof(k) - 1);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(copyin(k, ubuf(), (size_t)n), 0);
	k[n] = '\0';
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return k;
}

static struct kstat
xstat(const char *p, int nr)
{
	struct kstat st;
	long r = sys(nr, U(p), ubuf() + 30 * PG);

	ck_assert_msg(r == 0, "stat %s: %ld", p, r);
	ck_assert_int_eq(copyin(&st, ubuf() + 30 * PG, sizeof(st)), 0);
	return st;
}

static struct ustatfs
xstatfs(const char *p)
{
	struct ustatfs st;

	ck_assert_int_eq(sys(SYS_statfs, U(p), ubuf() + 30 * PG), 0);
	ck_assert_int_eq(copyin(&st, ubuf() + 30 * PG, sizeof(st)), 0);
	return st;
}

/*
 * Wait until p's file system has `want` free blocks: blocks freed in a
 * transaction return once the journal has committed and checkpointed it,
 * just after sync(2) returns.
 */
static uint64_t
wait_bfree(const char *p, uint64_t want)
{
	uaddr_t ts = ubuf() + 31 * PG;
	uint64_t got = 0;
	int i;

	ck_assert_int_eq(sys(SYS_sync), 0);
	for (i = 0; i < 200; i++) {
		if ((got = xstatfs(p).bfree) == want)
			break;
		poke32(ts, 0);
		poke32(ts + 4, 0);
		poke32(ts + 8, 10 * 1000 * 1000);
		poke32(ts + 12, 0);
		sys(SYS_nanosleep, ts, 0);
	}
	return got;
}

/* Names in directory p (not "." and ".."), each seen once: the count. */
static long
count_dir(const char *p)
{
	static char k[32768];
	long fd = xopen(p, O_RDONLY | O_DIRECTORY, 0), n, total = 0;
	size_t off;
	uint16_t reclen;

	ck_assert_int_ge(fd, 0);
	while ((n = sys(SYS_getdents64, fd, ubuf(), sizeof(k))) > 0) {
		ck_assert_int_eq(copyin(k, ubuf(), (size_t)n), 0);
		for (off = 0; off < (size_t)n; off += reclen) {
			memcpy(&reclen, k + off + 16, 2);
			if (strcmp(k + off + 19, ".") != 0 &&
			    strcmp(k + off + 19, "..") != 0)
				total++;
		}
	}
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return total;
}

/* getdents64's first error on directory p (0: none). */
static long
count_dir_err(const char *p)
{
	long fd = xopen(p, O_RDONLY | O_DIRECTORY, 0), n;

	ck_assert_int_ge(fd, 0);
	while ((n = sys(SYS_getdents64, fd, ubuf(), 32768)) > 0)
		continue;
	sys(SYS_close, fd);
	return n;
}

/* Does p's listing hold name? */
static bool
dir_has(const char *p, const char *name)
{
	static char k[32768];
	long fd = xopen(p, O_RDONLY | O_DIRECTORY, 0), n;
	bool found = false;
	size_t off;
	uint16_t reclen;

	ck_assert_int_ge(fd, 0);
	while ((n = sys(SYS_getdents64, fd, ubuf(), sizeof(k))) > 0) {
		ck_assert_int_eq(copyin(k, ubuf(), (size_t)n), 0);
		for (off = 0; off < (size_t)n; off += reclen) {
			memcpy(&reclen, k + off + 16, 2);
			found |= strcmp(k + off + 19, name) == 0;
		}
	}
	sys(SYS_close, fd);
	return found;
}

/* fsck d (unmounted): the number of problems, reported on stderr. */
static void
fsck_report(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "fsck: %s\n", line);
}

static unsigned
fsck_errors(struct blkdev *d)
{
	struct biscfs_fsck_opts o = { .repair = false, .report = fsck_report };
	struct biscfs_fsck_result r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(biscfs_fsck(d, &o, &r), 0);
	return r.errors;
}

/* mkfs, mount, files and directories, statfs, remount: it all stays. */
static int
basic_body(void *arg)
{
	struct blkdev *d;
	struct kstat st;
	struct ustatfs sf;
	uint64_t free0;
	long fd;

	(void)arg;
	make_disk("ram0", DISK_BLOCKS, &d);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt"), 0755), 0);
	ck_assert_int_eq(do_mount("/dev/nope", "/mnt", 0), -ENOENT);
	ck_assert_int_eq(do_mount("/dev/ram0", "/mnt", 0), 0);
	ck_assert_int_eq(do_mount("ram0", "/mnt", 0), -EBUSY);
	sf = xstatfs("/mnt");
	ck_assert_int_eq(sf.type, 0x42534346);
	ck_assert_int_eq(sf.bsize, 4096);
	ck_assert_uint_eq(sf.blocks, DISK_BLOCKS);
	free0 = sf.bfree;
	st = xstat("/mnt", SYS_stat);
	ck_assert(S_ISDIR(st.mode));
	ck_assert_uint_eq(st.nlink, 2);
	ck_assert_uint_eq(st.ino, BISCFS_ROOT_INO);

	put("/mnt/hello", "hello, disk");
	ck_assert_str_eq(get("/mnt/hello"), "hello, disk");
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/d"), 0750), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/d"), 0750), -EEXIST);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/d/e"), 0700), 0);
	put("/mnt/d/e/f", "deep");
	st = xstat("/mnt/d", SYS_stat);
	ck_assert_uint_eq(st.mode, S_IFDIR | 0750);
	ck_assert_uint_eq(st.nlink, 3);
	st = xstat("/mnt", SYS_stat);
	ck_assert_uint_eq(st.nlink, 3);
	ck_assert_int_eq(count_dir("/mnt"), 2);
	ck_assert(dir_has("/mnt", "hello"));
	ck_assert(dir_has("/mnt", "d"));
	ck_assert_int_eq(xopen("/mnt/hello", CR | O_EXCL, 0644), -EEXIST);
	ck_assert_int_eq(xopen("/mnt/none", O_RDONLY, 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_rmdir, U("/mnt/d")), -ENOTEMPTY);
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/d")), -EISDIR);
	ck_assert_int_eq(sys(SYS_chmod, U("/mnt/hello"), 0600), 0);
	/* A file with a few blocks, read back across block edges. */
	fd = xopen("/mnt/big", CR, 0644);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 20 * 4096; i += 4)
		poke32(ubuf() + (uaddr_t)(i % (16 * 4096)), i);
	ck_assert_int_eq(sys(SYS_write, fd, ubuf(), 16 * 4096), 16 * 4096);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf() + 16 * PG, 8, 4094), 8);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	st = xstat("/mnt/big", SYS_stat);
	ck_assert_int_eq(st.size, 16 * 4096);
	ck_assert_int_eq(st.blocks, 16 * 8);
	ck_assert_uint_lt(xstatfs("/mnt").bfree, free0);

	/* Unmount and mount again: everything is still there. */
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/mnt/hello"), ubuf()), -ENOENT);
	ck_assert_uint_eq(fsck_errors(d), 0);
	ck_assert_int_eq(do_mount("ram0", "/mnt", 0), 0);
	ck_assert_str_eq(get("/mnt/hello"), "hello, disk");
	ck_assert_str_eq(get("/mnt/d/e/f"), "deep");
	st = xstat("/mnt/hello", SYS_stat);
	ck_assert_uint_eq(st.mode, S_IFREG | 0600);
	ck_assert_int_eq(st.size, 11);
	st = xstat("/mnt/d", SYS_stat);
	ck_assert_uint_eq(st.nlink, 3);
	fd = xopen("/mnt/big", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf() + 16 * PG, 8, 4096 * 9),
	    8);
	ck_assert_int_eq(peek32(ubuf() + 16 * PG), 4096 * 9);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	/* Removing everything gives the blocks back. */
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/d/e/f")), 0);
	ck_assert_int_eq(sys(SYS_rmdir, U("/mnt/d/e")), 0);
	ck_assert_int_eq(sys(SYS_rmdir, U("/mnt/d")), 0);
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/hello")), 0);
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/big")), 0);
	ck_assert_int_eq(count_dir("/mnt"), 0);
	ck_assert_uint_eq(wait_bfree("/mnt", free0), free0);
	ck_assert_uint_eq(xstat("/mnt", SYS_stat).nlink, 2);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	/* Read-only: reads work, changes are EROFS. */
	ck_assert_int_eq(do_mount("ram0", "/mnt", MS_RDONLY), 0);
	ck_assert_int_eq(xopen("/mnt/x", CR, 0644), -EROFS);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/y"), 0755), -EROFS);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	return 0;
}

START_TEST(basic)
{
	sys_run(basic_body);
}
END_TEST

/* Mount a fresh 64 MiB biscfs on /mnt from device name. */
static struct blkdev *
fresh_mount(const char *name, uint8_t **mem)
{
	struct blkdev *d;
	uint8_t *m = make_disk(name, DISK_BLOCKS, &d);

	if (mem != NULL)
		*mem = m;
	sys(SYS_mkdir, U("/mnt"), 0755);
	ck_assert_int_eq(do_mount(name, "/mnt", 0), 0);
	return d;
}

#define NMANY	10000

/* 10,000 names in one directory: made, found, listed, removed. */
static int
many_body(void *arg)
{
	struct blkdev *d;
	char name[64];
	long fd;
	int i;

	(void)arg;
	d = fresh_mount("ram0", NULL);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/many"), 0755), 0);
	for (i = 0; i < NMANY; i++) {
		snprintf(name, sizeof(name), "/mnt/many/file-%05d", i);
		fd = xopen(name, CR | O_EXCL, 0644);
		ck_assert_msg(fd >= 0, "create %s: %ld", name, fd);
		ck_assert_int_eq(sys(SYS_close, fd), 0);
	}
	ck_assert_int_eq(count_dir("/mnt/many"), NMANY);
	/* Lookups from the disk, not the cache: remount first. */
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	ck_assert_int_eq(do_mount("ram0", "/mnt", 0), 0);
	for (i = 0; i < NMANY; i += 7) {
		snprintf(name, sizeof(name), "/mnt/many/file-%05d", i);
		ck_assert(S_ISREG(xstat(name, SYS_stat).mode));
	}
	ck_assert_int_eq(sys(SYS_stat, U("/mnt/many/file-10000"), ubuf()),
	    -ENOENT);
	ck_assert_int_eq(count_dir("/mnt/many"), NMANY);
	for (i = 0; i < NMANY; i++) {
		snprintf(name, sizeof(name), "/mnt/many/file-%05d", i);
		ck_assert_int_eq(sys(SYS_unlink, U(name)), 0);
	}
	ck_assert_int_eq(count_dir("/mnt/many"), 0);
	ck_assert_int_eq(sys(SYS_rmdir, U("/mnt/many")), 0);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	return 0;
}

START_TEST(many)
{
	sys_run(many_body);
}
END_TEST

#define GiB	(1ull << 30)

/* A byte at 1 GiB costs a block; a 5 GiB size costs nothing. */
static int
sparse_body(void *arg)
{
	struct blkdev *d;
	struct kstat st;
	uint64_t free0;
	long fd;
	char k[16];

	(void)arg;
	d = fresh_mount("ram0", NULL);
	free0 = xstatfs("/mnt").bfree;
	fd = xopen("/mnt/sparse", CR, 0644);
	ck_assert_int_ge(fd, 0);
	poke_str(ubuf(), "at one GiB");
	ck_assert_int_eq(sys(SYS_pwrite64, fd, ubuf(), 10, GiB), 10);
	ck_assert_int_eq(sys(SYS_ftruncate, fd, 5 * GiB), 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	st = xstat("/mnt/sparse", SYS_stat);
	ck_assert_int_eq(st.size, (int64_t)(5 * GiB));
	ck_assert_int_eq(st.blocks, 8);
	ck_assert_uint_eq(xstatfs("/mnt").bfree, free0 - 1);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_int_eq(do_mount("ram0", "/mnt", 0), 0);
	fd = xopen("/mnt/sparse", O_RDWR, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf(), 10, GiB), 10);
	ck_assert_int_eq(copyin(k, ubuf(), 10), 0);
	ck_assert_int_eq(memcmp(k, "at one GiB", 10), 0);
	/* Holes read as zeroes, before and after the data. */
	poke32(ubuf(), -1);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf(), 4, 12345), 4);
	ck_assert_int_eq(peek32(ubuf()), 0);
	poke32(ubuf(), -1);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf(), 4, 4 * GiB), 4);
	ck_assert_int_eq(peek32(ubuf()), 0);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf(), 4, 5 * GiB), 0);
	/* Writing past 4 GiB allocates there. */
	poke_str(ubuf(), "four");
	ck_assert_int_eq(sys(SYS_pwrite64, fd, ubuf(), 4, 4 * GiB + 1), 4);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf() + PG, 4, 4 * GiB + 1),
	    4);
	ck_assert_int_eq(copyin(k, ubuf() + PG, 4), 0);
	ck_assert_int_eq(memcmp(k, "four", 4), 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(xstat("/mnt/sparse", SYS_stat).blocks, 16);
	/* Shrinking drops the block past the end; growing reads zeroes. */
	ck_assert_int_eq(sys(SYS_truncate, U("/mnt/sparse"), GiB + 4), 0);
	ck_assert_int_eq(xstat("/mnt/sparse", SYS_stat).blocks, 8);
	ck_assert_int_eq(sys(SYS_truncate, U("/mnt/sparse"), GiB + 4096), 0);
	fd = xopen("/mnt/sparse", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf(), 10, GiB), 10);
	ck_assert_int_eq(copyin(k, ubuf(), 10), 0);
	ck_assert_int_eq(memcmp(k, "at o\0\0\0\0\0\0", 10), 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/sparse")), 0);
	ck_assert_uint_eq(wait_bfree("/mnt", free0), free0);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	return 0;
}

START_TEST(sparse)
{
	sys_run(sparse_body);
}
END_TEST

/* rename, links, symlinks, truncate and O_APPEND, on disk and after. */
static int
names_body(void *arg)
{
	struct blkdev *d;
	struct kstat st;
	char k[64];
	long fd;

	(void)arg;
	d = fresh_mount("ram0", NULL);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/a"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/b"), 0755), 0);
	put("/mnt/a/f", "eff");
	put("/mnt/b/g", "gee");
	/* Plain rename, then over an existing file. */
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/a/f"), U("/mnt/a/f2")), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/mnt/a/f"), ubuf()), -ENOENT);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/a/f2"), U("/mnt/b/g")), 0);
	ck_assert_str_eq(get("/mnt/b/g"), "eff");
	ck_assert_int_eq(count_dir("/mnt/a"), 0);
	/* NOREPLACE and EXCHANGE. */
	put("/mnt/a/x", "ex");
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/mnt/a/x"),
	    AT_FDCWD, U("/mnt/b/g"), RENAME_NOREPLACE), -EEXIST);
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/mnt/a/x"),
	    AT_FDCWD, U("/mnt/b/g"), RENAME_EXCHANGE), 0);
	ck_assert_str_eq(get("/mnt/a/x"), "eff");
	ck_assert_str_eq(get("/mnt/b/g"), "ex");
	ck_assert_int_eq(sys(SYS_renameat2, AT_FDCWD, U("/mnt/a/nope"),
	    AT_FDCWD, U("/mnt/b/g"), RENAME_EXCHANGE), -ENOENT);
	/* Directories: into itself, over non-empty, over a file. */
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/a/sub"), 0755), 0);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/a"), U("/mnt/a/sub/in")),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/b"), U("/mnt/a")),
	    -ENOTEMPTY);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/a/sub"), U("/mnt/b/g")),
	    -ENOTDIR);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/b/g"), U("/mnt/a/sub")),
	    -EISDIR);
	/* Across mounts EXDEV; a mount point itself EBUSY. */
	ck_assert_int_eq(sys(SYS_rename, U("/mnt"), U("/mnt/z")), -EXDEV);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/mp"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mount, U("none"), U("/mnt/mp"), U("tmpfs"),
	    0, 0), 0);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/mp"), U("/mnt/mp2")), -EBUSY);
	ck_assert_int_eq(sys(SYS_rmdir, U("/mnt/mp")), -EBUSY);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt/mp"), 0), 0);
	ck_assert_int_eq(sys(SYS_rmdir, U("/mnt/mp")), 0);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/b/g"), U("/g")), -EXDEV);
	/* A directory moves between parents: links follow. */
	ck_assert_int_eq(xstat("/mnt/a", SYS_stat).nlink, 3);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/a/sub"), U("/mnt/b/sub")),
	    0);
	ck_assert_int_eq(xstat("/mnt/a", SYS_stat).nlink, 2);
	ck_assert_int_eq(xstat("/mnt/b", SYS_stat).nlink, 3);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/a/empty"), 0755), 0);
	ck_assert_int_eq(sys(SYS_rename, U("/mnt/b/sub"), U("/mnt/a/empty")),
	    0);
	ck_assert_int_eq(xstat("/mnt/a", SYS_stat).nlink, 3);
	ck_assert_int_eq(xstat("/mnt/b", SYS_stat).nlink, 2);
	/* Hard links. */
	put("/mnt/h", "linked");
	ck_assert_int_eq(sys(SYS_link, U("/mnt/h"), U("/mnt/a/h2")), 0);
	ck_assert_int_eq(sys(SYS_link, U("/mnt/h"), U("/mnt/a/h2")), -EEXIST);
	ck_assert_int_eq(sys(SYS_link, U("/mnt/a"), U("/mnt/a2")), -EPERM);
	st = xstat("/mnt/a/h2", SYS_stat);
	ck_assert_uint_eq(st.nlink, 2);
	ck_assert_uint_eq(st.ino, xstat("/mnt/h", SYS_stat).ino);
	/* Symlinks, short and long. */
	ck_assert_int_eq(sys(SYS_symlink, U("h"), U("/mnt/s")), 0);
	{
		char longt[300];
		int i;

		for (i = 0; i < 100; i++)
			memcpy(longt + 2 * i, "./", 2);
		strcpy(longt + 200, "h");
		ck_assert_int_eq(sys(SYS_symlink, U(longt), U("/mnt/sl")), 0);
		ck_assert_int_eq(sys(SYS_readlink, U("/mnt/sl"), ubuf(), 512),
		    201);
	}
	ck_assert_str_eq(get("/mnt/s"), "linked");
	ck_assert(S_ISLNK(xstat("/mnt/s", SYS_lstat).mode));
	/* Truncate and O_APPEND. */
	put("/mnt/t", "0123456789");
	ck_assert_int_eq(sys(SYS_truncate, U("/mnt/t"), 4), 0);
	ck_assert_str_eq(get("/mnt/t"), "0123");
	ck_assert_int_eq(sys(SYS_truncate, U("/mnt/t"), 6), 0);
	fd = xopen("/mnt/t", O_RDONLY, 0);
	ck_assert_int_eq(sys(SYS_read, fd, ubuf(), 10), 6);
	ck_assert_int_eq(copyin(k, ubuf(), 6), 0);
	ck_assert_int_eq(memcmp(k, "0123\0\0", 6), 0);
	sys(SYS_close, fd);
	fd = xopen("/mnt/t", O_WRONLY | O_APPEND, 0);
	poke_str(ubuf(), "ab");
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(sys(SYS_write, fd, ubuf(), 2), 2);
	sys(SYS_close, fd);
	ck_assert_int_eq(xstat("/mnt/t", SYS_stat).size, 8);
	fd = xopen("/mnt/t", O_WRONLY | O_TRUNC, 0);
	sys(SYS_close, fd);
	ck_assert_int_eq(xstat("/mnt/t", SYS_stat).size, 0);

	/* Names of 255 bytes, not 256. */
	{
		char n[300] = "/mnt/";

		memset(n + 5, 'n', 255);
		n[260] = '\0';
		put(n, "long name");
		ck_assert_str_eq(get(n), "long name");
		ck_assert(dir_has("/mnt", n + 5));
		strcat(n, "x");
		ck_assert_int_eq(xopen(n, CR, 0644), -ENAMETOOLONG);
	}
	/* Owners, modes, times to the nanosecond; FIFOs and nodes. */
	ck_assert_int_eq(sys(SYS_chown, U("/mnt/t"), 1000, 100), 0);
	poke32(ubuf() + 20 * PG, 1000000);
	poke32(ubuf() + 20 * PG + 4, 0);
	poke32(ubuf() + 20 * PG + 8, 123456789);
	poke32(ubuf() + 20 * PG + 12, 0);
	poke32(ubuf() + 20 * PG + 16, 2000000);
	poke32(ubuf() + 20 * PG + 20, 0);
	poke32(ubuf() + 20 * PG + 24, 987654321);
	poke32(ubuf() + 20 * PG + 28, 0);
	ck_assert_int_eq(sys(SYS_utimensat, AT_FDCWD, U("/mnt/t"),
	    ubuf() + 20 * PG, 0), 0);
	ck_assert_int_eq(sys(SYS_mknod, U("/mnt/fifo"), S_IFIFO | 0600, 0), 0);
	ck_assert_int_eq(sys(SYS_mknod, U("/mnt/chr"), S_IFCHR | 0600,
	    (1 << 8) | 3), 0);
	ck_assert_int_eq(sys(SYS_chmod, U("/mnt/b"), 01777), 0);

	/* All of it after a remount. */
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	ck_assert_int_eq(do_mount("ram0", "/mnt", 0), 0);
	ck_assert_str_eq(get("/mnt/a/x"), "eff");
	ck_assert_str_eq(get("/mnt/b/g"), "ex");
	ck_assert_str_eq(get("/mnt/s"), "linked");
	ck_assert_str_eq(get("/mnt/sl"), "linked");
	ck_assert_uint_eq(xstat("/mnt/h", SYS_stat).nlink, 2);
	ck_assert_int_eq(xstat("/mnt/a", SYS_stat).nlink, 3);
	ck_assert(dir_has("/mnt/a", "empty"));
	st = xstat("/mnt/t", SYS_stat);
	ck_assert_int_eq(st.size, 0);
	ck_assert_uint_eq(st.uid, 1000);
	ck_assert_uint_eq(st.gid, 100);
	ck_assert_int_eq(st.atime, 1000000);
	ck_assert_int_eq(st.atime_nsec, 123456789);
	ck_assert_int_eq(st.mtime, 2000000);
	ck_assert_int_eq(st.mtime_nsec, 987654321);
	ck_assert_uint_eq(xstat("/mnt/fifo", SYS_stat).mode, S_IFIFO | 0600);
	st = xstat("/mnt/chr", SYS_stat);
	ck_assert_uint_eq(st.mode, S_IFCHR | 0600);
	ck_assert_uint_eq(st.rdev, (1 << 8) | 3);
	ck_assert_uint_eq(xstat("/mnt/b", SYS_stat).mode, S_IFDIR | 01777);
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/fifo")), 0);
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/h")), 0);
	ck_assert_uint_eq(xstat("/mnt/a/h2", SYS_stat).nlink, 1);
	ck_assert_str_eq(get("/mnt/a/h2"), "linked");
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	return 0;
}

START_TEST(names)
{
	sys_run(names_body);
}
END_TEST

/*
 * An unlinked file still open when the system "crashes": the image
 * copied then, mounted as another device, frees the orphan's blocks.
 */
static int
orphan_body(void *arg)
{
	struct blkdev *d, *c;
	uint64_t free0;
	uint8_t *mem;
	long fd;

	(void)arg;
	d = fresh_mount("ram0", &mem);
	free0 = xstatfs("/mnt").bfree;
	fd = xopen("/mnt/orphan", CR, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_write, fd, ubuf(), 16 * 4096), 16 * 4096);
	ck_assert_int_eq(sys(SYS_unlink, U("/mnt/orphan")), 0);
	/* Still readable and writable while open. */
	ck_assert_int_eq(sys(SYS_pread64, fd, ubuf(), 4096, 0), 4096);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), -EBUSY);
	ck_assert_int_eq(sys(SYS_fsync, fd), 0);
	/* The crash: the disk as it is now, the file still open. */
	copy_disk(mem, "ram1", DISK_BLOCKS, &c);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_uint_eq(wait_bfree("/mnt", free0), free0);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	/* Mounting the crashed image frees the orphan. */
	ck_assert_int_eq(do_mount("ram1", "/mnt", 0), 0);
	ck_assert_uint_eq(wait_bfree("/mnt", free0), free0);
	ck_assert_int_eq(count_dir("/mnt"), 0);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(c), 0);
	return 0;
}

START_TEST(orphan)
{
	sys_run(orphan_body);
}
END_TEST

/* fsync'd data survives a crash (an image copied without unmount). */
static int
fsync_body(void *arg)
{
	struct blkdev *c;
	uint8_t *mem;
	long fd;

	(void)arg;
	fresh_mount("ram0", &mem);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/dir"), 0755), 0);
	fd = xopen("/mnt/dir/durable", CR, 0644);
	ck_assert_int_ge(fd, 0);
	poke_str(ubuf(), "fsync'd bytes");
	ck_assert_int_eq(sys(SYS_write, fd, ubuf(), 13), 13);
	ck_assert_int_eq(sys(SYS_fsync, fd), 0);
	ck_assert_int_eq(sys(SYS_fdatasync, fd), 0);
	copy_disk(mem, "ram1", DISK_BLOCKS, &c);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt2"), 0755), 0);
	ck_assert_int_eq(do_mount("ram1", "/mnt2", 0), 0);
	ck_assert_str_eq(get("/mnt2/dir/durable"), "fsync'd bytes");
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt2"), 0), 0);
	ck_assert_uint_eq(fsck_errors(c), 0);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	return 0;
}

START_TEST(fsync_crash)
{
	sys_run(fsync_body);
}
END_TEST

/* Damaged metadata: refused at mount, or EUCLEAN, never a crash. */
static int
corrupt_body(void *arg)
{
	struct blkdev *d, *c;
	struct kstat st, fst, nst;
	uint8_t *mem, *copy;
	uint64_t itable;
	struct biscfs_super sb;

	(void)arg;
	d = fresh_mount("ram0", &mem);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/dir"), 0755), 0);
	put("/mnt/dir/f", "data");
	st = xstat("/mnt/dir", SYS_stat);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	(void)d;
	memcpy(&sb, mem, sizeof(sb));
	itable = sb.itable_start;
	/* A superblock bit flipped: the mount says EUCLEAN. */
	copy = copy_disk(mem, "ram1", DISK_BLOCKS, &c);
	copy[100] ^= 1;
	ck_assert_int_eq(do_mount("ram1", "/mnt", 0), -EUCLEAN);
	/* Not a biscfs at all: EINVAL. */
	copy[0] ^= 0xff;
	ck_assert_int_eq(do_mount("ram1", "/mnt", 0), -EINVAL);
	/* A damaged inode (dir's): its lookup fails with EUCLEAN. */
	copy = copy_disk(mem, "ram2", DISK_BLOCKS, &c);
	copy[(itable + (st.ino - 1) / 16) * BLK_SIZE +
	    (st.ino - 1) % 16 * 256 + 20] ^= 1;
	ck_assert_int_eq(do_mount("ram2", "/mnt", 0), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/mnt/dir"), ubuf()), -EUCLEAN);
	ck_assert_int_eq(sys(SYS_stat, U("/mnt/dir/f"), ubuf()), -EUCLEAN);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	/* A damaged directory block: its names cannot be found. */
	copy = copy_disk(mem, "ram3", DISK_BLOCKS, &c);
	copy[(sb.data_start + 1) * BLK_SIZE + 40] ^= 1;
	ck_assert_int_eq(do_mount("ram3", "/mnt", 0), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/mnt/dir"), ubuf()), -EUCLEAN);
	ck_assert_int_eq(count_dir_err("/mnt"), -EUCLEAN);
	ck_assert_int_eq(xopen("/mnt/new", CR, 0644), -EUCLEAN);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	/*
	 * An inode bitmap that calls every live inode free: new files get
	 * numbers of their own, never a live inode's.
	 */
	copy = copy_disk(mem, "ram4", DISK_BLOCKS, &c);
	copy[sb.ibitmap_start * BLK_SIZE] = 0;
	ck_assert_int_eq(do_mount("ram4", "/mnt", 0), 0);
	put("/mnt/new", "fresh");
	fst = xstat("/mnt/dir/f", SYS_stat);
	nst = xstat("/mnt/new", SYS_stat);
	ck_assert_uint_ne(nst.ino, BISCFS_ROOT_INO);
	ck_assert_uint_ne(nst.ino, st.ino);
	ck_assert_uint_ne(nst.ino, fst.ino);
	ck_assert_str_eq(get("/mnt/dir/f"), "data");
	ck_assert_str_eq(get("/mnt/new"), "fresh");
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	return 0;
}

START_TEST(corrupt)
{
	sys_run(corrupt_body);
}
END_TEST


#define NWORKERS	4
#define NOPS		300

/*
 * A worker of threads_body: names of its own, in two directories shared
 * with the others, created, written, renamed across and sometimes
 * exchanged or unlinked, so the end state is known whatever the
 * interleaving.
 */
static int
worker(void *arg)
{
	int w = (int)(intptr_t)arg, i;
	char a[64], b[64], data[32];
	long fd, r;

	for (i = 0; i < NOPS; i++) {
		snprintf(a, sizeof(a), "/mnt/d%d/w%d-%d", i % 2, w, i);
		snprintf(b, sizeof(b), "/mnt/d%d/r%d-%d", (i + 1) % 2, w, i);
		fd = xopen(a, CR | O_EXCL, 0644);
		if (fd < 0)
			return 1;
		snprintf(data, sizeof(data), "%d:%d", w, i);
		poke_str(ubuf(), data);
		if (sys(SYS_write, fd, ubuf(), strlen(data)) !=
		    (long)strlen(data))
			return 2;
		sys(SYS_close, fd);
		if (sys(SYS_rename, U(a), U(b)) != 0)
			return 3;
		if (i % 3 == 0 && (r = sys(SYS_unlink, U(b))) != 0) {
			fprintf(stderr, "unlink %s: %ld\n", b, r);
			return 4;
		}
		/* Every 5th pair swaps with the one before (both kept). */
		if (i % 5 == 4 && (i - 1) % 3 != 0 && i % 3 != 0) {
			snprintf(a, sizeof(a), "/mnt/d%d/r%d-%d", i % 2, w,
			    i - 1);
			if (sys(SYS_renameat2, AT_FDCWD, U(a), AT_FDCWD, U(b),
			    RENAME_EXCHANGE) != 0)
				return 5;
		}
	}
	return 0;
}

/* A writer beside the workers: 1 MiB in pieces, through unlocked I/O. */
static int
writer(void *arg)
{
	long fd = xopen("/mnt/d0/big", CR, 0644);
	int i;

	(void)arg;
	if (fd < 0)
		return 1;
	for (i = 0; i < 256; i++) {
		poke32(ubuf(), i);
		poke32(ubuf() + 4092, ~i);
		if (sys(SYS_pwrite64, fd, ubuf(), 4096, (long)i * 4096) != 4096)
			return 2;
	}
	return sys(SYS_close, fd) == 0 ? 0 : 3;
}

/* The writer's file, checked. */
static void
check_big(void)
{
	long fd = xopen("/mnt/d0/big", O_RDONLY, 0);
	int i;

	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 256; i++) {
		ck_assert_int_eq(sys(SYS_pread64, fd, ubuf(), 4096,
		    (long)i * 4096), 4096);
		ck_assert_int_eq(peek32(ubuf()), i);
		ck_assert_int_eq(peek32(ubuf() + 4092), ~i);
	}
	ck_assert_int_eq(sys(SYS_close, fd), 0);
}

/* Where the model says worker w's name i ends up, and its contents. */
static bool
model(int w, int i, char *path, size_t n, char *data, size_t dn)
{
	int j = i;

	if (i % 3 == 0)
		return false;
	/* Swapped pairs: i-1 and i (i % 5 == 4) trade contents. */
	if (i % 5 == 4 && (i - 1) % 3 != 0)
		j = i - 1;
	else if (i % 5 == 3 && (i + 1) % 3 != 0)
		j = i + 1;
	snprintf(path, n, "/mnt/d%d/r%d-%d", (i + 1) % 2, w, i);
	snprintf(data, dn, "%d:%d", w, j);
	return true;
}

/* Processes on 4 vCPUs change shared directories; the model holds. */
static int
threads_body(void *arg)
{
	struct blkdev *d;
	char path[64], data[32];
	long pid[NWORKERS], wpid, expect = 1;	/* the writer's file */
	int w, i;

	(void)arg;
	d = fresh_mount("ram0", NULL);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/d0"), 0777), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/d1"), 0777), 0);
	for (w = 0; w < NWORKERS; w++) {
		pid[w] = hosted_fork(worker, (void *)(intptr_t)w);
		ck_assert_int_gt(pid[w], 0);
	}
	wpid = hosted_fork(writer, NULL);
	ck_assert_int_gt(wpid, 0);
	for (w = 0; w < NWORKERS; w++)
		ck_assert_int_eq(wait_status(pid[w]), 0);
	ck_assert_int_eq(wait_status(wpid), 0);
	check_big();
	for (w = 0; w < NWORKERS; w++)
		for (i = 0; i < NOPS; i++)
			if (model(w, i, path, sizeof(path), data,
			    sizeof(data))) {
				expect++;
				ck_assert_str_eq(get(path), data);
			}
	ck_assert_int_eq(count_dir("/mnt/d0") + count_dir("/mnt/d1"), expect);
	/* The same from the disk. */
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	ck_assert_uint_eq(fsck_errors(d), 0);
	ck_assert_int_eq(do_mount("ram0", "/mnt", 0), 0);
	ck_assert_int_eq(count_dir("/mnt/d0") + count_dir("/mnt/d1"), expect);
	for (w = 0; w < NWORKERS; w++)
		for (i = 0; i < NOPS; i++)
			if (model(w, i, path, sizeof(path), data,
			    sizeof(data)))
				ck_assert_str_eq(get(path), data);
	check_big();
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	return 0;
}

START_TEST(threads)
{
	sys_run_on(4, threads_body);
}
END_TEST

Suite *
biscfs_suite(void)
{
	Suite *s = suite_create("biscfs");
	TCase *tc = tcase_create("biscfs");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, basic);
	tcase_add_test(tc, many);
	tcase_add_test(tc, sparse);
	tcase_add_test(tc, names);
	tcase_add_test(tc, orphan);
	tcase_add_test(tc, fsync_crash);
	tcase_add_test(tc, corrupt);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(biscfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
