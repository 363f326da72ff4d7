/*
 * Packet buffers (core/net/pkt.c): one frame or datagram in one
 * contiguous kernel buffer, with headroom in front so each layer on the
 * way out prepends its header in place (pkt_push), and each layer on the
 * way in strips its own (pkt_pull).  Queues of packets (a device's
 * transmit queue, a socket's receive queue, TCP's retransmission queue,
 * IP reassembly) link them through p->link.
 *
 * Memory: receive-path packets are allocated outside any syscall
 * reservation (a device interrupt, the network thread), so pkt_alloc
 * can fail there; the caller drops the frame and counts it.  Inside a
 * syscall it charges the reservation like any kmalloc.
 */
#ifndef NET_PKT_H
#define NET_PKT_H

#include "kern/types.h"
#include "lib/list.h"

/* Room for Ethernet (14) + IPv4 with options (60) + TCP with options (60). */
#define PKT_HEADROOM	160

/* Checksum state (p->csum). */
#define PKT_CSUM_NONE		0	/* software checks / fills it */
#define PKT_CSUM_VERIFIED	1	/* rx: the device or loopback vouched */
#define PKT_CSUM_PARTIAL	2	/* tx: the device fills the L4 sum */

struct netdev;

struct pkt {
	struct list link;	/* the queue it is on */
	uint8_t *head;		/* the buffer */
	size_t size;		/* its bytes */
	uint8_t *data;		/* this layer's first byte */
	size_t len;		/* bytes from data on */
	struct netdev *dev;	/* rx: where it came in; tx: where it goes */
	int csum;		/* PKT_CSUM_* */
	uint16_t l3off, l4off;	/* header offsets from head, set on rx */
	uint64_t stamp_ns;	/* rx: arrival; tx: first sent (RTT) */
	/* Protocol scratch while the packet is in one layer's hands. */
	uint64_t cb[4];
};

/*
 * A packet with headroom bytes before data and room for len bytes after
 * (p->len = len, contents unset): NULL when memory is short (outside a
 * reservation).
 */
struct pkt *pkt_alloc(size_t headroom, size_t len);
void pkt_free(struct pkt *p);
/* Free every packet on queue q (a struct list of pkt.link). */
void pkt_free_queue(struct list *q);
/* A deep copy (retransmission, loopback of a multicast): NULL if short. */
struct pkt *pkt_copy(const struct pkt *p);

/* Prepend n bytes (headroom permitting): their start.  Panics when short. */
void *pkt_push(struct pkt *p, size_t n);
/* Strip n bytes from the front: their start, or NULL when p->len < n. */
void *pkt_pull(struct pkt *p, size_t n);
/* Cut p to len bytes (len <= p->len). */
void pkt_trim(struct pkt *p, size_t len);

static inline uint8_t *pkt_l3(const struct pkt *p) { return p->head + p->l3off; }
static inline uint8_t *pkt_l4(const struct pkt *p) { return p->head + p->l4off; }

#endif
