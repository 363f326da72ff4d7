/*
 * The block cache over test devices that record their requests:
 * bread/bget/bdirty/bwrite/brelse semantics, writers dirtying more
 * than memory, bcache_sync writing every
 * dirty buffer (merged when contiguous, many in flight) and then
 * flushing, bflush writing old dirty buffers by itself, one read for
 * many concurrent breads of a block, a failed read leaving nothing
 * behind, a failed write leaving the buffer dirty, eviction freeing only clean unreferenced buffers, a device
 * larger than memory read through eviction, the journal's pin and
 * discard (bjournal_set/clear), reserve_begin() evicting
 * instead of waiting, and 4 vCPUs of threads hammering shared blocks
 * with every update accounted for on the device.
 */
#include "test_blk.h"

#include "contract/clock.h"
#include "mm/reserve.h"
#include "proc/mutex.h"

/* Semantics on a RAM-backed recdev with immediate completions. */
static int
semantics_body(void *arg)
{
	uint8_t *mem = blk_pages(4);	/* 16 blocks */
	struct bcache_stats st;
	struct recdev *rd;
	struct buf *b, *b2;
	int i;

	(void)arg;
	for (i = 0; i < 16; i++)
		memset(mem + (size_t)i * BLK_SIZE, 'a' + i, BLK_SIZE);
	rd = recdev_new("rec0", 16, mem, 0);

	/* A miss reads the device once; a hit does not. */
	ck_assert_int_eq(bread(&rd->dev, 3, &b), 0);
	ck_assert_ptr_eq(b->dev, &rd->dev);
	ck_assert_uint_eq(b->blkno, 3);
	ck_assert_uint_eq(b->data[0], 'd');
	ck_assert(b->flags & B_VALID);
	ck_assert(mutex_held(&b->lock));
	brelse(b);
	ck_assert_int_eq(bread(&rd->dev, 3, &b2), 0);
	ck_assert_ptr_eq(b2, b);
	brelse(b2);
	ck_assert_int_eq(recdev_count(rd, BLK_READ, 3), 1);
	bcache_stats(&st);
	ck_assert_uint_eq(st.buffers, 1);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.hits, 1);

	/* Out of range. */
	ck_assert_int_eq(bread(&rd->dev, 16, &b), -EINVAL);
	ck_assert_ptr_null(b);
	ck_assert_ptr_null(bget(&rd->dev, 16));

	/* bget does not read: zeroes when uncached, the data when cached. */
	b = bget(&rd->dev, 5);
	ck_assert_uint_eq(b->data[0], 0);
	ck_assert_uint_eq(b->data[BLK_SIZE - 1], 0);
	ck_assert_int_eq(recdev_count(rd, BLK_READ, 5), 0);
	brelse(b);
	b = bget(&rd->dev, 3);
	ck_assert_uint_eq(b->data[0], 'd');
	brelse(b);

	/* bdirty keeps the change in the cache only, until written. */
	ck_assert_int_eq(bread(&rd->dev, 4, &b), 0);
	memset(b->data, 'X', BLK_SIZE);
	bdirty(b);
	ck_assert(b->flags & B_DIRTY);
	brelse(b);
	ck_assert_uint_eq(mem[4 * BLK_SIZE], 'e');
	bcache_stats(&st);
	ck_assert_uint_eq(st.dirty, 1);
	ck_assert_int_eq(bread(&rd->dev, 4, &b), 0);
	ck_assert_uint_eq(b->data[0], 'X');
	/* bwrite writes it now and makes it clean. */
	ck_assert_int_eq(bwrite(b), 0);
	ck_assert(!(b->flags & B_DIRTY));
	ck_assert_uint_eq(mem[4 * BLK_SIZE + 100], 'X');
	ck_assert_int_eq(recdev_count(rd, BLK_WRITE, 4), 1);
	brelse(b);
	bcache_stats(&st);
	ck_assert_uint_eq(st.dirty, 0);

	/* A reference without the lock, and the lock taken again. */
	ck_assert_int_eq(bread(&rd->dev, 6, &b), 0);
	bref(b);
	brelse(b);
	ck_assert(!mutex_held(&b->lock));
	block(b);
	ck_assert(mutex_held(&b->lock));
	ck_assert_uint_eq(b->data[0], 'g');
	brelse(b);
	return 0;
}

START_TEST(test_semantics)
{
	blk_boot(1, 32, semantics_body);
}
END_TEST

/*
 * bcache_sync: every dirty buffer of the device is written (contiguous
 * ones merged), journaled ones are not, then a flush comes last; with
 * late completions, many writes are in flight together.
 */
static int
sync_body(void *arg)
{
	uint8_t *mem = blk_pages(8);	/* 64 blocks */
	struct recdev *rd, *other;
	struct buf *b, *jb;
	int i, merged = 0;

	(void)arg;
	rd = recdev_new("rec0", 64, mem, 5 * MS);
	other = recdev_new("rec1", 64, NULL, 0);
	/* Blocks 0-39 dirty (contiguous), 50 and 52 too; 45 journaled. */
	for (i = 0; i < 53; i++) {
		if (i >= 40 && i != 50 && i != 52)
			continue;
		b = bget(&rd->dev, (uint64_t)i);
		memset(b->data, 0x40 + i, BLK_SIZE);
		bdirty(b);
		brelse(b);
	}
	jb = bget(&rd->dev, 45);
	memset(jb->data, 0x77, BLK_SIZE);
	bjournal_set(jb);
	ck_assert(jb->flags & B_JOURNAL);
	bdirty(jb);
	brelse(jb);
	/* A dirty buffer of another device stays dirty. */
	b = bget(&other->dev, 1);
	bdirty(b);
	brelse(b);
	recdev_clear(rd);
	ck_assert_int_eq(bcache_sync(&rd->dev), 0);
	for (i = 0; i < 53; i++) {
		if (i >= 40 && i != 50 && i != 52)
			continue;
		ck_assert_int_eq(recdev_count(rd, BLK_WRITE, (uint64_t)i), 1);
		ck_assert_uint_eq(mem[(size_t)i * BLK_SIZE + 7], 0x40 + i);
	}
	ck_assert_int_eq(recdev_count(rd, BLK_WRITE, 45), 0);
	ck_assert_uint_eq(mem[45 * BLK_SIZE], 0);
	/* The flush is last, after every write completed. */
	ck_assert_int_gt(rd->nlog, 0);
	ck_assert_int_eq(rd->log[rd->nlog - 1].op, BLK_FLUSH);
	ck_assert_int_eq(recdev_count(rd, BLK_FLUSH, NO_BLOCK), 1);
	for (i = 0; i < rd->nlog; i++)
		if (rd->log[i].op == BLK_WRITE && rd->log[i].nblocks > 1)
			merged++;
	ck_assert_int_gt(merged, 0);
	ck_assert_int_gt(rd->max_inflight, 1);
	ck_assert_int_eq(recdev_count(other, BLK_WRITE, NO_BLOCK), 0);
	/* Clean now: a second sync only flushes. */
	recdev_clear(rd);
	ck_assert_int_eq(bcache_sync(&rd->dev), 0);
	ck_assert_int_eq(rd->nlog, 1);
	ck_assert_int_eq(rd->log[0].op, BLK_FLUSH);
	/* The journal takes its buffer back: then it is written. */
	bref(jb);
	block(jb);
	bjournal_clear(jb, false);
	ck_assert(!(jb->flags & B_JOURNAL));
	brelse(jb);
	ck_assert_int_eq(bcache_sync(&rd->dev), 0);
	ck_assert_uint_eq(mem[45 * BLK_SIZE], 0x77);
	return 0;
}

START_TEST(test_sync)
{
	blk_boot(2, 32, sync_body);
}
END_TEST

/* A buffer held locked by its owner is still written by bcache_sync. */
static int
sync_held_body(void *arg)
{
	uint8_t *mem = blk_pages(2);
	struct recdev *rd;
	struct buf *b;

	(void)arg;
	rd = recdev_new("rec0", 4, mem, 0);
	b = bget(&rd->dev, 2);
	memset(b->data, 0x33, BLK_SIZE);
	bdirty(b);
	ck_assert_int_eq(bcache_sync(&rd->dev), 0);
	ck_assert_uint_eq(mem[2 * BLK_SIZE], 0x33);
	ck_assert(!(b->flags & B_DIRTY));
	brelse(b);
	return 0;
}

START_TEST(test_sync_held)
{
	blk_boot(1, 32, sync_held_body);
}
END_TEST

/* bflush writes buffers dirty for more than ~5 s, without a sync. */
static int
bflush_body(void *arg)
{
	uint8_t *mem = blk_pages(2);
	struct bcache_stats st;
	struct recdev *rd;
	struct buf *b;
	uint64_t t0 = clock_ns();

	(void)arg;
	rd = recdev_new("rec0", 8, mem, 0);
	b = bget(&rd->dev, 1);
	memset(b->data, 0x11, BLK_SIZE);
	bdirty(b);
	brelse(b);
	thread_sleep_ns(2000 * MS);
	ck_assert_uint_eq(mem[BLK_SIZE], 0);	/* too young yet */
	while (mem[BLK_SIZE] != 0x11 && clock_ns() - t0 < 15000 * MS)
		thread_sleep_ns(100 * MS);
	ck_assert_uint_eq(mem[BLK_SIZE], 0x11);
	ck_assert_uint_ge(clock_ns() - t0, 4000 * MS);
	ck_assert_int_eq(recdev_count(rd, BLK_FLUSH, NO_BLOCK), 0);
	thread_sleep_ns(100 * MS);
	bcache_stats(&st);
	ck_assert_uint_eq(st.dirty, 0);
	ck_assert_uint_ge(st.writebacks, 1);
	return 0;
}

START_TEST(test_bflush)
{
	blk_boot(2, 32, bflush_body);
}
END_TEST

/* Many threads bread one block at once: the device sees one read. */
#define READERS	8
static struct recdev *shared_rd;
static int readers_ok;

static void
reader(void *arg)
{
	struct buf *b;

	(void)arg;
	if (bread(&shared_rd->dev, 9, &b) == 0) {
		if (pattern_ok(9, b->data))
			__atomic_add_fetch(&readers_ok, 1, __ATOMIC_RELAXED);
		brelse(b);
	}
}

static int
one_read_body(void *arg)
{
	struct thread *t[READERS];
	int i;

	(void)arg;
	shared_rd = recdev_new("rec0", 32, NULL, 50 * MS);
	for (i = 0; i < READERS; i++)
		ck_assert_ptr_nonnull(t[i] = thread_create("reader", reader,
		    NULL));
	for (i = 0; i < READERS; i++)
		thread_join(t[i]);
	ck_assert_int_eq(readers_ok, READERS);
	ck_assert_int_eq(recdev_count(shared_rd, BLK_READ, 9), 1);
	return 0;
}

START_TEST(test_concurrent_bread_one_read)
{
	blk_boot(4, 32, one_read_body);
}
END_TEST

/* A failed read: -EIO for every reader, and no buffer left behind. */
static int failed_reads;

static void
failing_reader(void *arg)
{
	struct buf *b = (struct buf *)1;

	(void)arg;
	if (bread(&shared_rd->dev, 7, &b) == -EIO && b == NULL)
		__atomic_add_fetch(&failed_reads, 1, __ATOMIC_RELAXED);
}

static int
eio_body(void *arg)
{
	struct thread *t[4];
	struct bcache_stats st;
	struct buf *b;
	int i;

	(void)arg;
	shared_rd = recdev_new("rec0", 32, NULL, 20 * MS);
	shared_rd->fail_read = 7;
	ck_assert_int_eq(bread(&shared_rd->dev, 6, &b), 0);
	brelse(b);
	ck_assert_int_eq(bread(&shared_rd->dev, 7, &b), -EIO);
	ck_assert_ptr_null(b);
	bcache_stats(&st);
	ck_assert_uint_eq(st.buffers, 1);
	for (i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(t[i] = thread_create("failing",
		    failing_reader, NULL));
	for (i = 0; i < 4; i++)
		thread_join(t[i]);
	ck_assert_int_eq(failed_reads, 4);
	bcache_stats(&st);
	ck_assert_uint_eq(st.buffers, 1);
	/* The device recovers: the next bread reads it afresh. */
	shared_rd->fail_read = NO_BLOCK;
	ck_assert_int_eq(bread(&shared_rd->dev, 7, &b), 0);
	ck_assert(pattern_ok(7, b->data));
	brelse(b);
	return 0;
}

START_TEST(test_read_error_leaves_nothing)
{
	blk_boot(2, 32, eio_body);
}
END_TEST

/*
 * A failed write-back: bcache_sync says -EIO and the buffer stays
 * dirty, a holder waiting in bwrite() for that write is not stuck
 * behind it, and once the device works again the data gets there.
 */
static struct recdev *werr_rd;
static int werr_sync;

static void
failing_sync(void *arg)
{
	(void)arg;
	werr_sync = bcache_sync(&werr_rd->dev);
}

static int
write_error_body(void *arg)
{
	uint8_t *mem = blk_pages(2);
	struct bcache_stats st;
	struct thread *t;
	struct buf *b;

	(void)arg;
	werr_rd = recdev_new("rec0", 4, mem, 100 * MS);
	werr_rd->fail_write = 2;
	b = bget(&werr_rd->dev, 2);
	memset(b->data, 0x44, BLK_SIZE);
	bdirty(b);
	brelse(b);
	ck_assert_int_eq(bcache_sync(&werr_rd->dev), -EIO);
	bcache_stats(&st);
	ck_assert_uint_eq(st.dirty, 1);
	ck_assert_uint_eq(bcache_evict(10), 0);
	/* A sync's write in flight (and failing) while we wait to write. */
	ck_assert_ptr_nonnull(t = thread_create("sync", failing_sync, NULL));
	thread_sleep_ns(30 * MS);
	ck_assert_int_eq(bread(&werr_rd->dev, 2, &b), 0);
	ck_assert_int_eq(bwrite(b), -EIO);
	ck_assert(b->flags & B_DIRTY);
	brelse(b);
	thread_join(t);
	ck_assert_int_eq(werr_sync, -EIO);
	/* The device recovers. */
	werr_rd->fail_write = NO_BLOCK;
	ck_assert_int_eq(bread(&werr_rd->dev, 2, &b), 0);
	ck_assert(b->flags & B_DIRTY);
	ck_assert_int_eq(bwrite(b), 0);
	ck_assert(!(b->flags & B_DIRTY));
	brelse(b);
	ck_assert_uint_eq(mem[2 * BLK_SIZE], 0x44);
	bcache_stats(&st);
	ck_assert_uint_eq(st.dirty, 0);
	return 0;
}

START_TEST(test_write_error_stays_dirty)
{
	blk_boot(2, 32, write_error_body);
}
END_TEST

/* Eviction frees clean unreferenced buffers only, oldest first. */
static int
evict_body(void *arg)
{
	struct recdev *rd;
	struct bcache_stats st;
	struct buf *b, *held;
	int i;

	(void)arg;
	rd = recdev_new("rec0", 64, NULL, 0);
	for (i = 0; i < 40; i++) {
		ck_assert_int_eq(bread(&rd->dev, (uint64_t)i, &b), 0);
		if (i == 10 || i == 11) {	/* dirty */
			b->data[0] = 0xdd;
			bdirty(b);
		}
		if (i == 12) {			/* journaled */
			b->data[0] = 0xee;
			bjournal_set(b);
		}
		brelse(b);
	}
	ck_assert_int_eq(bread(&rd->dev, 13, &held), 0);	/* held */
	ck_assert_int_eq(bread(&rd->dev, 14, &b), 0);
	bref(b);			/* referenced, not locked */
	brelse(b);
	/* Oldest first: blocks 0-4 go. */
	ck_assert_uint_eq(bcache_evict(5), 5);
	recdev_clear(rd);
	ck_assert_int_eq(bread(&rd->dev, 5, &b), 0);
	brelse(b);
	ck_assert_int_eq(recdev_count(rd, BLK_READ, NO_BLOCK), 0);
	ck_assert_int_eq(bread(&rd->dev, 0, &b), 0);
	brelse(b);
	ck_assert_int_eq(recdev_count(rd, BLK_READ, 0), 1);
	/* All evictable: 36 cached less dirty, journaled, held, ref'd. */
	ck_assert_uint_eq(bcache_evict(1000), 31);
	ck_assert_uint_eq(bcache_evict(1000), 0);
	bcache_stats(&st);
	ck_assert_uint_eq(st.buffers, 5);
	ck_assert_uint_eq(st.evictions, 36);
	recdev_clear(rd);
	for (i = 10; i <= 12; i++) {
		ck_assert_int_eq(bread(&rd->dev, (uint64_t)i, &b), 0);
		ck_assert_uint_eq(b->data[0], i == 12 ? 0xee : 0xdd);
		if (i == 12)
			bjournal_clear(b, false);
		brelse(b);
	}
	ck_assert_int_eq(recdev_count(rd, BLK_READ, NO_BLOCK), 0);
	ck_assert(mutex_held(&held->lock));
	brelse(held);
	b = bget(&rd->dev, 14);
	brelse(b);
	bunref(b);			/* the earlier bref */
	ck_assert_uint_eq(bcache_evict(1000), 3);	/* 12, 13, 14 */
	return 0;
}

START_TEST(test_evict_only_clean_unused)
{
	blk_boot(1, 32, evict_body);
}
END_TEST

/*
 * A failed journal discards a pinned buffer's changes: the buffer goes
 * when released, and the next bread reads the disk's data again.
 */
static int
discard_body(void *arg)
{
	uint8_t *mem = blk_pages(1);
	struct bcache_stats st;
	struct recdev *rd;
	struct buf *b, *other;

	(void)arg;
	memset(mem, 0x21, 2 * BLK_SIZE);
	rd = recdev_new("rec0", 2, mem, 0);
	ck_assert_int_eq(bread(&rd->dev, 1, &b), 0);
	memset(b->data, 0x99, BLK_SIZE);
	bjournal_set(b);
	bdirty(b);
	brelse(b);
	ck_assert_uint_eq(bcache_evict(10), 0);
	ck_assert_int_eq(bcache_sync(&rd->dev), 0);
	ck_assert_uint_eq(mem[BLK_SIZE], 0x21);
	/* Discarded: gone at its release, read afresh after. */
	ck_assert_int_eq(bread(&rd->dev, 1, &b), 0);
	bjournal_clear(b, true);
	ck_assert(!(b->flags & (B_VALID | B_DIRTY | B_JOURNAL)));
	brelse(b);
	bcache_stats(&st);
	ck_assert_uint_eq(st.buffers, 0);
	ck_assert_uint_eq(st.dirty, 0);
	ck_assert_int_eq(bread(&rd->dev, 1, &other), 0);
	ck_assert_uint_eq(other->data[0], 0x21);
	brelse(other);
	ck_assert_int_eq(bcache_sync(&rd->dev), 0);
	ck_assert_uint_eq(mem[BLK_SIZE], 0x21);
	return 0;
}

START_TEST(test_journal_discard)
{
	blk_boot(1, 32, discard_body);
}
END_TEST

/* A device four times the memory, read whole through the cache. */
static int
bigger_body(void *arg)
{
	uint64_t nblocks = 4 * (32 * MiB) / BLK_SIZE, i;
	struct bcache_stats st;
	struct recdev *rd;
	struct buf *b;

	(void)arg;
	rd = recdev_new("big0", nblocks, NULL, 0);
	for (i = 0; i < nblocks; i++) {
		ck_assert_int_eq(bread(&rd->dev, i, &b), 0);
		if (!pattern_ok(i, b->data))
			ck_abort_msg("block %lu", (unsigned long)i);
		brelse(b);
	}
	bcache_stats(&st);
	ck_assert_uint_gt(st.evictions, nblocks / 2);
	ck_assert_uint_lt(st.buffers, page_total());
	ck_assert_uint_gt(page_free_count(), page_total() / 8);
	return 0;
}

START_TEST(test_cache_bigger_than_memory)
{
	blk_boot(2, 32, bigger_body);
}
END_TEST

/* Dirtying twice the memory: the writers write back to make room. */
static int
dirty_bigger_body(void *arg)
{
	uint64_t nblocks = 2 * (32 * MiB) / BLK_SIZE, i;
	struct bcache_stats st;
	struct recdev *rd;
	struct buf *b;

	(void)arg;
	rd = recdev_new("big0", nblocks, NULL, 0);
	for (i = 0; i < nblocks; i++) {
		b = bget(&rd->dev, i);
		memset(b->data, (int)i, 64);
		bdirty(b);
		brelse(b);
	}
	ck_assert_int_eq(bcache_sync(&rd->dev), 0);
	bcache_stats(&st);
	ck_assert_uint_eq(st.dirty, 0);
	ck_assert_uint_ge(st.writebacks, nblocks);
	ck_assert_uint_gt(st.evictions, nblocks / 2);
	return 0;
}

START_TEST(test_dirty_bigger_than_memory)
{
	blk_boot(1, 32, dirty_bigger_body);
}
END_TEST

/* reserve_begin() gets its memory back from the cache. */
static int
reserve_body(void *arg)
{
	struct recdev *rd;
	struct buf *b;
	uint64_t i, n = page_total();

	(void)arg;
	rd = recdev_new("big0", 2 * n, NULL, 0);
	for (i = 0; i < n; i++) {	/* as much as the cache will hold */
		ck_assert_int_eq(bread(&rd->dev, i, &b), 0);
		brelse(b);
	}
	ck_assert_uint_lt(reserve_available(), (page_total() / 2) * PAGE_SIZE);
	reserve_begin((page_total() / 2) * PAGE_SIZE, "test big");
	reserve_end();
	return 0;
}

START_TEST(test_reserve_evicts)
{
	blk_boot(1, 32, reserve_body);
}
END_TEST

/*
 * The hammer: 4 vCPUs, 16 threads; each bumps its own counter word in
 * random blocks of a shared set, through bread/bdirty/brelse, with
 * write-back and syncs running meanwhile.  At the end the device holds
 * every thread's count for every block.
 */
#define HAMMER_THREADS	16
#define HAMMER_BLOCKS	48
#define HAMMER_OPS	3000
static struct recdev *hammer_rd;
static uint32_t hammer_counts[HAMMER_THREADS][HAMMER_BLOCKS];

static void
hammer(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint64_t x = me * 2654435761u + 1;
	uint32_t *w;
	struct buf *b;
	int i, blk;

	for (i = 0; i < HAMMER_OPS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		blk = (int)(x % HAMMER_BLOCKS);
		if (bread(&hammer_rd->dev, (uint64_t)blk, &b) != 0)
			ck_abort_msg("bread failed");
		w = (uint32_t *)b->data;
		if (w[me] != hammer_counts[me][blk])
			ck_abort_msg("thread %u block %d: %u, not %u", me,
			    blk, w[me], hammer_counts[me][blk]);
		w[me]++;
		hammer_counts[me][blk]++;
		bdirty(b);
		brelse(b);
		if (i % 500 == 499) {
			if (bcache_sync(&hammer_rd->dev) != 0)
				ck_abort_msg("sync failed");
			bcache_evict(8);
		}
	}
}

static int
hammer_body(void *arg)
{
	uint8_t *mem = blk_pages(6);	/* 64 blocks */
	struct thread *t[HAMMER_THREADS];
	uint32_t *w;
	int i, blk;

	(void)arg;
	hammer_rd = recdev_new("rec0", 64, mem, 1 * MS);
	for (i = 0; i < HAMMER_THREADS; i++)
		ck_assert_ptr_nonnull(t[i] = thread_create("hammer", hammer,
		    (void *)(uintptr_t)i));
	for (i = 0; i < HAMMER_THREADS; i++)
		thread_join(t[i]);
	ck_assert_int_eq(bcache_sync(&hammer_rd->dev), 0);
	for (blk = 0; blk < HAMMER_BLOCKS; blk++) {
		w = (uint32_t *)(mem + (size_t)blk * BLK_SIZE);
		for (i = 0; i < HAMMER_THREADS; i++)
			ck_assert_uint_eq(w[i], hammer_counts[i][blk]);
	}
	return 0;
}

START_TEST(test_hammer_4cpus)
{
	blk_boot(4, 64, hammer_body);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite *s = suite_create("blk_cache");
	TCase *tc = tcase_create("cache");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_semantics);
	tcase_add_test(tc, test_sync);
	tcase_add_test(tc, test_sync_held);
	tcase_add_test(tc, test_bflush);
	tcase_add_test(tc, test_concurrent_bread_one_read);
	tcase_add_test(tc, test_read_error_leaves_nothing);
	tcase_add_test(tc, test_write_error_stays_dirty);
	tcase_add_test(tc, test_evict_only_clean_unused);
	tcase_add_test(tc, test_journal_discard);
	tcase_add_test(tc, test_cache_bigger_than_memory);
	tcase_add_test(tc, test_dirty_bigger_than_memory);
	tcase_add_test(tc, test_reserve_evicts);
	tcase_add_test(tc, test_hammer_4cpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
