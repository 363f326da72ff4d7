/*
 * ARP (RFC 826) for IPv4 over Ethernet: the neighbour cache.
 *
 * An entry is INCOMPLETE from the first packet that needs it until a
 * reply (or any ARP packet from that address) fills in its hardware
 * address; meanwhile up to ARP_QUEUE_MAX packets wait on it, oldest
 * dropped first, and the request is sent again every arp_retry_ns.
 * After ARP_TRIES requests with no answer the entry goes and its
 * packets are answered with an ICMP host unreachable to their (local)
 * sender, which turns into EHOSTUNREACH on the sending socket.  A
 * REACHABLE entry ages out arp_reachable_ns after it was last
 * confirmed, and the next packet resolves again.
 *
 * Requests for this host's address are answered and teach the cache the
 * requester's address (it is about to talk to us).  A gratuitous ARP (a
 * sender announcing its own address) updates an entry that exists but
 * creates none, as Linux's default arp_accept=0 does.
 *
 * One ktimer, ticking every arp_retry_ns while any entry exists, drives
 * retries and ageing.  arp_lock guards the table; packets are sent and
 * freed outside it.
 */
#include "contract/clock.h"
#include "kern/errno.h"
#include "kern/ktimer.h"
#include "lib/string.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "proc/spinlock.h"
#include "inet_internal.h"

#define ARP_ENTRIES	64
/*
 * Packets one unresolved neighbour may hold: a whole fragmented datagram
 * (a 64 KiB one is 45 fragments at MTU 1500) must survive the wait, as it
 * does on Linux, whose default queue is about 100 packets.
 */
#define ARP_QUEUE_MAX	48
#define ARP_TRIES	3
#define ARP_LEN		28
#define ARP_REQUEST	1
#define ARP_REPLY	2
/*
 * What one tick may send, to stay inside the callback's KTIMER_RESERVE:
 * requests left over wait for the next tick, and packets dropped past
 * the ICMP budget go without an error.
 */
#define ARP_TICK_ASKS	12
#define ARP_TICK_ICMPS	6

/* Tunable (the tests shorten them). */
uint64_t arp_reachable_ns = 60ull * 1000000000ull;
uint64_t arp_retry_ns = 1000000000ull;

struct arp_entry {
	struct netdev *dev;	/* NULL: free */
	uint32_t ip;
	uint8_t mac[ETH_ALEN];
	int state;		/* ARP_INCOMPLETE, ARP_REACHABLE */
	int tries;		/* requests sent */
	uint64_t when;		/* next retry, or expiry */
	struct list queue;	/* packets waiting, oldest first */
	int qlen;
};

static struct spinlock arp_lock = SPINLOCK_INIT("arp");
static struct arp_entry arp_table[ARP_ENTRIES];	/* [arp_lock] */
static struct ktimer arp_timer;

static void arp_tick(void *unused);

void
arp_init(void)
{
	int i;

	for (i = 0; i < ARP_ENTRIES; i++)
		list_init(&arp_table[i].queue);
	ktimer_init(&arp_timer, arp_tick, NULL);
}

static struct arp_entry *
arp_find(struct netdev *dev, uint32_t ip)
{
	int i;

	for (i = 0; i < ARP_ENTRIES; i++)
		if (arp_table[i].dev == dev && arp_table[i].ip == ip)
			return &arp_table[i];
	return NULL;
}

/* A free entry, or the reachable one closest to expiry; NULL if none. */
static struct arp_entry *
arp_slot(void)
{
	struct arp_entry *victim = NULL;
	int i;

	for (i = 0; i < ARP_ENTRIES; i++) {
		if (arp_table[i].dev == NULL)
			return &arp_table[i];
		if (arp_table[i].state == ARP_REACHABLE &&
		    (victim == NULL || arp_table[i].when < victim->when))
			victim = &arp_table[i];
	}
	if (victim != NULL)
		victim->dev = NULL;
	return victim;
}

static void
arp_arm(void)
{
	if (!ktimer_pending(&arp_timer))
		ktimer_arm(&arp_timer, clock_ns() + arp_retry_ns);
}

/* Send an ARP packet of op from dev to (tha, tip). */
static void
arp_send(struct netdev *dev, int op, const uint8_t *tha, uint32_t tip)
{
	static const uint8_t bcast[ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	struct pkt *p = pkt_alloc(PKT_HEADROOM, ARP_LEN);
	uint8_t *a;

	if (p == NULL)
		return;
	a = p->data;
	a[0] = 0; a[1] = 1;		/* Ethernet */
	a[2] = 0x08; a[3] = 0x00;	/* IPv4 */
	a[4] = ETH_ALEN; a[5] = 4;
	a[6] = 0; a[7] = (uint8_t)op;
	memcpy(a + 8, dev->mac, ETH_ALEN);
	memcpy(a + 14, &dev->addr, 4);
	if (op == ARP_REQUEST)
		memset(a + 18, 0, ETH_ALEN);
	else
		memcpy(a + 18, tha, ETH_ALEN);
	memcpy(a + 24, &tip, 4);
	ether_send(dev, p, op == ARP_REQUEST ? bcast : tha, ETH_P_ARP);
}

int
arp_resolve(struct netdev *dev, uint32_t ip, uint8_t *mac, struct pkt *p)
{
	struct arp_entry *e;
	struct pkt *old = NULL;
	bool ask = false;

	spin_lock(&arp_lock);
	e = arp_find(dev, ip);
	if (e != NULL && e->state == ARP_REACHABLE) {
		memcpy(mac, e->mac, ETH_ALEN);
		spin_unlock(&arp_lock);
		return 0;
	}
	if (e == NULL) {
		e = arp_slot();
		if (e == NULL) {
			spin_unlock(&arp_lock);
			return -ENOBUFS;
		}
		e->dev = dev;
		e->ip = ip;
		e->state = ARP_INCOMPLETE;
		e->tries = 1;
		e->when = clock_ns() + arp_retry_ns;
		e->qlen = 0;
		ask = true;
		arp_arm();
	}
	if (e->qlen == ARP_QUEUE_MAX) {
		old = list_entry(list_pop_front(&e->queue), struct pkt, link);
		e->qlen--;
	}
	list_push_back(&e->queue, &p->link);
	e->qlen++;
	spin_unlock(&arp_lock);
	if (old != NULL)
		pkt_free(old);
	if (ask)
		arp_send(dev, ARP_REQUEST, NULL, ip);
	return 1;
}

/* Send the packets of q (they waited for mac) on dev. */
static void
arp_flush(struct netdev *dev, struct list *q, const uint8_t *mac)
{
	struct pkt *p;

	while (!list_empty(q)) {
		p = list_entry(list_pop_front(q), struct pkt, link);
		ether_send(dev, p, mac, ETH_P_IP);
	}
}

void
arp_input(struct netdev *dev, struct pkt *p)
{
	struct list q = LIST_INIT(q);
	struct arp_entry *e;
	uint8_t *a = p->data, sha[ETH_ALEN];
	uint32_t spa, tpa;
	int op;

	if (p->len < ARP_LEN || a[0] != 0 || a[1] != 1 || a[2] != 0x08 ||
	    a[3] != 0 || a[4] != ETH_ALEN || a[5] != 4 || a[6] != 0 ||
	    (a[7] != ARP_REQUEST && a[7] != ARP_REPLY) || (a[8] & 1)) {
		NET_COUNT(arp_bad);
		pkt_free(p);
		return;
	}
	op = a[7];
	memcpy(sha, a + 8, ETH_ALEN);
	memcpy(&spa, a + 14, 4);
	memcpy(&tpa, a + 24, 4);
	pkt_free(p);
	if (op == ARP_REQUEST)
		NET_COUNT(arp_requests);
	else
		NET_COUNT(arp_replies);

	spin_lock(&arp_lock);
	e = spa != 0 ? arp_find(dev, spa) : NULL;
	if (e == NULL && spa != 0 && dev->addr != 0 && tpa == dev->addr &&
	    spa != dev->addr) {
		e = arp_slot();
		if (e != NULL) {
			e->dev = dev;
			e->ip = spa;
			e->qlen = 0;
			arp_arm();
		}
	}
	if (e != NULL) {
		memcpy(e->mac, sha, ETH_ALEN);
		e->state = ARP_REACHABLE;
		e->tries = 0;
		e->when = clock_ns() + arp_reachable_ns;
		/* Move the waiting packets out, to send without the lock. */
		while (!list_empty(&e->queue))
			list_push_back(&q, list_pop_front(&e->queue));
		e->qlen = 0;
	}
	spin_unlock(&arp_lock);
	arp_flush(dev, &q, sha);
	if (op == ARP_REQUEST && dev->addr != 0 && tpa == dev->addr)
		arp_send(dev, ARP_REPLY, sha, spa);
}

/* Retries and ageing, in softclock. */
static void
arp_tick(void *unused)
{
	struct { struct netdev *dev; uint32_t ip; } ask[ARP_ENTRIES];
	struct list dead = LIST_INIT(dead);
	struct arp_entry *e;
	struct pkt *p;
	uint64_t now = clock_ns();
	bool live = false;
	int i, nask = 0;

	(void)unused;
	spin_lock(&arp_lock);
	for (i = 0; i < ARP_ENTRIES; i++) {
		e = &arp_table[i];
		if (e->dev == NULL)
			continue;
		if (e->state == ARP_REACHABLE && now >= e->when) {
			e->dev = NULL;
			continue;
		}
		if (e->state == ARP_INCOMPLETE && now >= e->when &&
		    nask < ARP_TICK_ASKS) {
			if (e->tries >= ARP_TRIES) {
				while (!list_empty(&e->queue))
					list_push_back(&dead,
					    list_pop_front(&e->queue));
				e->qlen = 0;
				e->dev = NULL;
				continue;
			}
			e->tries++;
			e->when = now + arp_retry_ns;
			ask[nask].dev = e->dev;
			ask[nask++].ip = e->ip;
		}
		live = true;
	}
	if (live)
		arp_arm();
	spin_unlock(&arp_lock);
	for (i = 0; i < nask; i++)
		arp_send(ask[i].dev, ARP_REQUEST, NULL, ask[i].ip);
	for (i = 0; !list_empty(&dead); i++) {
		p = list_entry(list_pop_front(&dead), struct pkt, link);
		p->l3off = (uint16_t)(p->data - p->head);
		if (i < ARP_TICK_ICMPS)
			icmp_send_error(p, ICMP_DEST_UNREACH,
			    ICMP_HOST_UNREACH);
		pkt_free(p);
	}
}

int
arp_cache_state(struct netdev *dev, uint32_t ip, uint8_t *mac)
{
	struct arp_entry *e;
	int state = 0;

	spin_lock(&arp_lock);
	e = arp_find(dev, ip);
	if (e != NULL) {
		state = e->state;
		if (mac != NULL)
			memcpy(mac, e->mac, ETH_ALEN);
	}
	spin_unlock(&arp_lock);
	return state;
}
