/*
 * biscfs_fsck's repairs (core/fs/biscfs_fsck.c), on a RAM disk in the
 * hosted kernel: a file system made through the real syscalls, then
 * damaged in the disk's memory the way a bad sector or a stray write
 * would (an inode's bytes, a link count with a valid checksum, a bitmap
 * bit, a superblock layout field, a whole superblock).  fsck must find
 * each problem, --repair must fix them all, a second fsck must find
 * none, and the file system must mount again with what survived.
 */
#include <stdlib.h>

#include "blk/bcache.h"
#include "fs/biscfs.h"
#include "fs/biscfs_fsck.h"
#include "fs/vfs.h"
#include "test_sys.h"

#define NBLOCKS		2048		/* 8 MiB */
#define DEV		"rd0"

struct kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};

static uint8_t *disk;		/* the RAM disk's memory */
static struct blkdev *dev;
static uaddr_t ubase;

/* A user copy of s in one of 8 rotating slots. */
static uaddr_t
U(const char *s)
{
	static int slot;
	uaddr_t u;

	if (ubase == 0)
		ubase = umem(4 * PG);
	u = ubase + PG + (uaddr_t)(slot++ % 8) * 256;
	poke_str(u, s);
	return u;
}

/* Format the disk, mount it on /m, make a small tree, note two inodes. */
static void
populate(uint64_t *ino_a, uint64_t *ino_b)
{
	struct biscfs_mkfs_opts o = { .label = "fsck" };
	struct kstat st;
	long fd;

	disk = calloc(NBLOCKS, BLK_SIZE);
	ck_assert_ptr_nonnull(disk);
	ck_assert_int_eq(ramdisk_create(DEV, disk, NBLOCKS, false, &dev), 0);
	ck_assert_int_eq(biscfs_mkfs(dev, &o), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/m"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mount, U(DEV), U("/m"), U("biscfs"), 0, 0),
	    0);
	fd = sys(SYS_open, U("/m/a"), O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_write, fd, U("hello"), 5), 5);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/m/d"), 0755), 0);
	fd = sys(SYS_open, U("/m/d/b"), O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_link, U("/m/d/b"), U("/m/d/b2")), 0);
	ck_assert_int_eq(sys(SYS_stat, U("/m/a"), ubase), 0);
	ck_assert_int_eq(copyin(&st, ubase, sizeof(st)), 0);
	*ino_a = st.ino;
	ck_assert_int_eq(sys(SYS_stat, U("/m/d/b"), ubase), 0);
	ck_assert_int_eq(copyin(&st, ubase, sizeof(st)), 0);
	*ino_b = st.ino;
	ck_assert_int_eq(sys(SYS_umount2, U("/m"), 0), 0);
}

static void
quiet(void *arg, const char *line)
{
	(*(unsigned *)arg)++;
}

/* fsck the disk; its result. */
static struct biscfs_fsck_result
check(bool repair, int want_err)
{
	unsigned lines = 0;
	struct biscfs_fsck_opts o = { .repair = repair, .report = quiet,
	    .arg = &lines };
	struct biscfs_fsck_result r;

	ck_assert_int_eq(biscfs_fsck(dev, &o, &r), want_err);
	if (want_err == 0)
		ck_assert_uint_ge(lines, r.errors);
	return r;
}

/* Found, all repaired, then clean. */
static void
repair_cycle(unsigned min_errors)
{
	struct biscfs_fsck_result r = check(false, 0);

	ck_assert_uint_ge(r.errors, min_errors);
	ck_assert_uint_eq(r.fixed, 0);
	r = check(true, 0);
	ck_assert_uint_ge(r.errors, min_errors);
	ck_assert_uint_eq(r.fixed, r.errors);
	ck_assert_uint_eq(check(false, 0).errors, 0);
}

static struct biscfs_super *
super(void)
{
	return (struct biscfs_super *)disk;
}

static struct biscfs_inode *
inode(uint64_t ino)
{
	return (struct biscfs_inode *)(disk + super()->itable_start *
	    BLK_SIZE + (ino - 1) * BISCFS_INODE_SIZE);
}

static void
reseal_inode(uint64_t ino)
{
	struct biscfs_inode *ip = inode(ino);

	ip->crc = biscfs_csum((uint32_t)ino, ip, sizeof(*ip),
	    offsetof(struct biscfs_inode, crc));
}

static void
remount(void)
{
	ck_assert_int_eq(sys(SYS_mount, U(DEV), U("/m"), U("biscfs"), 0, 0),
	    0);
}

static int
clean_after_mkfs(void *arg)
{
	uint64_t a, b;

	populate(&a, &b);
	ck_assert_uint_eq(check(false, 0).errors, 0);
	ck_assert_uint_eq(check(true, 0).errors, 0);
	return 0;
}

START_TEST(test_clean)
{
	sys_run(clean_after_mkfs);
}
END_TEST

/* An inode's bytes damaged: it is cleared and its name goes. */
static int
bad_inode(void *arg)
{
	uint64_t a, b;

	populate(&a, &b);
	inode(a)->size ^= 0x10000;	/* the checksum no longer matches */
	repair_cycle(3);		/* inode, entry, count, bitmaps */
	remount();
	ck_assert_int_eq(sys(SYS_access, U("/m/a"), 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_access, U("/m/d/b2"), 0), 0);
	return 0;
}

START_TEST(test_bad_inode)
{
	sys_run(bad_inode);
}
END_TEST

/* A link count that is wrong but checksummed: set to the names. */
static int
bad_nlink(void *arg)
{
	struct kstat st;
	uint64_t a, b;

	populate(&a, &b);
	inode(b)->nlink = 7;
	reseal_inode(b);
	repair_cycle(1);
	ck_assert_uint_eq(inode(b)->nlink, 2);
	remount();
	ck_assert_int_eq(sys(SYS_stat, U("/m/d/b"), ubase), 0);
	ck_assert_int_eq(copyin(&st, ubase, sizeof(st)), 0);
	ck_assert_uint_eq(st.nlink, 2);
	return 0;
}

START_TEST(test_bad_nlink)
{
	sys_run(bad_nlink);
}
END_TEST

/* A used block marked free and a free one marked used. */
static int
bad_bitmap(void *arg)
{
	uint8_t *bm;
	uint64_t a, b, last;

	populate(&a, &b);
	bm = disk + super()->bbitmap_start * BLK_SIZE;
	bm[super()->data_start / 8] ^= 1u << (super()->data_start % 8);
	last = NBLOCKS - 1;
	bm[last / 8] ^= 1u << (last % 8);
	repair_cycle(1);
	ck_assert(bm[super()->data_start / 8] &
	    (1u << (super()->data_start % 8)));
	ck_assert(!(bm[last / 8] & (1u << (last % 8))));
	return 0;
}

START_TEST(test_bad_bitmap)
{
	sys_run(bad_bitmap);
}
END_TEST

/* A layout field of the superblock flipped: re-derived from the rest. */
static int
bad_super_field(void *arg)
{
	uint64_t a, b, want;

	populate(&a, &b);
	want = super()->bbitmap_start;
	super()->bbitmap_start ^= 0x40;
	repair_cycle(2);		/* checksum, layout */
	ck_assert_uint_eq(super()->bbitmap_start, want);
	remount();
	ck_assert_int_eq(sys(SYS_access, U("/m/a"), 0), 0);
	return 0;
}

START_TEST(test_bad_super_field)
{
	sys_run(bad_super_field);
}
END_TEST

/* No superblock at all: fsck says so and changes nothing. */
static int
no_super(void *arg)
{
	uint64_t a, b;

	populate(&a, &b);
	memset(disk, 0, BLK_SIZE);
	check(false, -EUCLEAN);
	check(true, -EUCLEAN);
	ck_assert_uint_eq(super()->magic, 0);
	return 0;
}

START_TEST(test_no_super)
{
	sys_run(no_super);
}
END_TEST

/* The root directory's header destroyed: made again, the rest freed. */
static int
bad_root(void *arg)
{
	const struct biscfs_extent *x;
	uint64_t a, b;

	populate(&a, &b);
	x = (const void *)(inode(BISCFS_ROOT_INO)->data +
	    sizeof(struct biscfs_extent_header));
	memset(disk + x->pblk * BLK_SIZE, 0xA5, 64);
	repair_cycle(2);
	remount();
	ck_assert_int_eq(sys(SYS_access, U("/m/a"), 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_mkdir, U("/m/new"), 0755), 0);
	ck_assert_int_eq(sys(SYS_umount2, U("/m"), 0), 0);
	ck_assert_uint_eq(check(false, 0).errors, 0);
	return 0;
}

START_TEST(test_bad_root)
{
	sys_run(bad_root);
}
END_TEST

static Suite *
fsck_suite(void)
{
	Suite *s = suite_create("fs_fsck");
	TCase *tc = tcase_create("repair");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_bad_inode);
	tcase_add_test(tc, test_bad_nlink);
	tcase_add_test(tc, test_bad_bitmap);
	tcase_add_test(tc, test_bad_super_field);
	tcase_add_test(tc, test_no_super);
	tcase_add_test(tc, test_bad_root);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fsck_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
