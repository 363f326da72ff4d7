/*
 * Crash safety of the journal alone (issue 5, step 1).
 *
 * A synthetic "file system" of metadata blocks runs a seeded workload of
 * operations through the journal on a recording disk; every block write
 * and flush is recorded, and so is each jnl_commit() that returned.
 * Then the trace is cut at more than a thousand points; each cut gives
 * a crash image (crash_cut.h: what was flushed, plus a random subset of
 * what was not, in a random order), which is recovered with jnl_open()
 * and checked:
 *
 *   - every metadata block holds a whole image (no torn transaction);
 *   - together they are the state after operations 1..P for one P
 *     (the committed prefix; every operation also writes its number
 *     into a "clock" block, which names P), and P is at least the last
 *     operation a returned jnl_commit() covered before the cut;
 *   - reuse blocks that were freed (jnl_revoke, committed) and then
 *     overwritten in place with data are never brought back to an old
 *     metadata image once that data was flushed (revoke records work).
 *
 * Operations: a metadata operation writes its number into 1-4 blocks of
 * META in one handle; a reuse block can be journaled as metadata the
 * same way, or freed: a handle revokes it, jnl_commit(), then "file
 * data" tagged DATA|op is written to it through the cache, which the
 * next commit's ordered-data step makes durable.
 *
 * With several workers (threads on their own vCPUs, each with its own
 * clock, metadata and reuse blocks, all in one journal), every check
 * holds per worker: handles of different workers share transactions,
 * so this tests concurrent transactions and group commit under crashes.
 *
 * Usage: crash_journal [seed [workers]] (default 1 and 1; CRASH_SEED
 * also gives the seed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk/bcache.h"
#include "fs/journal.h"
#include "hosted.h"
#include "lib/hash.h"
#include "proc/thread.h"
#include "crash_cut.h"

#define NBLOCKS		768
#define JSTART		1
#define JLEN		96		/* a small log: it wraps many times */
#define META		400		/* + 32 * worker: metadata blocks */
#define NMETA		32
#define REUSE		600		/* + 8 * worker: reuse blocks */
#define NREUSE		8
#define CLOCK_BLK	390		/* + worker: each operation's number */
#define NOPS		700		/* operations, over all workers */
#define MAXW		3		/* workers at most */
#define NCUTS		1200
#define DATA		(1ull << 62)	/* tag bit of file data images */

static struct tdisk *disk;
static uint64_t seed0 = 1;		/* the run's seed */
static unsigned nworkers = 1;
static unsigned failures;
static struct journal *jw;		/* the workload's journal */

/* What each worker's operations did: kind per block. */
enum { EV_NONE, EV_META, EV_FREE };
static uint8_t meta_ev[MAXW][NOPS + 1][NMETA];
static uint8_t reuse_ev[MAXW][NOPS + 1][NREUSE];

/* A marker: worker w's commit after its operation op returned. */
#define MARK(w, op)	((uint64_t)(w) << 48 | (op))

static void
fill(uint8_t *p, uint64_t blkno, uint64_t tag)
{
	uint64_t *w = (uint64_t *)p;

	w[0] = tag;
	w[1] = blkno;
	for (size_t i = 2; i < BLK_SIZE / 8; i++)
		w[i] = hash_u64(tag * 1000003u + blkno * 7919u + i);
}

#define GARBAGE	UINT64_MAX

static uint64_t
tag_of(const uint8_t *img, uint64_t blkno)
{
	static uint8_t want[BLK_SIZE];
	const uint8_t *p = img + blkno * BLK_SIZE;
	size_t i;

	for (i = 0; i < BLK_SIZE && p[i] == 0; i++)
		continue;
	if (i == BLK_SIZE)
		return 0;
	fill(want, blkno, ((const uint64_t *)p)[0]);
	return memcmp(want, p, BLK_SIZE) == 0 ? ((const uint64_t *)p)[0] :
	    GARBAGE;
}

static uint64_t
rnd(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ull;
}

static void
put(struct jhandle *h, uint64_t blkno, uint64_t tag)
{
	struct buf *b;

	if (bread(&disk->dev, blkno, &b) != 0)
		abort();
	fill(b->data, blkno, tag);
	jnl_dirty(h, b);
	brelse(b);
}

static void
commit(unsigned w, uint64_t op)
{
	if (jnl_commit(jw) != 0) {
		printf("crash_journal: jnl_commit failed\n");
		abort();
	}
	tdisk_mark(disk, MARK(w, op));
}

/* Worker w's operations, commits at random points. */
static void
worker(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg;
	uint64_t meta = META + NMETA * w, reuse = REUSE + NREUSE * w;
	uint64_t st = hash_u64(seed0 * 31 + w) | 1;
	bool freed[NREUSE] = { false };

	for (uint64_t op = 1; op <= NOPS / nworkers; op++) {
		unsigned kind = (unsigned)(rnd(&st) % 10);
		struct jhandle *h = jnl_begin(jw, 6);
		int r = (int)(rnd(&st) % NREUSE);

		put(h, CLOCK_BLK + w, op);
		if (kind < 8) {
			int n = 1 + (int)(rnd(&st) % 4);

			for (int i = 0; i < n; i++) {
				int m = (int)(rnd(&st) % NMETA);

				put(h, meta + (uint64_t)m, op);
				meta_ev[w][op][m] = EV_META;
			}
			if (kind == 7) {	/* a reuse block as metadata */
				put(h, reuse + (uint64_t)r, op);
				reuse_ev[w][op][r] = EV_META;
				freed[r] = false;
			}
		} else if (!freed[r]) {
			jnl_revoke(h, reuse + (uint64_t)r);
			reuse_ev[w][op][r] = EV_FREE;
			freed[r] = true;
		}
		if (jnl_end(h) != 0)
			abort();
		if (reuse_ev[w][op][r] == EV_FREE) {
			struct buf *b;

			/* Freed for good: now file data may go there. */
			commit(w, op);
			b = bget(&disk->dev, reuse + (uint64_t)r);
			fill(b->data, reuse + (uint64_t)r, DATA | op);
			bdirty(b);
			brelse(b);
		} else if (rnd(&st) % 4 == 0) {
			commit(w, op);
		}
		if (rnd(&st) % 50 == 0)	/* let the others interleave */
			thread_sleep_ns(1000 * 1000);
	}
	commit(w, NOPS / nworkers);
}

static void
workload(void)
{
	struct thread *t[MAXW];

	for (unsigned w = 0; w < nworkers; w++) {
		t[w] = thread_create("jworker", worker, (void *)(uintptr_t)w);
		if (t[w] == NULL)
			abort();
	}
	for (unsigned w = 0; w < nworkers; w++)
		thread_join(t[w]);
}

static void
fail(size_t cut, const char *what, long a, long b)
{
	if (failures++ < 20)
		printf("crash_journal: seed %lu cut %zu: %s (%ld, %ld)\n",
		    (unsigned long)seed0, cut, what, a, b);
}

/*
 * Worker w's blocks in the recovered image img at cut k (base: the
 * image up to its last flush; durable: w's last returned commit).
 */
static void
check_worker(unsigned w, size_t k, const uint8_t *img, const uint8_t *base,
    uint64_t durable)
{
	uint64_t p = tag_of(img, CLOCK_BLK + w), t;
	uint64_t meta = META + NMETA * w, reuse = REUSE + NREUSE * w;

	if (p == GARBAGE || p > NOPS) {
		fail(k, "the clock block is not a whole image", (long)p, -1);
		return;
	}
	if (p < durable)
		fail(k, "a returned commit is missing", (long)p, (long)durable);
	for (int m = 0; m < NMETA; m++) {
		uint64_t want = 0;

		for (uint64_t s = 1; s <= p; s++)
			if (meta_ev[w][s][m] == EV_META)
				want = s;
		t = tag_of(img, meta + (uint64_t)m);
		if (t != want)
			fail(k, "metadata block not from the prefix",
			    (long)t, (long)want);
	}
	for (int r = 0; r < NREUSE; r++) {
		uint64_t blk = reuse + (uint64_t)r, m = 0, f = 0, d;

		for (uint64_t s = 1; s <= p; s++) {
			if (reuse_ev[w][s][r] == EV_META)
				m = s;
			if (reuse_ev[w][s][r] == EV_FREE)
				f = s;
		}
		t = tag_of(img, blk);
		d = tag_of(base, blk);
		if (t == GARBAGE) {
			fail(k, "reuse block is not a whole image", r, -1);
		} else if (m > f) {
			if (t != m)
				fail(k, "reuse block: wrong metadata", (long)t,
				    (long)m);
		} else if (f > 0 && d != GARBAGE && (d & DATA) &&
		    (!(t & DATA) || t < d)) {
			fail(k, "freed block: flushed data overwritten",
			    (long)t, (long)d);
		} else if (f == 0 && t != 0) {
			fail(k, "reuse block written out of the prefix",
			    (long)t, 0);
		}
	}
}

static int
body(void *arg)
{
	size_t nblk = NBLOCKS, *cuts, ncuts, distinct = 0, f;
	uint8_t *initial, *img;
	struct blkdev *scratch;
	struct journal *j;
	struct cutter c;
	uint64_t durable[MAXW], replayed_total = 0;
	struct jnl_stats st;
	unsigned n;

	disk = tdisk_create("rec0", NBLOCKS, NULL);
	if (jnl_format(&disk->dev, JSTART, JLEN) != 0 ||
	    jnl_open(&disk->dev, JSTART, JLEN, &j, &n) != 0)
		abort();
	initial = malloc(nblk * BLK_SIZE);
	img = malloc(nblk * BLK_SIZE);
	if (initial == NULL || img == NULL)
		abort();
	memcpy(initial, disk->mem, nblk * BLK_SIZE);
	disk->record = true;
	jw = j;
	workload();
	jnl_stats(j, &st);
	if (jnl_close(j) != 0)
		abort();
	disk->record = false;

	if (ramdisk_create("crashimg", img, NBLOCKS, false, &scratch) != 0)
		abort();
	cutter_init(&c, disk, initial, nblk, seed0 * 7 + 3);
	ncuts = cut_points(&c, NCUTS, &cuts);
	for (size_t i = 0; i < ncuts; i++) {
		size_t k = cuts[i];

		if (i == 0 || k != cuts[i - 1])
			distinct++;
		f = crash_cut_image(&c, k, img);
		memset(durable, 0, sizeof(durable));
		for (size_t x = 0; x < k; x++)
			if (c.trace[x].op == TR_MARK)
				durable[c.trace[x].tag >> 48] =
				    c.trace[x].tag & 0xffffffffffffull;
		bcache_invalidate(scratch);
		if (jnl_open(scratch, JSTART, JLEN, &j, &n) != 0) {
			fail(k, "jnl_open failed", 0, 0);
			continue;
		}
		replayed_total += n;
		if (jnl_close(j) != 0)
			fail(k, "jnl_close failed", 0, 0);
		for (unsigned w = 0; w < nworkers; w++)
			check_worker(w, k, img, c.base, durable[w]);
		(void)f;
	}
	printf("crash_journal: seed %lu, %u worker%s: %lu handles in %lu "
	    "commits, %lu checkpoints; %zu records (%zu cuts, %zu distinct), "
	    "%lu transactions replayed, %u failures\n",
	    (unsigned long)seed0, nworkers, nworkers == 1 ? "" : "s",
	    (unsigned long)st.handles, (unsigned long)st.commits,
	    (unsigned long)st.checkpoints, c.ntrace, ncuts, distinct,
	    (unsigned long)replayed_total, failures);
	if (distinct < 1000)
		failures++;
	cutter_free(&c);
	free(cuts);
	free(initial);
	ramdisk_destroy(scratch);
	free(img);
	return failures == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct hosted_config cfg = { .ncpus = 4, .mem_bytes = 128u << 20,
	    .quiet = true };
	const char *s = argc > 1 ? argv[1] : getenv("CRASH_SEED");

	if (s != NULL)
		seed0 = strtoull(s, NULL, 0);
	if (seed0 == 0)
		seed0 = 1;
	if (argc > 2)
		nworkers = (unsigned)atoi(argv[2]);
	if (nworkers < 1 || nworkers > MAXW) {
		fprintf(stderr, "crash_journal: 1 to %d workers\n", MAXW);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return hosted_boot(&cfg, body, NULL);
}
