/*
 * IPv4 reassembly (RFC 791 section 3.2, RFC 815).
 *
 * A queue per datagram, keyed by source, destination, id and protocol,
 * holds one buffer as large as the largest datagram and the sorted
 * list of byte ranges received so far.  Fragments copy their payload
 * into place; the datagram is whole when the last fragment (MF clear)
 * fixed the total and every byte up to it arrived.
 *
 * Nothing of an attacker's choosing is trusted: a fragment reaching
 * past 64 KiB, a non-final fragment whose length is not a multiple of
 * 8, two final fragments that disagree, and any overlap that is not an
 * exact duplicate (RFC 5722's rule, which Linux applies to IPv4 too)
 * drop the whole queue, counted in ip_frag_dropped.  At most
 * IPFRAG_QUEUES datagrams are in reassembly at once, each of at most
 * IPFRAG_PIECES fragments; a queue not completed ipfrag_timeout_ns (30
 * s) after its first fragment is dropped by a ktimer.
 *
 * Only netrx and softclock come here; ipfrag_lock is a mutex because
 * the buffers are allocated under it.
 */
#include "contract/clock.h"
#include "kern/ktimer.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/inet.h"
#include "net/pkt.h"
#include "proc/mutex.h"
#include "inet_internal.h"

#define IPFRAG_QUEUES	32
#define IPFRAG_PIECES	256	/* a 64 KiB datagram over MTU 296 */
#define IPFRAG_PAYLOAD	(IP_MAXPACKET - IP_HLEN)	/* 65515 */

uint64_t ipfrag_timeout_ns = 30ull * 1000000000ull;

struct fragq {
	bool used;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint64_t expires;
	struct pkt *buf;	/* headroom, then a 20-byte header, payload */
	uint8_t hdr[IP_HLEN];	/* the first fragment's, options dropped */
	size_t total;		/* payload bytes; 0 until the last arrives */
	size_t received;
	bool verified;		/* every fragment's sums vouched for */
	struct netdev *dev;
	int npieces;
	struct { uint16_t start; uint32_t end; } pieces[IPFRAG_PIECES];
};

static struct mutex ipfrag_lock;
static struct fragq queues[IPFRAG_QUEUES];	/* [ipfrag_lock] */
static struct ktimer ipfrag_timer;

static void ipfrag_tick(void *unused);

void
ip_frag_init(void)
{
	mutex_init(&ipfrag_lock, "ipfrag");
	ktimer_init(&ipfrag_timer, ipfrag_tick, NULL);
}

static void
fragq_drop(struct fragq *q)
{
	pkt_free(q->buf);
	q->buf = NULL;
	q->used = false;
	NET_COUNT(ip_frag_dropped);
}

/* The queue for ip's datagram, made if new; NULL when none is free. */
static struct fragq *
fragq_get(const struct iphdr *ip)
{
	struct fragq *q, *freeq = NULL;
	int i;

	for (i = 0; i < IPFRAG_QUEUES; i++) {
		q = &queues[i];
		if (!q->used) {
			if (freeq == NULL)
				freeq = q;
			continue;
		}
		if (q->src == ip->saddr && q->dst == ip->daddr &&
		    q->id == ip->id && q->proto == ip->protocol)
			return q;
	}
	if (freeq == NULL)
		return NULL;
	q = freeq;
	q->buf = pkt_alloc(PKT_HEADROOM, IP_HLEN + IPFRAG_PAYLOAD);
	if (q->buf == NULL)
		return NULL;
	q->used = true;
	q->src = ip->saddr;
	q->dst = ip->daddr;
	q->id = ip->id;
	q->proto = ip->protocol;
	q->expires = clock_ns() + ipfrag_timeout_ns;
	q->total = 0;
	q->received = 0;
	q->verified = true;
	q->npieces = 0;
	memcpy(q->hdr, ip, IP_HLEN);
	if (!ktimer_pending(&ipfrag_timer))
		ktimer_arm(&ipfrag_timer, clock_ns() + 1000000000ull);
	return q;
}

/*
 * Record [off, end) in q: 0, 1 for an exact duplicate (ignored), -1 for
 * a conflict that spoils the datagram.
 */
static int
fragq_add_piece(struct fragq *q, size_t off, size_t end)
{
	int i, at;

	for (i = 0; i < q->npieces; i++) {
		if (off < q->pieces[i].end && end > q->pieces[i].start) {
			if (off == q->pieces[i].start &&
			    end == q->pieces[i].end)
				return 1;
			return -1;
		}
	}
	if (q->npieces == IPFRAG_PIECES)
		return -1;
	for (at = 0; at < q->npieces && q->pieces[at].start < off; at++)
		;
	memmove(&q->pieces[at + 1], &q->pieces[at],
	    (size_t)(q->npieces - at) * sizeof(q->pieces[0]));
	q->pieces[at].start = (uint16_t)off;
	q->pieces[at].end = (uint32_t)end;
	q->npieces++;
	return 0;
}

/* The whole datagram of the complete queue q; q is free after. */
static struct pkt *
fragq_finish(struct fragq *q)
{
	struct pkt *p = q->buf;
	struct iphdr *ip = (struct iphdr *)p->data;

	memcpy(ip, q->hdr, IP_HLEN);
	ip->ver_ihl = 0x45;
	ip->tot_len = htons((uint16_t)(IP_HLEN + q->total));
	ip->frag_off = 0;
	ip->check = 0;
	ip->check = inet_fold(inet_sum(ip, IP_HLEN, 0));
	pkt_trim(p, IP_HLEN + q->total);
	p->dev = q->dev;
	p->csum = q->verified ? PKT_CSUM_VERIFIED : PKT_CSUM_NONE;
	q->buf = NULL;
	q->used = false;
	return p;
}

struct pkt *
ip_frag_input(struct pkt *p)
{
	struct iphdr *ip = (struct iphdr *)p->data;
	size_t hlen = (size_t)(ip->ver_ihl & 0xf) * 4;
	size_t len = p->len - hlen;
	uint16_t fo = ntohs(ip->frag_off);
	size_t off = (size_t)(fo & IP_OFFMASK) * 8, end = off + len;
	bool more = fo & IP_MF;
	struct pkt *whole = NULL;
	struct fragq *q;
	int r;

	if (len == 0 || end > IPFRAG_PAYLOAD || (more && (len & 7))) {
		NET_COUNT(ip_frag_dropped);
		pkt_free(p);
		return NULL;
	}
	mutex_lock(&ipfrag_lock);
	q = fragq_get(ip);
	if (q == NULL) {
		NET_COUNT(ip_frag_dropped);
		goto out;
	}
	if (!more) {
		if ((q->total != 0 && q->total != end) ||
		    (q->npieces > 0 &&
		    q->pieces[q->npieces - 1].end > end)) {
			fragq_drop(q);
			goto out;
		}
		q->total = end;
	} else if (q->total != 0 && end > q->total) {
		fragq_drop(q);
		goto out;
	}
	r = fragq_add_piece(q, off, end);
	if (r < 0) {
		fragq_drop(q);
		goto out;
	}
	if (r == 1)
		goto out;
	memcpy(q->buf->data + IP_HLEN + off, p->data + hlen, len);
	q->received += len;
	if (off == 0)
		memcpy(q->hdr, ip, IP_HLEN);
	if (p->csum != PKT_CSUM_VERIFIED)
		q->verified = false;
	q->dev = p->dev;
	if (q->total != 0 && q->received == q->total)
		whole = fragq_finish(q);
out:
	mutex_unlock(&ipfrag_lock);
	pkt_free(p);
	return whole;
}

/* Drop the queues that outlived the timeout, in softclock. */
static void
ipfrag_tick(void *unused)
{
	uint64_t now = clock_ns();
	bool live = false;
	int i;

	(void)unused;
	mutex_lock(&ipfrag_lock);
	for (i = 0; i < IPFRAG_QUEUES; i++) {
		if (!queues[i].used)
			continue;
		if (now >= queues[i].expires)
			fragq_drop(&queues[i]);
		else
			live = true;
	}
	if (live)
		ktimer_arm(&ipfrag_timer, now + 1000000000ull);
	mutex_unlock(&ipfrag_lock);
}

/*
 * Memory is short (net_evict()): drop every datagram in reassembly, as
 * a timeout would -- the sender's retransmission recovers, and
 * RFC 791 lets a receiver give up on one at any time.  Skipped while
 * input holds the lock (the caller must not wait on it).  Bytes freed.
 */
size_t
ip_frag_evict(void)
{
	size_t bytes = 0;
	int i;

	if (!mutex_trylock(&ipfrag_lock))
		return 0;
	for (i = 0; i < IPFRAG_QUEUES; i++) {
		if (!queues[i].used)
			continue;
		bytes += queues[i].buf->size;
		fragq_drop(&queues[i]);
	}
	mutex_unlock(&ipfrag_lock);
	return bytes;
}

/* Datagrams in reassembly now (tests). */
int
ip_frag_queues(void)
{
	int i, n = 0;

	mutex_lock(&ipfrag_lock);
	for (i = 0; i < IPFRAG_QUEUES; i++)
		n += queues[i].used;
	mutex_unlock(&ipfrag_lock);
	return n;
}
