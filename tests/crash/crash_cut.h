/*
 * Cutting a recorded trace (tests/unit/test_journal.h's struct tdisk)
 * into crash images, shared by the crash tests.
 *
 * A crash at cut k (the first k records were issued, nothing after) may
 * leave on the disk: every write issued before the last flush that
 * precedes k (a flush completes only once the writes before it are
 * durable), plus any subset of the writes issued after that flush and
 * before k, reaching the medium in any order (blk/blkdev.h's rule).
 * crash_cut_image() builds one such image, choosing the subset and the
 * order from a seeded generator, so a run is reproducible from its seed.
 *
 * The cuts of a run are visited in increasing order, so the image up to
 * the last flush ("base") is advanced incrementally rather than rebuilt.
 */
#ifndef CRASH_CUT_H
#define CRASH_CUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_journal.h"

struct cutter {
	const struct trec *trace;
	size_t ntrace;
	size_t nblocks;
	uint8_t *base;		/* initial image + writes before base_upto */
	size_t base_upto;	/* records folded into base */
	uint64_t rng;		/* xorshift64* state */
	size_t *pending;	/* scratch: indices of unflushed writes */
};

static inline uint64_t
cut_rand(struct cutter *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 2685821657736338717ull;
}

static inline void
cutter_init(struct cutter *c, const struct tdisk *t, const uint8_t *initial,
    size_t nblocks, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->trace = t->trace;
	c->ntrace = t->ntrace;
	c->nblocks = nblocks;
	c->base = malloc(nblocks * BLK_SIZE);
	c->pending = malloc((t->ntrace + 1) * sizeof(size_t));
	if (c->base == NULL || c->pending == NULL)
		abort();
	memcpy(c->base, initial, nblocks * BLK_SIZE);
	c->rng = seed ? seed : 1;
}

static inline void
cutter_free(struct cutter *c)
{
	free(c->base);
	free(c->pending);
}

/* The index just past the last flush before cut k (0 if none). */
static inline size_t
cut_durable(const struct cutter *c, size_t k)
{
	for (size_t i = k; i > 0; i--)
		if (c->trace[i - 1].op == TR_FLUSH)
			return i;
	return 0;
}

/*
 * Build in img the crash image at cut k (k never decreasing between
 * calls); returns the index just past its last flush.
 */
static inline size_t
crash_cut_image(struct cutter *c, size_t k, uint8_t *img)
{
	size_t f = cut_durable(c, k), n = 0;

	if (f < c->base_upto)
		abort();	/* cuts must not go backwards */
	for (; c->base_upto < f; c->base_upto++) {
		const struct trec *r = &c->trace[c->base_upto];

		if (r->op == TR_WRITE)
			memcpy(c->base + r->blkno * BLK_SIZE, r->data,
			    BLK_SIZE);
	}
	memcpy(img, c->base, c->nblocks * BLK_SIZE);
	/* A random subset of the unflushed writes, in a random order. */
	for (size_t i = f; i < k; i++)
		if (c->trace[i].op == TR_WRITE && (cut_rand(c) & 1))
			c->pending[n++] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(cut_rand(c) % i), x = c->pending[i - 1];

		c->pending[i - 1] = c->pending[j];
		c->pending[j] = x;
	}
	for (size_t i = 0; i < n; i++) {
		const struct trec *r = &c->trace[c->pending[i]];

		memcpy(img + r->blkno * BLK_SIZE, r->data, BLK_SIZE);
	}
	return f;
}

/*
 * The cut points: at least ncuts of them spread evenly over [0, ntrace],
 * each nudged by up to half a step, plus the end; increasing.
 */
static inline size_t
cut_points(struct cutter *c, size_t ncuts, size_t **out)
{
	size_t *k = malloc((ncuts + 2) * sizeof(size_t)), n = 0;
	double step = (double)c->ntrace / (double)ncuts;

	if (k == NULL)
		abort();
	for (size_t i = 0; i < ncuts; i++) {
		size_t at = (size_t)(step * (double)i);

		if (step >= 2)
			at += (size_t)(cut_rand(c) % (uint64_t)(step / 2));
		if (at > c->ntrace)
			at = c->ntrace;
		if (n > 0 && at < k[n - 1])
			at = k[n - 1];
		k[n++] = at;
	}
	k[n++] = c->ntrace;
	*out = k;
	return n;
}

#endif
