/*
 * /dev/NAME of a block device through the syscalls, as `dd` uses it:
 * stat says S_IFBLK with Linux's numbers (ram0 is 1:0), read returns
 * the disk's bytes through the cache and stops at the end, lseek moves
 * within the device (SEEK_END from its size), ioctl answers
 * BLKGETSIZE64 and BLKGETSIZE, writes (unaligned too) reach the disk by
 * the last close, a write at the end is ENOSPC, and a read-only disk
 * refuses opens for writing (EACCES); fsync writes the cache back and
 * fstat says what stat says.
 */
#include "blk/bcache.h"
#include "blk/blkdev.h"
#include "contract/physmem.h"
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "mm/page.h"
#include "test_sys.h"

/* struct stat's st_mode and st_rdev, at Linux x86-64's offsets. */
#define ST_MODE		24
#define ST_RDEV		40

#define BLKGETSIZE	0x1260u
#define BLKGETSIZE64	0x80081272u
#define NBLK		16

static uaddr_t
path(const char *s)
{
	uaddr_t u = umem(PG);

	poke_str(u, s);
	return u;
}

static uint8_t
byte_at(uint64_t off)
{
	return (uint8_t)(off * 131 + off / 4096);
}

static int
devnode_body(void *arg)
{
	uint8_t *disk = phys_to_virt(page_alloc(4, 0));
	uint8_t *rodisk = phys_to_virt(page_alloc(0, PAGE_ZERO));
	uaddr_t buf = umem(NBLK * PG), st = umem(PG);
	struct blkdev *d, *ro;
	uint8_t k[PG];
	uint64_t size64, rdev;
	unsigned long sectors;
	long fd, i;

	(void)arg;
	for (i = 0; i < NBLK * (long)PG; i++)
		disk[i] = byte_at((uint64_t)i);
	ck_assert_int_eq(devfs_mount_dev(), 0);
	ck_assert_int_eq(ramdisk_create("ram0", disk, NBLK, false, &d), 0);
	ck_assert_int_eq(ramdisk_create("ram3", rodisk, 1, true, &ro), 0);

	ck_assert_int_eq(sys(SYS_stat, path("/dev/ram0"), st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + ST_MODE), S_IFBLK | 0660);
	ck_assert_int_eq(copyin(&rdev, st + ST_RDEV, 8), 0);
	ck_assert_uint_eq(rdev, 0x100);		/* 1:0 */
	ck_assert_int_eq(sys(SYS_stat, path("/dev/ram3"), st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + ST_MODE), S_IFBLK | 0440);
	ck_assert_int_eq(copyin(&rdev, st + ST_RDEV, 8), 0);
	ck_assert_uint_eq(rdev, 0x103);		/* 1:3 */

	/* The whole disk in odd-sized reads, then end of file. */
	fd = sys(SYS_open, path("/dev/ram0"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 1000), 1000);
	ck_assert_int_eq(sys(SYS_read, fd, buf + 1000, NBLK * PG), NBLK * PG
	    - 1000);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 100), 0);
	for (i = 0; i < NBLK; i++) {
		ck_assert_int_eq(copyin(k, buf + (uaddr_t)i * PG, PG), 0);
		ck_assert_int_eq(memcmp(k, disk + i * PG, PG), 0);
	}
	/* Size queries. */
	ck_assert_int_eq(sys(SYS_ioctl, fd, BLKGETSIZE64, st), 0);
	ck_assert_int_eq(copyin(&size64, st, 8), 0);
	ck_assert_uint_eq(size64, NBLK * PG);
	ck_assert_int_eq(sys(SYS_ioctl, fd, BLKGETSIZE, st), 0);
	ck_assert_int_eq(copyin(&sectors, st, 8), 0);
	ck_assert_uint_eq(sectors, NBLK * PG / 512);
	ck_assert_int_eq(sys(SYS_ioctl, fd, BLKGETSIZE64, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_ioctl, fd, 0x5401, st), -ENOTTY);
	/* lseek. */
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_END), NBLK * PG);
	ck_assert_int_eq(sys(SYS_lseek, fd, -10, SEEK_CUR), NBLK * PG - 10);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 100), 10);
	ck_assert_int_eq(sys(SYS_lseek, fd, -1, SEEK_SET), -EINVAL);
	ck_assert_int_eq(sys(SYS_lseek, fd, 5000, SEEK_SET), 5000);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 3), 3);
	ck_assert_int_eq(copyin(k, buf, 3), 0);
	ck_assert_uint_eq(k[2], byte_at(5002));
	ck_assert_int_eq(sys(SYS_pread64, fd, buf, 2, 3 * PG + 1), 2);
	ck_assert_int_eq(copyin(k, buf, 2), 0);
	ck_assert_uint_eq(k[0], byte_at(3 * PG + 1));
	ck_assert_int_eq(sys(SYS_read, fd, BAD, 10), -EFAULT);
	ck_assert_int_eq(sys(SYS_write, fd, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_close, fd), 0);

	/* Writes: unaligned across a block boundary, and a whole block. */
	fd = sys(SYS_open, path("/dev/ram0"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	memset(k, 0xab, sizeof(k));
	ck_assert_int_eq(copyout(buf, k, PG), 0);
	ck_assert_int_eq(sys(SYS_lseek, fd, PG - 100, SEEK_SET), PG - 100);
	ck_assert_int_eq(sys(SYS_write, fd, buf, 200), 200);
	ck_assert_int_eq(sys(SYS_pwrite64, fd, buf, PG, 5 * PG), PG);
	/* Visible through the file at once; on the disk by the close. */
	ck_assert_int_eq(sys(SYS_pread64, fd, buf + PG, 300, PG - 150), 300);
	ck_assert_int_eq(copyin(k, buf + PG, 300), 0);
	ck_assert_uint_eq(k[0], byte_at(PG - 150));
	ck_assert_uint_eq(k[50], 0xab);
	ck_assert_uint_eq(k[249], 0xab);
	ck_assert_uint_eq(k[250], byte_at(PG + 100));
	/* A bad buffer moves nothing. */
	ck_assert_int_eq(sys(SYS_pwrite64, fd, BAD, 10, 0), -EFAULT);
	/* The end: a short write, then ENOSPC. */
	ck_assert_int_eq(sys(SYS_pwrite64, fd, buf, 100, NBLK * PG - 40), 40);
	ck_assert_int_eq(sys(SYS_pwrite64, fd, buf, 100, NBLK * PG), -ENOSPC);
	/* Still in the cache only; fsync writes it (as would the close). */
	ck_assert_uint_eq(disk[5 * PG], byte_at(5 * PG));
	ck_assert_int_eq(sys(SYS_fsync, fd), 0);
	ck_assert_int_eq(sys(SYS_fdatasync, fd), 0);
	ck_assert_uint_eq(disk[5 * PG], 0xab);
	/* fstat: a block device, its number. */
	ck_assert_int_eq(sys(SYS_fstat, fd, st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + ST_MODE), S_IFBLK | 0660);
	ck_assert_int_eq(copyin(&rdev, st + ST_RDEV, 8), 0);
	ck_assert_uint_eq(rdev, 0x100);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_uint_eq(disk[PG - 101], byte_at(PG - 101));
	ck_assert_uint_eq(disk[PG - 100], 0xab);
	ck_assert_uint_eq(disk[PG + 99], 0xab);
	ck_assert_uint_eq(disk[PG + 100], byte_at(PG + 100));
	ck_assert_uint_eq(disk[5 * PG], 0xab);
	ck_assert_uint_eq(disk[6 * PG - 1], 0xab);
	ck_assert_uint_eq(disk[0], byte_at(0));
	ck_assert_uint_eq(disk[NBLK * PG - 1], 0xab);

	/* Read-only: no opening for writing. */
	ck_assert_int_eq(sys(SYS_open, path("/dev/ram3"), O_RDWR), -EACCES);
	ck_assert_int_eq(sys(SYS_open, path("/dev/ram3"), O_WRONLY), -EACCES);
	fd = sys(SYS_open, path("/dev/ram3"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, buf, 2 * PG), PG);
	ck_assert_int_eq(sys(SYS_close, fd), 0);

	/* A device gone is ENXIO, as Linux's for a removed disk. */
	ramdisk_destroy(ro);
	ck_assert_int_eq(sys(SYS_open, path("/dev/ram3"), O_RDONLY), -ENXIO);
	/* Registered again, writable now: the same node serves it. */
	ck_assert_int_eq(ramdisk_create("ram3", rodisk, 1, false, &ro), 0);
	ck_assert_int_eq(sys(SYS_stat, path("/dev/ram3"), st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + ST_MODE), S_IFBLK | 0660);
	fd = sys(SYS_open, path("/dev/ram3"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return 0;
}

START_TEST(test_devnode)
{
	sys_run(devnode_body);
}
END_TEST

static Suite *
devnode_suite(void)
{
	Suite *s = suite_create("blk_devnode");
	TCase *tc = tcase_create("devnode");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_devnode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(devnode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
