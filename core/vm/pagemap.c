/*
 * Sparse page maps: page index -> physical page, each entry owning one
 * reference to its page.  The VM keeps two kinds: a vmspace's private
 * pages, keyed by virtual page number, and an anonymous object's pages,
 * keyed by page index in the object.
 *
 * Entries are grouped in chunks of PAGEMAP_CHUNK aligned indexes in an
 * rbtree.  A per-page tree node would triple the metadata of dense
 * memory and make fork walk a node per page; a radix tree sized for the
 * whole 2^35-page user half would cost a level per 9 bits even for a
 * handful of pages.  Chunks keep both cases cheap: memory is touched in
 * runs, and a chunk is freed as soon as its last entry goes.
 *
 * Locking: none here; the owner (the vmspace's or the object's lock)
 * serialises every call.
 */
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "vm_internal.h"

struct pagemap_chunk {
	struct rb_node node;
	uint64_t base;			/* first index, PAGEMAP_CHUNK-aligned */
	unsigned used;			/* nonzero entries */
	paddr_t page[PAGEMAP_CHUNK];
};

/* The chunk a tree node is embedded in. */
static inline struct pagemap_chunk *
chunk_of(const struct rb_node *n)
{
	return rb_entry(n, struct pagemap_chunk, node);
}

/* Order chunks by base, for insertion. */
static int
chunk_cmp(const struct rb_node *a, const struct rb_node *b)
{
	uint64_t x = chunk_of(a)->base, y = chunk_of(b)->base;

	return x < y ? -1 : x > y;
}

/* Compare an index with the span a chunk covers. */
static int
chunk_key_cmp(const void *key, const struct rb_node *n)
{
	uint64_t idx = *(const uint64_t *)key;
	const struct pagemap_chunk *c = chunk_of(n);

	if (idx < c->base)
		return -1;
	return idx >= c->base + PAGEMAP_CHUNK ? 1 : 0;
}

/* An empty map. */
void
pagemap_init(struct vm_pagemap *m)
{
	rb_tree_init(&m->chunks);
	m->count = 0;
}

/* The chunk covering idx, or NULL. */
static struct pagemap_chunk *
chunk_find(const struct vm_pagemap *m, uint64_t idx)
{
	struct rb_node *n = rb_find(&m->chunks, &idx, chunk_key_cmp);

	return n != NULL ? chunk_of(n) : NULL;
}

/*
 * The chunk covering idx, created empty if needed.  Callers run inside a
 * heap reservation (a syscall's, a fault's), where kmalloc never fails.
 */
static struct pagemap_chunk *
chunk_get(struct vm_pagemap *m, uint64_t idx)
{
	struct pagemap_chunk *c = chunk_find(m, idx);

	if (c != NULL)
		return c;
	c = kzalloc(sizeof(*c));
	c->base = idx - idx % PAGEMAP_CHUNK;
	rb_insert(&m->chunks, &c->node, chunk_cmp);
	return c;
}

/* The page at idx, or 0 (see vm_internal.h). */
paddr_t
pagemap_get(const struct vm_pagemap *m, uint64_t idx)
{
	struct pagemap_chunk *c = chunk_find(m, idx);

	return c != NULL ? c->page[idx - c->base] : 0;
}

/* Store pa (whose reference the map takes) at idx; see vm_internal.h. */
int
pagemap_put(struct vm_pagemap *m, uint64_t idx, paddr_t pa)
{
	struct pagemap_chunk *c;
	paddr_t old;

	if (pa == 0)
		panic("pagemap_put: no page");
	c = chunk_get(m, idx);
	old = c->page[idx - c->base];
	c->page[idx - c->base] = pa;
	if (old != 0) {
		vm_page_drop(old);
	} else {
		c->used++;
		m->count++;
	}
	return 0;
}

/* Empty the entries of c in [lo, hi); free c when nothing is left. */
static void
chunk_clear(struct vm_pagemap *m, struct pagemap_chunk *c, uint64_t lo,
    uint64_t hi)
{
	uint64_t i, from = MAX(lo, c->base);
	uint64_t to = MIN(hi, c->base + PAGEMAP_CHUNK);

	for (i = from; i < to; i++) {
		paddr_t pa = c->page[i - c->base];

		if (pa == 0)
			continue;
		c->page[i - c->base] = 0;
		c->used--;
		m->count--;
		vm_page_drop(pa);
	}
	if (c->used == 0) {
		rb_remove(&m->chunks, &c->node);
		kfree(c);
	}
}

/* Remove [lo, hi), dropping each entry's page reference. */
void
pagemap_remove(struct vm_pagemap *m, uint64_t lo, uint64_t hi)
{
	struct rb_node *n, *next;

	if (lo >= hi)
		return;
	/* The first chunk that ends above lo. */
	n = rb_lower_bound(&m->chunks, &lo, chunk_key_cmp);
	while (n != NULL && chunk_of(n)->base < hi) {
		next = rb_next(n);
		chunk_clear(m, chunk_of(n), lo, hi);
		n = next;
	}
}

/* Copy src into the empty dst for fork; each copy holds its page. */
int
pagemap_copy(struct vm_pagemap *dst, const struct vm_pagemap *src)
{
	const struct pagemap_chunk *s;
	struct pagemap_chunk *d;
	struct rb_node *n;
	unsigned i;

	if (dst->count != 0)
		panic("pagemap_copy: destination not empty");
	for (n = rb_first(&src->chunks); n != NULL; n = rb_next(n)) {
		s = chunk_of(n);
		d = kmalloc(sizeof(*d));	/* in fork's reservation */
		*d = *s;
		for (i = 0; i < PAGEMAP_CHUNK; i++)
			if (d->page[i] != 0)
				vm_page_hold(d->page[i]);
		rb_insert(&dst->chunks, &d->node, chunk_cmp);
		dst->count += d->used;
	}
	return 0;
}
