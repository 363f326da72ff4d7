/*
 * Unit tests for the physical journal (core/fs/journal.c and
 * journal_recover.c) on a booted hosted kernel with 4 vCPUs, over the
 * test disk of test_journal.h (a RAM disk that can crash, fail and hold
 * flushes).
 *
 * Blocks written by the tests carry a pattern derived from (block,
 * tag) over all 4096 bytes, so a block on the disk either is a whole
 * image of some tag or is reported as garbage.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk/bcache.h"
#include "contract/clock.h"
#include "fs/journal.h"
#include "fs/journal_format.h"
#include "hosted.h"
#include "lib/hash.h"
#include "proc/thread.h"
#include "test_journal.h"

#define MiB		((size_t)1 << 20)
#define JSTART		1		/* the log area's first block */
#define GARBAGE		UINT64_MAX	/* not a whole image */

static struct tdisk *disk;
static struct blkdev *dev;

static int
boot(int (*fn)(void *))
{
	struct hosted_config cfg = { .ncpus = 4, .mem_bytes = 128 * MiB,
	    .quiet = true };

	return hosted_boot(&cfg, fn, NULL);
}

/* A disk of nblocks with an empty log of jlen blocks at JSTART. */
static void
setup(uint64_t nblocks, uint64_t jlen)
{
	disk = tdisk_create("td0", nblocks, NULL);
	dev = &disk->dev;
	ck_assert_int_eq(jnl_format(dev, JSTART, jlen), 0);
}

static struct journal *
jopen(uint64_t jlen, unsigned *replayed)
{
	struct journal *j = NULL;
	unsigned n;

	ck_assert_int_eq(jnl_open(dev, JSTART, jlen, &j, &n), 0);
	ck_assert_ptr_nonnull(j);
	if (replayed != NULL)
		*replayed = n;
	return j;
}

static void
fill(uint8_t *p, uint64_t blkno, uint64_t tag)
{
	uint64_t *w = (uint64_t *)p;

	w[0] = tag;
	w[1] = blkno;
	for (size_t i = 2; i < BLK_SIZE / 8; i++)
		w[i] = hash_u64(tag * 1000003u + blkno * 7919u + i);
}

/* The tag of the image in p: 0 for zeroes, GARBAGE for anything else. */
static uint64_t
tag_of(const uint8_t *p, uint64_t blkno)
{
	static uint8_t want[BLK_SIZE];
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < BLK_SIZE && p[i] == 0; i++)
		continue;
	if (i == BLK_SIZE)
		return 0;
	fill(want, blkno, w[0]);
	return memcmp(want, p, BLK_SIZE) == 0 ? w[0] : GARBAGE;
}

/* The tag of block blkno on the RAM disk itself (not the cache). */
static uint64_t
ondisk(uint64_t blkno)
{
	return tag_of(disk->mem + blkno * BLK_SIZE, blkno);
}

/*
 * Wait (up to a second) until block blkno holds tag on the disk: the
 * journal writes committed images in place after jnl_commit() returns.
 */
static void
wait_ondisk(uint64_t blkno, uint64_t tag)
{
	for (int i = 0; i < 1000 && ondisk(blkno) != tag; i++)
		thread_sleep_ns(1000 * 1000);
	ck_assert_uint_eq(ondisk(blkno), tag);
}

/* In handle h: block blkno becomes the image of tag. */
static void
put(struct jhandle *h, uint64_t blkno, uint64_t tag)
{
	struct buf *b;

	ck_assert_int_eq(bread(dev, blkno, &b), 0);
	fill(b->data, blkno, tag);
	jnl_dirty(h, b);
	brelse(b);
}

/* One transaction-sized step: blocks[0..n) become tag, committed. */
static void
put_commit(struct journal *j, const uint64_t *blocks, int n, uint64_t tag)
{
	struct jhandle *h = jnl_begin(j, (unsigned)n);

	for (int i = 0; i < n; i++)
		put(h, blocks[i], tag);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_eq(jnl_commit(j), 0);
}

/* ------------------------------------------------------------------ */

static int
single_body(void *arg)
{
	struct jnl_stats st;
	struct journal *j;
	struct jhandle *h;
	unsigned n;

	setup(1024, 64);
	j = jopen(64, &n);
	ck_assert_uint_eq(n, 0);
	h = jnl_begin(j, 1);
	put(h, 300, 7);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_eq(jnl_commit(j), 0);
	jnl_stats(j, &st);
	ck_assert_uint_eq(st.commits, 1);
	ck_assert_uint_eq(st.handles, 1);
	ck_assert_uint_eq(st.blocks, 1);
	ck_assert_uint_eq(st.forced, 1);
	/* Nothing new: a second commit has nothing to do. */
	ck_assert_int_eq(jnl_commit(j), 0);
	ck_assert_int_eq(jnl_close(j), 0);
	ck_assert_uint_eq(ondisk(300), 7);
	/* A clean close leaves nothing to replay. */
	bcache_invalidate(dev);
	j = jopen(64, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(jnl_close(j), 0);
	ck_assert_uint_eq(ondisk(300), 7);
	return 0;
}

START_TEST(test_single_handle)
{
	ck_assert_int_eq(boot(single_body), 0);
}
END_TEST

static int
many_body(void *arg)
{
	struct jhandle *h[40];
	struct jnl_stats st;
	struct journal *j;

	setup(1024, 256);
	j = jopen(256, NULL);
	/* Forty handles open at once, in one transaction. */
	for (int i = 0; i < 40; i++)
		h[i] = jnl_begin(j, 1);
	for (int i = 0; i < 40; i++)
		put(h[i], 300 + i, 100 + i);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(jnl_end(h[i]), 0);
	ck_assert_int_eq(jnl_commit(j), 0);
	jnl_stats(j, &st);
	ck_assert_uint_eq(st.commits, 1);
	ck_assert_uint_eq(st.handles, 40);
	ck_assert_uint_eq(st.blocks, 40);
	ck_assert_int_eq(jnl_close(j), 0);
	for (int i = 0; i < 40; i++)
		ck_assert_uint_eq(ondisk(300 + i), 100 + i);
	return 0;
}

START_TEST(test_many_handles_one_transaction)
{
	ck_assert_int_eq(boot(many_body), 0);
}
END_TEST

/* Concurrent workers: each bumps a shared counter block and its own. */
#define WORKERS		4
#define WORK_OPS	300
#define COUNTER_BLK	200

static struct journal *cj;

static void
worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	struct jhandle *h;
	struct buf *b;

	for (uint64_t op = 1; op <= WORK_OPS; op++) {
		h = jnl_begin(cj, 2);
		ck_assert_int_eq(bread(dev, COUNTER_BLK, &b), 0);
		((uint64_t *)b->data)[0]++;
		jnl_dirty(h, b);
		brelse(b);
		put(h, 300 + id, op);
		ck_assert_int_eq(jnl_end(h), 0);
		if (op % 10 == 0)
			ck_assert_int_eq(jnl_commit(cj), 0);
	}
}

static int
concurrent_body(void *arg)
{
	struct thread *t[WORKERS];
	struct jnl_stats st;
	unsigned n;

	setup(1024, 128);
	cj = jopen(128, NULL);
	for (uintptr_t i = 0; i < WORKERS; i++) {
		t[i] = thread_create("jworker", worker, (void *)i);
		ck_assert_ptr_nonnull(t[i]);
	}
	for (int i = 0; i < WORKERS; i++)
		thread_join(t[i]);
	jnl_stats(cj, &st);
	ck_assert_uint_eq(st.handles, WORKERS * WORK_OPS);
	/* Group commit: far fewer commits than handles. */
	ck_assert_uint_lt(st.commits, WORKERS * WORK_OPS / 2);
	ck_assert_uint_ge(st.commits, 1);
	ck_assert_int_eq(jnl_close(cj), 0);
	ck_assert_uint_eq(((uint64_t *)(disk->mem +
	    COUNTER_BLK * BLK_SIZE))[0], WORKERS * WORK_OPS);
	for (int i = 0; i < WORKERS; i++)
		ck_assert_uint_eq(ondisk(300 + i), WORK_OPS);
	bcache_invalidate(dev);
	cj = jopen(128, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(jnl_close(cj), 0);
	return 0;
}

START_TEST(test_concurrent_threads)
{
	ck_assert_int_eq(boot(concurrent_body), 0);
}
END_TEST

/* A handle that stays open for a while. */
static volatile int slow_state;

static void
slow_handle(void *arg)
{
	struct jhandle *h = jnl_begin(cj, 1);

	put(h, 300, 1);
	__atomic_store_n(&slow_state, 1, __ATOMIC_SEQ_CST);
	thread_sleep_ns(50 * 1000 * 1000);
	__atomic_store_n(&slow_state, 2, __ATOMIC_SEQ_CST);
	ck_assert_int_eq(jnl_end(h), 0);
}

static void
committer(void *arg)
{
	struct jhandle *h = jnl_begin(cj, 1);

	put(h, 301, 1);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_eq(jnl_commit(cj), 0);
	__atomic_store_n(&slow_state, 3, __ATOMIC_SEQ_CST);
}

static int
running_body(void *arg)
{
	struct thread *a, *c;
	struct jhandle *h;
	unsigned n;

	setup(1024, 256);
	cj = jopen(256, NULL);
	/* A commit waits for the handles still open in its transaction. */
	a = thread_create("slow", slow_handle, NULL);
	while (__atomic_load_n(&slow_state, __ATOMIC_SEQ_CST) == 0)
		thread_sleep_ns(1000 * 1000);
	ck_assert_int_eq(jnl_commit(cj), 0);
	ck_assert_int_eq(__atomic_load_n(&slow_state, __ATOMIC_SEQ_CST), 2);
	thread_join(a);
	wait_ondisk(300, 1);

	/*
	 * While a commit is stuck in the middle (its ordered-data flush is
	 * held), handles of the next transaction run and change the very
	 * buffer it is committing; the log still gets the frozen image.
	 */
	disk->hold = true;
	c = thread_create("committer", committer, NULL);
	while (__atomic_load_n(&disk->held, __ATOMIC_SEQ_CST) == NULL)
		thread_sleep_ns(1000 * 1000);
	h = jnl_begin(cj, 1);
	put(h, 301, 2);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_ne(__atomic_load_n(&slow_state, __ATOMIC_SEQ_CST), 3);
	/* Crash right after the commit block's flush. */
	disk->flushes_left = 2;
	tdisk_release(disk);
	thread_join(c);
	ck_assert(disk->crashed);
	ck_assert_int_eq(jnl_close(cj), 0);	/* its writes are lost */
	tdisk_reboot(disk);
	memset(disk->mem + 301 * BLK_SIZE, 0, BLK_SIZE);
	cj = jopen(256, &n);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(ondisk(301), 1);
	ck_assert_uint_eq(ondisk(300), 1);
	ck_assert_int_eq(jnl_close(cj), 0);
	return 0;
}

START_TEST(test_commit_while_handles_run)
{
	ck_assert_int_eq(boot(running_body), 0);
}
END_TEST

/*
 * History of a workload of committed steps, for checking that a
 * recovered disk shows exactly some prefix of them.
 */
#define HIST_MAX	2048
#define HIST_BLOCKS	20
#define HIST_BASE	400

static uint8_t touched[HIST_MAX][HIST_BLOCKS];

/* Step tag (1-based) touches blocks HIST_BASE + these. */
static int
step_blocks(uint64_t tag, uint64_t *out)
{
	int n = 1 + (int)(hash_u64(tag) % 3);

	for (int i = 0; i < n; i++) {
		int k = (int)(hash_u64(tag * 31 + (uint64_t)i) % HIST_BLOCKS);

		out[i] = HIST_BASE + (uint64_t)k;
		touched[tag][k] = 1;
	}
	return n;
}

/*
 * The disk holds the state after steps 1..P for some P >= durable;
 * returns P.
 */
static uint64_t
check_prefix(uint64_t durable, uint64_t nsteps)
{
	uint64_t p = 0, t;

	for (int k = 0; k < HIST_BLOCKS; k++) {
		t = ondisk(HIST_BASE + (uint64_t)k);
		ck_assert_msg(t != GARBAGE, "block %d is garbage", k);
		p = MAX(p, t);
	}
	ck_assert_msg(p >= durable && p <= nsteps,
	    "prefix %lu, durable %lu", (unsigned long)p,
	    (unsigned long)durable);
	for (int k = 0; k < HIST_BLOCKS; k++) {
		uint64_t want = 0;

		for (uint64_t s = 1; s <= p; s++)
			if (touched[s][k])
				want = s;
		ck_assert_msg(ondisk(HIST_BASE + (uint64_t)k) == want,
		    "block %d: %lu, want %lu after prefix %lu", k,
		    (unsigned long)ondisk(HIST_BASE + (uint64_t)k),
		    (unsigned long)want, (unsigned long)p);
	}
	return p;
}

/* Run steps 1..nsteps, committing each; the last durable one. */
static uint64_t
run_steps(struct journal *j, uint64_t nsteps, int commit_every)
{
	uint64_t blocks[4], durable = 0;

	for (uint64_t s = 1; s <= nsteps; s++) {
		int n = step_blocks(s, blocks);
		struct jhandle *h = jnl_begin(j, (unsigned)n);

		for (int i = 0; i < n; i++)
			put(h, blocks[i], s);
		ck_assert_int_eq(jnl_end(h), 0);
		if (s % (uint64_t)commit_every != 0)
			continue;
		ck_assert_int_eq(jnl_commit(j), 0);
		spin_lock(&disk->lock);
		if (!disk->crashed)
			durable = s;
		spin_unlock(&disk->lock);
	}
	return durable;
}

static int
wrap_body(void *arg)
{
	struct jnl_stats st;
	struct journal *j;
	uint64_t durable;
	unsigned n;

	/* A 32-block log: every few transactions it wraps. */
	setup(1024, JNL_MIN_LEN);
	j = jopen(JNL_MIN_LEN, NULL);
	durable = run_steps(j, 600, 1);
	ck_assert_uint_eq(durable, 600);
	jnl_stats(j, &st);
	ck_assert_uint_eq(st.commits, 600);
	/* The log went around many times. */
	ck_assert_uint_gt(st.blocks + 2 * st.commits, 20 * (JNL_MIN_LEN - 1));
	ck_assert_uint_gt(st.checkpoints, 20);
	ck_assert_int_eq(jnl_close(j), 0);
	check_prefix(600, 600);

	/* Again with a crash late in the run, then recovery. */
	memset(touched, 0, sizeof(touched));
	memset(disk->mem, 0, 1024 * BLK_SIZE);
	bcache_invalidate(dev);
	ck_assert_int_eq(jnl_format(dev, JSTART, JNL_MIN_LEN), 0);
	j = jopen(JNL_MIN_LEN, NULL);
	disk->writes_left = 2500;
	durable = run_steps(j, 600, 2);
	ck_assert(disk->crashed);
	ck_assert_int_eq(jnl_close(j), 0);
	tdisk_reboot(disk);
	j = jopen(JNL_MIN_LEN, &n);
	ck_assert_int_eq(jnl_close(j), 0);
	check_prefix(durable, 600);
	return 0;
}

START_TEST(test_log_wraps_around)
{
	ck_assert_int_eq(boot(wrap_body), 0);
}
END_TEST

/* Recovery after crashes at many points replays the committed prefix. */
static int
prefix_body(void *arg)
{
	struct journal *j;
	uint64_t durable, p, seen_max = 0;
	unsigned n;

	setup(1024, 64);
	for (long cut = 0; cut < 400; cut += 7) {
		memset(touched, 0, sizeof(touched));
		memset(disk->mem, 0, 1024 * BLK_SIZE);
		bcache_invalidate(dev);
		ck_assert_int_eq(jnl_format(dev, JSTART, 64), 0);
		j = jopen(64, NULL);
		disk->writes_left = cut;
		durable = run_steps(j, 60, 1 + (int)(cut % 3));
		ck_assert_int_eq(jnl_close(j), 0);
		tdisk_reboot(disk);
		j = jopen(64, &n);
		ck_assert_int_eq(jnl_close(j), 0);
		p = check_prefix(durable, 60);
		seen_max = MAX(seen_max, p);
	}
	/* The cuts covered runs that got somewhere. */
	ck_assert_uint_gt(seen_max, 20);
	return 0;
}

START_TEST(test_recovery_replays_committed_prefix)
{
	ck_assert_int_eq(boot(prefix_body), 0);
}
END_TEST

/* Many threads with big handles on a small log: jnl_begin waits. */
static void
space_worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;

	for (uint64_t op = 1; op <= 100; op++) {
		struct jhandle *h = jnl_begin(cj, 4);

		for (uint64_t k = 0; k < 4; k++)
			put(h, 600 + id * 4 + k, op);
		ck_assert_int_eq(jnl_end(h), 0);
	}
}

static int
space_body(void *arg)
{
	struct thread *t[4];
	struct jnl_stats st;

	setup(1024, JNL_MIN_LEN);
	cj = jopen(JNL_MIN_LEN, NULL);
	for (uintptr_t i = 0; i < 4; i++)
		t[i] = thread_create("jspace", space_worker, (void *)i);
	for (int i = 0; i < 4; i++)
		thread_join(t[i]);
	ck_assert_int_eq(jnl_commit(cj), 0);
	jnl_stats(cj, &st);
	ck_assert_uint_gt(st.waits, 0);
	ck_assert_uint_gt(st.checkpoints, 10);
	ck_assert_uint_eq(st.handles, 400);
	ck_assert_int_eq(jnl_close(cj), 0);
	for (uint64_t b = 600; b < 616; b++)
		ck_assert_uint_eq(ondisk(b), 100);
	return 0;
}

START_TEST(test_begin_waits_for_space)
{
	ck_assert_int_eq(boot(space_body), 0);
}
END_TEST

static int
revoke_body(void *arg)
{
	const uint64_t b12[2] = { 400, 401 };
	struct journal *j;
	struct jhandle *h;
	struct buf *b;
	unsigned n;

	setup(1024, 256);
	j = jopen(256, NULL);
	put_commit(j, b12, 2, 11);
	/* Block 400 is freed (revoked); 401 is freed without a revoke. */
	h = jnl_begin(j, 1);
	jnl_revoke(h, 400);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_eq(jnl_commit(j), 0);
	/* Both become file data, written in place and flushed. */
	for (uint64_t k = 400; k <= 401; k++) {
		b = bget(dev, k);
		fill(b->data, k, 99);
		bdirty(b);
		brelse(b);
	}
	ck_assert_int_eq(bcache_sync(dev), 0);
	/* Revoked and journaled again in one transaction: the image wins. */
	h = jnl_begin(j, 1);
	jnl_revoke(h, 403);
	put(h, 403, 13);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_eq(jnl_commit(j), 0);
	disk->crashed = true;
	ck_assert_int_eq(jnl_close(j), 0);
	tdisk_reboot(disk);
	ck_assert_uint_eq(ondisk(400), 99);
	ck_assert_uint_eq(ondisk(401), 99);
	memset(disk->mem + 403 * BLK_SIZE, 0, BLK_SIZE);
	j = jopen(256, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(jnl_close(j), 0);
	/* The revoke kept the old image off the data... */
	ck_assert_uint_eq(ondisk(400), 99);
	/* ...which is what happens without one. */
	ck_assert_uint_eq(ondisk(401), 11);
	ck_assert_uint_eq(ondisk(403), 13);
	return 0;
}

START_TEST(test_revoke)
{
	ck_assert_int_eq(boot(revoke_body), 0);
}
END_TEST

/* The log block holding the commit of the newest transaction. */
static uint64_t
newest_commit(uint64_t jlen)
{
	const struct jnl_super *sb = (const void *)(disk->mem +
	    JSTART * BLK_SIZE);
	uint64_t best = 0, seq = 0;

	for (uint64_t p = 1; p < jlen; p++) {
		const struct jnl_header *h = (const void *)(disk->mem +
		    (JSTART + p) * BLK_SIZE);

		if (h->magic == JNL_MAGIC && h->type == JNL_COMMIT &&
		    h->nonce == sb->nonce && h->seq > seq) {
			seq = h->seq;
			best = JSTART + p;
		}
	}
	ck_assert_uint_ne(best, 0);
	return best;
}

static int
badcrc_body(void *arg)
{
	const uint64_t blks[2] = { 500, 501 };
	uint8_t *copy = malloc(1024 * BLK_SIZE);
	struct journal *j;
	uint64_t c;
	unsigned n;

	setup(1024, 256);
	j = jopen(256, NULL);
	put_commit(j, blks, 2, 1);
	/* The second commit's in-place writes never happen. */
	disk->flushes_left = 3;
	put_commit(j, blks, 2, 2);
	ck_assert(disk->crashed);
	ck_assert_int_eq(jnl_close(j), 0);
	tdisk_reboot(disk);
	ck_assert_uint_eq(ondisk(500), 1);
	memcpy(copy, disk->mem, 1024 * BLK_SIZE);

	/* A bit flipped in the newest commit block: it is not replayed. */
	c = newest_commit(256);
	disk->mem[c * BLK_SIZE + sizeof(struct jnl_header) + 1] ^= 0x10;
	j = jopen(256, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(jnl_close(j), 0);
	ck_assert_uint_eq(ondisk(500), 1);
	ck_assert_uint_eq(ondisk(501), 1);

	/* A bit flipped in one of its images: the same. */
	memcpy(disk->mem, copy, 1024 * BLK_SIZE);
	bcache_invalidate(dev);
	c = newest_commit(256);
	disk->mem[(c - 1) * BLK_SIZE + 100] ^= 0x01;
	j = jopen(256, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(jnl_close(j), 0);
	ck_assert_uint_eq(ondisk(500), 1);

	/* Untouched, the same log replays both. */
	memcpy(disk->mem, copy, 1024 * BLK_SIZE);
	bcache_invalidate(dev);
	j = jopen(256, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(jnl_close(j), 0);
	ck_assert_uint_eq(ondisk(500), 2);
	ck_assert_uint_eq(ondisk(501), 2);
	free(copy);
	return 0;
}

START_TEST(test_bad_commit_checksum_not_replayed)
{
	ck_assert_int_eq(boot(badcrc_body), 0);
}
END_TEST

static int
eio_body(void *arg)
{
	const uint64_t blks[1] = { 500 };
	struct journal *j;
	struct jhandle *h;
	uint64_t after;

	setup(1024, 256);
	j = jopen(256, NULL);
	put_commit(j, blks, 1, 1);
	wait_ondisk(500, 1);
	disk->fail_after = 0;
	h = jnl_begin(j, 1);
	put(h, 500, 2);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_eq(jnl_commit(j), -EIO);
	after = disk->after_fail;
	ck_assert_uint_ge(after, 1);
	/* Aborted: later handles and commits fail, nothing is written. */
	h = jnl_begin(j, 1);
	put(h, 501, 3);
	ck_assert_int_eq(jnl_end(h), -EIO);
	ck_assert_int_eq(jnl_commit(j), -EIO);
	ck_assert_int_eq(jnl_close(j), -EIO);
	ck_assert_uint_eq(disk->after_fail, after);
	ck_assert_uint_eq(ondisk(500), 1);
	ck_assert_uint_eq(ondisk(501), 0);
	return 0;
}

START_TEST(test_io_error_aborts)
{
	ck_assert_int_eq(boot(eio_body), 0);
}
END_TEST

static int
badsuper_body(void *arg)
{
	struct journal *j = NULL;
	unsigned n;

	setup(1024, 64);
	ck_assert_int_eq(jnl_format(dev, JSTART, JNL_MIN_LEN - 1), -EINVAL);
	ck_assert_int_eq(jnl_format(dev, 1000, 64), -EINVAL);
	ck_assert_int_eq(jnl_open(dev, JSTART, 8, &j, &n), -EINVAL);
	/* The wrong length for this log. */
	ck_assert_int_eq(jnl_open(dev, JSTART, 65, &j, &n), -EUCLEAN);
	/* One bit flipped. */
	disk->mem[JSTART * BLK_SIZE + 40] ^= 0x04;
	ck_assert_int_eq(jnl_open(dev, JSTART, 64, &j, &n), -EUCLEAN);
	/* No log at all. */
	memset(disk->mem + JSTART * BLK_SIZE, 0, BLK_SIZE);
	ck_assert_int_eq(jnl_open(dev, JSTART, 64, &j, &n), -EUCLEAN);
	/* Garbage. */
	for (size_t i = 0; i < BLK_SIZE; i++)
		disk->mem[JSTART * BLK_SIZE + i] = (uint8_t)hash_u64(i);
	ck_assert_int_eq(jnl_open(dev, JSTART, 64, &j, &n), -EUCLEAN);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(hosted_console_log(), "damaged"));
	return 0;
}

START_TEST(test_damaged_superblock)
{
	ck_assert_int_eq(boot(badsuper_body), 0);
}
END_TEST

static volatile int callback_ran;
static volatile uint64_t callback_saw;

static void
after_commit(void *arg)
{
	callback_saw = ondisk((uintptr_t)arg);
	__atomic_store_n(&callback_ran, 1, __ATOMIC_SEQ_CST);
}

#define SEC	(1000ull * 1000 * 1000)

static int
callback_body(void *arg)
{
	uint64_t t0;
	struct jnl_stats st;
	struct journal *j;
	struct jhandle *h;

	setup(1024, 256);
	j = jopen(256, NULL);
	h = jnl_begin(j, 1);
	put(h, 700, 5);
	jnl_after_commit(h, after_commit, (void *)(uintptr_t)700);
	ck_assert_int_eq(jnl_end(h), 0);
	ck_assert_int_eq(callback_ran, 0);
	ck_assert_int_eq(jnl_commit(j), 0);
	for (int i = 0; i < 1000 && !callback_ran; i++)
		thread_sleep_ns(1000 * 1000);
	ck_assert_int_eq(callback_ran, 1);
	/* It ran once the transaction was durable and in place. */
	ck_assert_uint_eq(callback_saw, 5);

	/* Nobody asks: the thread commits within its interval (5 s). */
	t0 = clock_ns();
	h = jnl_begin(j, 1);
	put(h, 701, 6);
	ck_assert_int_eq(jnl_end(h), 0);
	do {
		thread_sleep_ns(20 * 1000 * 1000);
		jnl_stats(j, &st);
	} while (st.commits < 2 && clock_ns() - t0 < 20 * SEC);
	ck_assert_uint_eq(st.commits, 2);
	ck_assert_uint_eq(st.forced, 1);
	/* Not before its interval. */
	ck_assert_uint_ge(clock_ns() - t0, 4 * SEC);
	ck_assert_int_eq(jnl_close(j), 0);
	return 0;
}

START_TEST(test_after_commit_and_periodic_commit)
{
	ck_assert_int_eq(boot(callback_body), 0);
}
END_TEST

static Suite *
journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_single_handle);
	tcase_add_test(tc, test_many_handles_one_transaction);
	tcase_add_test(tc, test_concurrent_threads);
	tcase_add_test(tc, test_commit_while_handles_run);
	tcase_add_test(tc, test_log_wraps_around);
	tcase_add_test(tc, test_recovery_replays_committed_prefix);
	tcase_add_test(tc, test_begin_waits_for_space);
	tcase_add_test(tc, test_revoke);
	tcase_add_test(tc, test_bad_commit_checksum_not_replayed);
	tcase_add_test(tc, test_io_error_aborts);
	tcase_add_test(tc, test_damaged_superblock);
	tcase_add_test(tc, test_after_commit_and_periodic_commit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(journal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
