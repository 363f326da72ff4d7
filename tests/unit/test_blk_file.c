/*
 * The hosted image-file block device (platform/hosted/blkdev_file.c)
 * against a temporary host file: many requests in flight at once (more
 * than the io_uring ring holds), their data checked with the host's
 * pread; reads through the block cache; flush; a read-only image
 * refusing writes; bad opens; the cache over an image hammered from 4
 * vCPUs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_blk.h"

#define NBLK		512	/* a 2 MiB image */
#define INFLIGHT	300	/* more than the ring's 128 */

static char path[64];
static int host_fd;

/* Requests of one burst, completed by the device's interrupt. */
static struct spinlock burst_lock;
static struct waitq burst_wq;
static int burst_left, burst_errors;

static void
burst_done(struct blkreq *r)
{
	spin_lock(&burst_lock);
	if (r->error != 0)
		burst_errors++;
	if (--burst_left == 0)
		waitq_wake_all(&burst_wq);
	spin_unlock(&burst_lock);
}

/* Submit n requests at once and wait for all of them. */
static void
burst(struct blkdev *d, struct blkreq *reqs, int n)
{
	int i;

	burst_left = n;
	burst_errors = 0;
	for (i = 0; i < n; i++) {
		reqs[i].done = burst_done;
		blk_submit(d, &reqs[i]);
	}
	spin_lock(&burst_lock);
	while (burst_left > 0)
		waitq_wait(&burst_wq, &burst_lock);
	spin_unlock(&burst_lock);
}

static int
file_body(void *arg)
{
	static struct blkreq reqs[INFLIGHT];
	uint8_t *mem = blk_pages(9);	/* 512 pages */
	uint8_t host[BLK_SIZE];
	struct blkdev *d, *ro;
	struct buf *b;
	int i;

	(void)arg;
	spin_init(&burst_lock, "burst");
	waitq_init(&burst_wq, "burst");
	ck_assert_int_eq(hosted_blkdev_open("/nonexistent/image", "img9",
	    false, &d), -ENOENT);
	ck_assert_int_eq(hosted_blkdev_open(path, "img0", false, &d), 0);
	ck_assert_uint_eq(d->nblocks, NBLK);
	ck_assert_ptr_eq(blkdev_find("img0"), d);
	ck_assert_int_eq(hosted_blkdev_open(path, "img0", false, &ro),
	    -EEXIST);

	/* 300 single-block writes at once, each block its own pattern. */
	for (i = 0; i < INFLIGHT; i++) {
		pattern_fill((uint64_t)i * 1000, mem + (size_t)i * BLK_SIZE);
		reqs[i] = (struct blkreq){ .op = BLK_WRITE,
		    .blkno = (uint64_t)(i * 7 % NBLK), .nblocks = 1,
		    .buf = mem + (size_t)i * BLK_SIZE };
	}
	burst(d, reqs, INFLIGHT);
	ck_assert_int_eq(burst_errors, 0);
	ck_assert_int_eq(blk_rw(d, BLK_FLUSH, 0, 0, NULL), 0);
	for (i = 0; i < INFLIGHT; i++) {
		ck_assert_int_eq(pread(host_fd, host, BLK_SIZE,
		    (off_t)(i * 7 % NBLK) * BLK_SIZE), BLK_SIZE);
		ck_assert(pattern_ok((uint64_t)i * 1000, host));
	}
	/* And read back at once, into fresh memory. */
	memset(mem, 0, (size_t)INFLIGHT * BLK_SIZE);
	for (i = 0; i < INFLIGHT; i++)
		reqs[i] = (struct blkreq){ .op = BLK_READ,
		    .blkno = (uint64_t)(i * 7 % NBLK), .nblocks = 1,
		    .buf = mem + (size_t)i * BLK_SIZE };
	burst(d, reqs, INFLIGHT);
	ck_assert_int_eq(burst_errors, 0);
	for (i = 0; i < INFLIGHT; i++)
		ck_assert(pattern_ok((uint64_t)i * 1000,
		    mem + (size_t)i * BLK_SIZE));
	/* A multi-block write and read. */
	memset(mem, 0xc3, 8 * BLK_SIZE);
	ck_assert_int_eq(blk_rw(d, BLK_WRITE, NBLK - 8, 8, mem), 0);
	ck_assert_int_eq(pread(host_fd, host, BLK_SIZE,
	    (off_t)(NBLK - 1) * BLK_SIZE), BLK_SIZE);
	ck_assert_uint_eq(host[BLK_SIZE - 1], 0xc3);
	ck_assert_int_eq(blk_rw(d, BLK_READ, NBLK - 8, 9, mem), -EINVAL);

	/* Through the cache: dirty 100 blocks, sync, see them on the host. */
	for (i = 0; i < 100; i++) {
		b = bget(d, (uint64_t)i);
		memset(b->data, i + 1, BLK_SIZE);
		bdirty(b);
		brelse(b);
	}
	ck_assert_int_eq(bcache_sync(d), 0);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(pread(host_fd, host, BLK_SIZE,
		    (off_t)i * BLK_SIZE), BLK_SIZE);
		ck_assert_uint_eq(host[i], (uint8_t)(i + 1));
	}
	ck_assert_int_eq(bread(d, 99, &b), 0);
	ck_assert_uint_eq(b->data[5], 100);
	brelse(b);
	ck_assert_uint_ge(d->flushes, 2);
	hosted_blkdev_close(d);
	ck_assert_ptr_null(blkdev_find("img0"));

	/* Read-only: reads work, writes fail. */
	ck_assert_int_eq(hosted_blkdev_open(path, "img1", true, &ro), 0);
	ck_assert_int_eq(blk_rw(ro, BLK_READ, 0, 1, mem), 0);
	ck_assert_uint_eq(mem[0], 1);
	ck_assert_int_eq(blk_rw(ro, BLK_WRITE, 0, 1, mem), -EIO);
	hosted_blkdev_close(ro);
	return 0;
}

START_TEST(test_file_device)
{
	strcpy(path, "/tmp/test_blk_file.XXXXXX");
	host_fd = mkstemp(path);
	ck_assert_int_ge(host_fd, 0);
	ck_assert_int_eq(ftruncate(host_fd, (off_t)NBLK * BLK_SIZE), 0);
	blk_boot(2, 32, file_body);
	close(host_fd);
	unlink(path);
}
END_TEST

/*
 * The cache over the image on 4 vCPUs: threads dirty their own blocks
 * and read everyone's, syncing now and then; the host then sees every
 * thread's last write.  Completions arrive through the device's irq on
 * vCPU 0 while the others submit.
 */
#define WRITERS		8
#define ROUNDS		40
static struct blkdev *shared_dev;

static void
writer(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	struct buf *b;
	int round, i;

	for (round = 1; round <= ROUNDS; round++) {
		for (i = 0; i < 8; i++) {
			b = bget(shared_dev, me * 8 + (unsigned)i);
			memset(b->data, round, BLK_SIZE);
			bdirty(b);
			brelse(b);
		}
		if (bread(shared_dev, ((me + 1) % WRITERS) * 8, &b) != 0)
			ck_abort_msg("bread");
		brelse(b);
		if (round % 10 == 0 && bcache_sync(shared_dev) != 0)
			ck_abort_msg("bcache_sync");
		if (round % 15 == 0)
			bcache_evict(16);
	}
}

static int
file_hammer_body(void *arg)
{
	struct thread *t[WRITERS];
	uint8_t host[BLK_SIZE];
	int i;

	(void)arg;
	ck_assert_int_eq(hosted_blkdev_open(path, "img0", false, &shared_dev),
	    0);
	for (i = 0; i < WRITERS; i++)
		ck_assert_ptr_nonnull(t[i] = thread_create("writer", writer,
		    (void *)(uintptr_t)i));
	for (i = 0; i < WRITERS; i++)
		thread_join(t[i]);
	ck_assert_int_eq(bcache_sync(shared_dev), 0);
	for (i = 0; i < WRITERS * 8; i++) {
		ck_assert_int_eq(pread(host_fd, host, BLK_SIZE,
		    (off_t)i * BLK_SIZE), BLK_SIZE);
		ck_assert_uint_eq(host[0], ROUNDS);
		ck_assert_uint_eq(host[BLK_SIZE - 1], ROUNDS);
	}
	hosted_blkdev_close(shared_dev);
	return 0;
}

START_TEST(test_file_cache_4cpus)
{
	strcpy(path, "/tmp/test_blk_file.XXXXXX");
	host_fd = mkstemp(path);
	ck_assert_int_ge(host_fd, 0);
	ck_assert_int_eq(ftruncate(host_fd, (off_t)NBLK * BLK_SIZE), 0);
	blk_boot(4, 64, file_hammer_body);
	close(host_fd);
	unlink(path);
}
END_TEST

/* An image shorter than a block is refused. */
static int
tiny_body(void *arg)
{
	struct blkdev *d;

	(void)arg;
	ck_assert_int_eq(hosted_blkdev_open(path, "img0", false, &d),
	    -EINVAL);
	ck_assert_ptr_null(d);
	return 0;
}

START_TEST(test_file_too_small)
{
	strcpy(path, "/tmp/test_blk_file.XXXXXX");
	host_fd = mkstemp(path);
	ck_assert_int_ge(host_fd, 0);
	ck_assert_int_eq(ftruncate(host_fd, 100), 0);
	blk_boot(1, 32, tiny_body);
	close(host_fd);
	unlink(path);
}
END_TEST

static Suite *
file_suite(void)
{
	Suite *s = suite_create("blk_file");
	TCase *tc = tcase_create("file");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_file_device);
	tcase_add_test(tc, test_file_cache_4cpus);
	tcase_add_test(tc, test_file_too_small);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(file_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
