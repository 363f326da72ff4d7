/*
 * biscfs transactions: a journal handle plus the blocks it freed.
 *
 * A block freed in a transaction must not be handed out again before
 * that transaction is durable: a new owner would write file data into
 * it in place, and a crash before the commit would bring back the old
 * owner pointing at someone else's data.  So bfree() clears the bitmap
 * bit inside the transaction but also marks the block pending in an
 * in-memory bitmap the allocator skips, and tx_end() asks the journal
 * to run alloc_release() on the freed extents once the transaction has
 * committed (jnl_after_commit).
 */
#include "biscfs_internal.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

/* Extents freed in one transaction. */
struct bfreed {
	struct biscfs *fs;
	size_t n, cap;
	struct {
		uint64_t pblk, len;
	} e[];
};

void
tx_begin(struct btx *tx, struct biscfs *fs, unsigned credits)
{
	tx->fs = fs;
	tx->freed = NULL;
	tx->h = jnl_begin(fs->jnl, credits);
}

void
tx_dirty(struct btx *tx, struct buf *b)
{
	jnl_dirty(tx->h, b);
}

void
tx_freed(struct btx *tx, uint64_t pblk, uint64_t len)
{
	struct bfreed *f = tx->freed, *g;
	size_t cap;

	if (f != NULL && f->n > 0 && f->e[f->n - 1].pblk +
	    f->e[f->n - 1].len == pblk) {
		f->e[f->n - 1].len += len;
		return;
	}
	if (f == NULL || f->n == f->cap) {
		cap = f == NULL ? 8 : f->cap * 2;
		g = kmalloc(sizeof(*g) + cap * sizeof(g->e[0]));
		g->fs = tx->fs;
		g->n = 0;
		g->cap = cap;
		if (f != NULL) {
			memcpy(g->e, f->e, f->n * sizeof(f->e[0]));
			g->n = f->n;
			kfree(f);
		}
		tx->freed = f = g;
	}
	f->e[f->n].pblk = pblk;
	f->e[f->n].len = len;
	f->n++;
}

/* After the commit: the freed extents become allocatable. */
static void
freed_commit(void *arg)
{
	struct bfreed *f = arg;
	size_t i;

	for (i = 0; i < f->n; i++)
		alloc_release(f->fs, f->e[i].pblk, f->e[i].len);
	kfree(f);
}

int
tx_end(struct btx *tx)
{
	if (tx->freed != NULL)
		jnl_after_commit(tx->h, freed_commit, tx->freed);
	tx->freed = NULL;
	return jnl_end(tx->h);
}
