/*
 * Packet buffers (see net/pkt.h).
 *
 * The struct pkt and its buffer are one allocation: the header first,
 * then headroom + len bytes, so a packet costs one kmalloc and one kfree
 * and a receive path that runs short of memory fails in one place.
 */
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/pkt.h"

struct pkt *
pkt_alloc(size_t headroom, size_t len)
{
	struct pkt *p;
	size_t size = headroom + len;

	if (size < len)
		return NULL;
	p = kmalloc(sizeof(*p) + size);
	if (p == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	list_init(&p->link);
	p->head = (uint8_t *)(p + 1);
	p->size = size;
	p->data = p->head + headroom;
	p->len = len;
	return p;
}

void
pkt_free(struct pkt *p)
{
	kfree(p);
}

void
pkt_free_queue(struct list *q)
{
	struct list *n;

	while (!list_empty(q)) {
		n = list_pop_front(q);
		pkt_free(list_entry(n, struct pkt, link));
	}
}

struct pkt *
pkt_copy(const struct pkt *p)
{
	struct pkt *c = pkt_alloc((size_t)(p->data - p->head), p->len);

	if (c == NULL)
		return NULL;
	memcpy(c->head, p->head, (size_t)(p->data - p->head) + p->len);
	c->dev = p->dev;
	c->csum = p->csum;
	c->l3off = p->l3off;
	c->l4off = p->l4off;
	c->stamp_ns = p->stamp_ns;
	memcpy(c->cb, p->cb, sizeof(c->cb));
	return c;
}

void *
pkt_push(struct pkt *p, size_t n)
{
	if ((size_t)(p->data - p->head) < n)
		panic("pkt_push: %zu bytes of headroom short of %zu",
		    (size_t)(p->data - p->head), n);
	p->data -= n;
	p->len += n;
	return p->data;
}

void *
pkt_pull(struct pkt *p, size_t n)
{
	uint8_t *d = p->data;

	if (p->len < n)
		return NULL;
	p->data += n;
	p->len -= n;
	return d;
}

void
pkt_trim(struct pkt *p, size_t len)
{
	if (len < p->len)
		p->len = len;
}
