/*
 * A block device for journal tests (test_journal.c, tests/crash): a
 * wrapper over a RAM disk that can
 *   - record every write (block number and data, one record per block)
 *     and every flush, in submission order, with markers the workload
 *     adds (a commit returned), for the crash harness to cut and replay;
 *   - "crash": from some point on, acknowledge writes and flushes
 *     without doing them, so the RAM disk keeps what a machine that lost
 *     power there would have on its disk;
 *   - fail: from some point on, complete writes and flushes with -EIO;
 *   - hold flushes: keep a flush pending until the test lets it go, to
 *     catch a commit in the middle.
 * Trace memory is the host's (malloc), not the kernel's.
 */
#ifndef TEST_JOURNAL_H
#define TEST_JOURNAL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk/bcache.h"
#include "blk/blkdev.h"
#include "fs/journal.h"
#include "fs/journal_format.h"
#include "kern/errno.h"
#include "proc/spinlock.h"
#include "proc/thread.h"

enum trec_op { TR_WRITE, TR_FLUSH, TR_MARK };

/* One record of the trace. */
struct trec {
	enum trec_op op;
	uint64_t blkno;		/* TR_WRITE */
	uint8_t *data;		/* TR_WRITE: BLK_SIZE bytes (malloc) */
	uint64_t tag;		/* TR_MARK: the workload's */
};

struct tdisk {
	struct blkdev dev;	/* what the journal sees */
	struct blkdev *lower;	/* the RAM disk */
	uint8_t *mem;		/* its memory */
	struct spinlock lock;
	/* Fault injection, under lock. */
	long writes_left;	/* block writes still done; < 0: all */
	long flushes_left;	/* flushes until the crash; < 0: never */
	bool crashed;		/* writes and flushes are dropped */
	bool failing;		/* writes and flushes fail with -EIO */
	long fail_after;	/* requests until failing; < 0: never */
	uint64_t dropped;	/* writes acknowledged, not done */
	uint64_t after_fail;	/* writes submitted while failing */
	bool hold;		/* keep the next flushes pending */
	struct blkreq *held;	/* the flush kept pending */
	/* Recording. */
	bool record;
	struct trec *trace;
	size_t ntrace, cap;
};

static void
tdisk_append(struct tdisk *t, enum trec_op op, uint64_t blkno,
    const void *data, uint64_t tag)
{
	struct trec *r;

	if (t->ntrace == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->trace = realloc(t->trace, t->cap * sizeof(*t->trace));
		if (t->trace == NULL)
			abort();
	}
	r = &t->trace[t->ntrace++];
	r->op = op;
	r->blkno = blkno;
	r->tag = tag;
	r->data = NULL;
	if (data != NULL) {
		r->data = malloc(BLK_SIZE);
		if (r->data == NULL)
			abort();
		memcpy(r->data, data, BLK_SIZE);
	}
}

/* A workload's marker in the trace (e.g. "commit N returned"). */
static inline void
tdisk_mark(struct tdisk *t, uint64_t tag)
{
	spin_lock(&t->lock);
	if (t->record)
		tdisk_append(t, TR_MARK, 0, NULL, tag);
	spin_unlock(&t->lock);
}

static void
tdisk_submit(struct blkdev *d, struct blkreq *r)
{
	struct tdisk *t = d->priv;
	bool drop = false, fail = false;

	if (r->op == BLK_READ) {
		t->lower->ops->submit(t->lower, r);
		return;
	}
	spin_lock(&t->lock);
	if (t->fail_after == 0)
		t->failing = true;
	if (t->fail_after > 0)
		t->fail_after--;
	if (t->failing) {
		fail = true;
		t->after_fail++;
	} else if (t->crashed) {
		drop = true;
	} else if (r->op == BLK_WRITE) {
		if (t->writes_left == 0) {
			t->crashed = true;
			drop = true;
		} else if (t->writes_left > 0) {
			t->writes_left--;
		}
	}
	if (drop && r->op == BLK_WRITE)
		t->dropped++;
	if (!drop && !fail && t->record) {
		if (r->op == BLK_FLUSH)
			tdisk_append(t, TR_FLUSH, 0, NULL, 0);
		else
			for (uint32_t i = 0; i < r->nblocks; i++)
				tdisk_append(t, TR_WRITE, r->blkno + i,
				    (uint8_t *)r->buf + (size_t)i * BLK_SIZE, 0);
	}
	if (!drop && !fail && r->op == BLK_FLUSH && t->hold &&
	    t->held == NULL) {
		t->held = r;
		spin_unlock(&t->lock);
		return;
	}
	if (!drop && !fail && r->op == BLK_FLUSH && t->flushes_left > 0 &&
	    --t->flushes_left == 0)
		t->crashed = true;	/* this flush is the last one done */
	spin_unlock(&t->lock);
	if (fail)
		blk_complete(r, -EIO);
	else if (drop)
		blk_complete(r, 0);
	else
		t->lower->ops->submit(t->lower, r);
}

static const struct blkdev_ops tdisk_ops = { .submit = tdisk_submit };

/*
 * A test disk of nblocks over mem (host memory, nblocks * BLK_SIZE
 * bytes; zeroed if NULL is given and allocated here), named name.
 */
static inline struct tdisk *
tdisk_create(const char *name, uint64_t nblocks, uint8_t *mem)
{
	struct tdisk *t = calloc(1, sizeof(*t));
	char lname[BLK_NAME_MAX];

	if (t == NULL)
		abort();
	if (mem == NULL && (mem = calloc(nblocks, BLK_SIZE)) == NULL)
		abort();
	t->mem = mem;
	snprintf(lname, sizeof(lname), "%s.r", name);
	if (ramdisk_create(lname, mem, nblocks, false, &t->lower) != 0)
		abort();
	snprintf(t->dev.name, sizeof(t->dev.name), "%s", name);
	t->dev.nblocks = nblocks;
	t->dev.ops = &tdisk_ops;
	t->dev.priv = t;
	spin_init(&t->lock, "tdisk");
	t->writes_left = -1;
	t->flushes_left = -1;
	t->fail_after = -1;
	if (blkdev_register(&t->dev) != 0)
		abort();
	return t;
}

/* Let a held flush complete. */
static inline void
tdisk_release(struct tdisk *t)
{
	struct blkreq *r;

	spin_lock(&t->lock);
	r = t->held;
	t->held = NULL;
	t->hold = false;
	spin_unlock(&t->lock);
	if (r != NULL)
		t->lower->ops->submit(t->lower, r);
}

/* Back to a healthy disk whose content is what the crash left. */
static inline void
tdisk_reboot(struct tdisk *t)
{
	bcache_invalidate(&t->dev);
	spin_lock(&t->lock);
	t->crashed = t->failing = false;
	t->writes_left = t->flushes_left = t->fail_after = -1;
	spin_unlock(&t->lock);
}

static inline void
tdisk_trace_free(struct tdisk *t)
{
	for (size_t i = 0; i < t->ntrace; i++)
		free(t->trace[i].data);
	free(t->trace);
	t->trace = NULL;
	t->ntrace = t->cap = 0;
}

#endif
