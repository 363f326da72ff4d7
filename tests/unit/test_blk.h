/*
 * Helpers shared by the block-layer tests (test_blk_*.c): booting a
 * hosted kernel for kernel-side test bodies, memory for RAM disks, and
 * a test block device ("recdev") that records every request, keeps its
 * data in memory (or makes it up from the block number, to be larger
 * than memory), can fail reads or writes of one block, and can complete
 * requests
 * late from a thread of its own, so that many are in flight at once.
 */
#ifndef TEST_BLK_H
#define TEST_BLK_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "blk/bcache.h"
#include "blk/blkdev.h"
#include "contract/physmem.h"
#include "hosted.h"
#include "kern/errno.h"
#include "mm/page.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"

#define MiB		((size_t)1 << 20)
#define MS		(1000 * 1000ull)
#define REC_MAX		8192	/* requests a recdev records */
#define NO_BLOCK	UINT64_MAX

/* Boot ncpus vCPUs with mem MiB and run fn as the first thread: 0. */
static inline void
blk_boot(unsigned ncpus, size_t mem_mib, int (*fn)(void *))
{
	struct hosted_config cfg = { .ncpus = ncpus,
	    .mem_bytes = mem_mib * MiB, .quiet = true };

	ck_assert_int_eq(hosted_boot(&cfg, fn, NULL), 0);
}

/* 2^order zeroed pages of kernel memory (a RAM disk's). */
static inline void *
blk_pages(unsigned order)
{
	paddr_t pa = page_alloc(order, PAGE_ZERO);

	ck_assert(pa != 0);
	return phys_to_virt(pa);
}

struct rec {
	enum blk_op op;
	uint64_t blkno;
	uint32_t nblocks;
};

struct recdev {
	struct blkdev dev;
	uint8_t *mem;		/* the data; NULL: block k is pattern k */
	uint64_t fail_read;	/* reads of this block fail (-EIO) */
	uint64_t fail_write;	/* writes of this block fail (-EIO) */
	uint64_t delay_ns;	/* > 0: complete late, from the thread */
	struct spinlock lock;
	struct rec log[REC_MAX];	/* [lock] */
	int nlog;			/* [lock] */
	int inflight, max_inflight;	/* [lock] */
	struct list pending;		/* [lock] late requests */
	struct waitq wq;
};

/* The 64-bit word at index i of block blkno in a pattern device. */
static inline uint64_t
pattern_word(uint64_t blkno, size_t i)
{
	return blkno * 0x9e3779b97f4a7c15ull + i;
}

static inline void
pattern_fill(uint64_t blkno, void *buf)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < BLK_SIZE / 8; i++)
		w[i] = pattern_word(blkno, i);
}

static inline bool
pattern_ok(uint64_t blkno, const void *buf)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < BLK_SIZE / 8; i++)
		if (w[i] != pattern_word(blkno, i))
			return false;
	return true;
}

/* Do r's transfer and complete it. */
static inline void
recdev_finish(struct recdev *rd, struct blkreq *r)
{
	int err = 0;
	uint32_t i;

	if (r->op == BLK_READ) {
		for (i = 0; i < r->nblocks; i++)
			if (r->blkno + i == rd->fail_read)
				err = -EIO;
		if (err == 0 && rd->mem != NULL)
			memcpy(r->buf, rd->mem + r->blkno * BLK_SIZE,
			    (size_t)r->nblocks * BLK_SIZE);
		else if (err == 0)
			for (i = 0; i < r->nblocks; i++)
				pattern_fill(r->blkno + i,
				    (uint8_t *)r->buf + (size_t)i * BLK_SIZE);
	} else if (r->op == BLK_WRITE) {
		for (i = 0; i < r->nblocks; i++)
			if (r->blkno + i == rd->fail_write)
				err = -EIO;
		if (err == 0 && rd->mem != NULL)
			memcpy(rd->mem + r->blkno * BLK_SIZE, r->buf,
			    (size_t)r->nblocks * BLK_SIZE);
	}
	spin_lock(&rd->lock);
	rd->inflight--;
	spin_unlock(&rd->lock);
	blk_complete(r, err);
}

static inline void
recdev_submit(struct blkdev *d, struct blkreq *r)
{
	struct recdev *rd = d->priv;

	spin_lock(&rd->lock);
	if (rd->nlog < REC_MAX)
		rd->log[rd->nlog++] = (struct rec){ r->op, r->blkno,
		    r->nblocks };
	if (++rd->inflight > rd->max_inflight)
		rd->max_inflight = rd->inflight;
	if (rd->delay_ns > 0) {
		list_push_back(&rd->pending, &r->link);
		waitq_wake_all(&rd->wq);
		spin_unlock(&rd->lock);
		return;
	}
	spin_unlock(&rd->lock);
	recdev_finish(rd, r);
}

/* The late completions: gather, wait delay_ns, finish all gathered. */
static inline void
recdev_thread(void *arg)
{
	struct recdev *rd = arg;
	struct list batch, *l;

	for (;;) {
		spin_lock(&rd->lock);
		while (list_empty(&rd->pending))
			waitq_wait(&rd->wq, &rd->lock);
		spin_unlock(&rd->lock);
		thread_sleep_ns(rd->delay_ns);
		list_init(&batch);
		spin_lock(&rd->lock);
		while ((l = list_pop_front(&rd->pending)) != NULL)
			list_push_back(&batch, l);
		spin_unlock(&rd->lock);
		while ((l = list_pop_front(&batch)) != NULL)
			recdev_finish(rd,
			    list_entry(l, struct blkreq, link));
	}
}

static const struct blkdev_ops recdev_ops = { .submit = recdev_submit };

/* A registered recdev of nblocks; mem NULL makes a pattern device. */
static inline struct recdev *
recdev_new(const char *name, uint64_t nblocks, uint8_t *mem,
    uint64_t delay_ns)
{
	static struct recdev devs[4];
	static int ndevs;
	struct recdev *rd = &devs[ndevs++];
	struct thread *t;

	memset(rd, 0, sizeof(*rd));
	strncpy(rd->dev.name, name, BLK_NAME_MAX - 1);
	rd->dev.nblocks = nblocks;
	rd->dev.ops = &recdev_ops;
	rd->dev.priv = rd;
	rd->mem = mem;
	rd->fail_read = NO_BLOCK;
	rd->fail_write = NO_BLOCK;
	rd->delay_ns = delay_ns;
	spin_init(&rd->lock, "recdev");
	list_init(&rd->pending);
	waitq_init(&rd->wq, "recdev");
	if (delay_ns > 0) {
		t = thread_create("recdev", recdev_thread, rd);
		ck_assert(t != NULL);
		thread_detach(t);
	}
	ck_assert_int_eq(blkdev_register(&rd->dev), 0);
	return rd;
}

/* How many recorded requests are op (on block blkno, or any: NO_BLOCK). */
static inline int
recdev_count(struct recdev *rd, enum blk_op op, uint64_t blkno)
{
	int i, n = 0;

	spin_lock(&rd->lock);
	for (i = 0; i < rd->nlog; i++)
		if (rd->log[i].op == op && (blkno == NO_BLOCK ||
		    (blkno >= rd->log[i].blkno &&
		    blkno < rd->log[i].blkno + rd->log[i].nblocks)))
			n++;
	spin_unlock(&rd->lock);
	return n;
}

static inline void
recdev_clear(struct recdev *rd)
{
	spin_lock(&rd->lock);
	rd->nlog = 0;
	rd->max_inflight = 0;
	spin_unlock(&rd->lock);
}

#endif
