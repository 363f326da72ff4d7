/*
 * Block devices and RAM disks: blk_rw reads, writes and flushes a RAM
 * disk; bad ranges are -EINVAL from blk_rw and complete with -EIO from
 * blk_submit; a read-only disk refuses writes; names are unique and
 * found; ramdisk_create checks its arguments; unregistering forgets the
 * name (and its cached blocks).
 */
#include "test_blk.h"

#include "lib/string.h"

#define NBLK	64

static uint8_t *disk;

/* An async request's completion, recorded for the test to look at. */
static int async_error = 1;

static void
async_done(struct blkreq *r)
{
	__atomic_store_n(&async_error, r->error, __ATOMIC_RELEASE);
}

static int
submit_error(struct blkdev *d, enum blk_op op, uint64_t blkno,
    uint32_t nblocks, void *buf)
{
	struct blkreq r = { .op = op, .blkno = blkno, .nblocks = nblocks,
	    .buf = buf, .done = async_done };

	async_error = 1;
	blk_submit(d, &r);	/* a RAM disk completes inside submit */
	return __atomic_load_n(&async_error, __ATOMIC_ACQUIRE);
}

static int
ramdisk_body(void *arg)
{
	struct blkdev *d, *ro, *dup;
	uint8_t *buf = blk_pages(2), *rodisk = blk_pages(2);
	size_t i;

	(void)arg;
	disk = blk_pages(6);
	ck_assert_int_eq(ramdisk_create("ram0", disk, NBLK, false, &d), 0);
	ck_assert_ptr_eq(blkdev_find("ram0"), d);
	ck_assert_ptr_null(blkdev_find("ram9"));
	ck_assert_str_eq(d->name, "ram0");
	ck_assert_uint_eq(d->nblocks, NBLK);

	/* Write two blocks, read them back, and see them in the memory. */
	for (i = 0; i < 2 * BLK_SIZE; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(blk_rw(d, BLK_WRITE, 10, 2, buf), 0);
	ck_assert_int_eq(memcmp(disk + 10 * BLK_SIZE, buf, 2 * BLK_SIZE), 0);
	memset(buf, 0, 2 * BLK_SIZE);
	ck_assert_int_eq(blk_rw(d, BLK_READ, 10, 2, buf), 0);
	for (i = 0; i < 2 * BLK_SIZE; i++)
		ck_assert_uint_eq(buf[i], (uint8_t)(i * 7 + 3));
	ck_assert_int_eq(blk_rw(d, BLK_FLUSH, 0, 0, NULL), 0);
	/* The last block works; one past it does not. */
	ck_assert_int_eq(blk_rw(d, BLK_WRITE, NBLK - 1, 1, buf), 0);
	ck_assert_int_eq(blk_rw(d, BLK_READ, NBLK, 1, buf), -EINVAL);
	ck_assert_int_eq(blk_rw(d, BLK_READ, NBLK - 1, 2, buf), -EINVAL);
	ck_assert_int_eq(blk_rw(d, BLK_READ, 0, 0, buf), -EINVAL);
	ck_assert_int_eq(blk_rw(d, BLK_WRITE, UINT64_MAX, 2, buf), -EINVAL);
	/* Submitted without checking first: they complete with -EIO. */
	ck_assert_int_eq(submit_error(d, BLK_READ, NBLK, 1, buf), -EIO);
	ck_assert_int_eq(submit_error(d, BLK_WRITE, 5, 0, buf), -EIO);
	ck_assert_int_eq(submit_error(d, BLK_READ, 5, 1, NULL), -EIO);
	ck_assert_int_eq(submit_error(d, BLK_READ, 5, 1, buf), 0);
	ck_assert_uint_ge(d->errors, 3);
	ck_assert_uint_ge(d->reads, 4);

	/* A read-only disk reads and flushes, and refuses writes. */
	memset(rodisk, 0x5a, BLK_SIZE);
	ck_assert_int_eq(ramdisk_create("ram1", rodisk, 2, true, &ro), 0);
	ck_assert_int_eq(blk_rw(ro, BLK_READ, 0, 1, buf), 0);
	ck_assert_uint_eq(buf[100], 0x5a);
	ck_assert_int_eq(blk_rw(ro, BLK_WRITE, 0, 1, buf), -EIO);
	ck_assert_int_eq(blk_rw(ro, BLK_FLUSH, 0, 0, NULL), 0);
	ck_assert_uint_eq(rodisk[0], 0x5a);

	/* Names are unique; bad arguments are refused. */
	ck_assert_int_eq(ramdisk_create("ram0", buf, 1, false, &dup), -EEXIST);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(ramdisk_create("", buf, 1, false, &dup), -EINVAL);
	ck_assert_int_eq(ramdisk_create("ram2", buf, 0, false, &dup), -EINVAL);
	ck_assert_int_eq(ramdisk_create("ram2", NULL, 1, false, &dup),
	    -EINVAL);
	ck_assert_int_eq(ramdisk_create("a-name-much-too-long", buf, 1, false,
	    &dup), -EINVAL);

	/* Gone once destroyed, and the name is free again. */
	ramdisk_destroy(ro);
	ck_assert_ptr_null(blkdev_find("ram1"));
	ck_assert_int_eq(ramdisk_create("ram1", rodisk, 2, true, &ro), 0);
	ck_assert_ptr_eq(blkdev_find("ram1"), ro);
	return 0;
}

START_TEST(test_ramdisk)
{
	blk_boot(1, 32, ramdisk_body);
}
END_TEST

/* The cache over a RAM disk, destroyed with clean buffers cached. */
static int
invalidate_body(void *arg)
{
	struct bcache_stats st;
	struct blkdev *d;
	struct buf *b;
	int i;

	(void)arg;
	disk = blk_pages(4);
	ck_assert_int_eq(ramdisk_create("ram0", disk, 16, false, &d), 0);
	for (i = 0; i < 16; i++) {
		ck_assert_int_eq(bread(d, (uint64_t)i, &b), 0);
		brelse(b);
	}
	bcache_stats(&st);
	ck_assert_uint_eq(st.buffers, 16);
	ramdisk_destroy(d);
	bcache_stats(&st);
	ck_assert_uint_eq(st.buffers, 0);
	return 0;
}

START_TEST(test_destroy_forgets_buffers)
{
	blk_boot(1, 32, invalidate_body);
}
END_TEST

static Suite *
ramdisk_suite(void)
{
	Suite *s = suite_create("blk_ramdisk");
	TCase *tc = tcase_create("ramdisk");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ramdisk);
	tcase_add_test(tc, test_destroy_forgets_buffers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ramdisk_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
