/*
 * TCP connections as objects: allocation and reference counts, the
 * connection table and local ports, initial sequence numbers, sleeping
 * and waking, and the way into CLOSED.
 *
 * The table has two hash chains per connection: by local port (every
 * bound tcb: listeners, connected, TIME-WAIT; bind's conflict check and
 * the listener lookup walk it) and by the four-tuple (connected tcbs
 * only, the per-segment lookup).  A segment goes to the connection of
 * its four-tuple, else to the listener on its port whose address is
 * its destination, else to a wildcard listener.
 *
 * bind(2) conflicts as Linux's do: two sockets may share a port when
 * their addresses differ (neither the wildcard), or when both set
 * SO_REUSEADDR and the old one is not listening, or when the old one is
 * in TIME-WAIT and the new one set SO_REUSEADDR.  An ephemeral port
 * (32768-60999) is one nobody uses, found from a random start.
 *
 * ISNs follow RFC 6528: a 4-microsecond clock plus a keyed hash
 * (SipHash-2-4 with a boot-time random key) of the four-tuple, so
 * numbers are unpredictable per connection yet grow for a repeated
 * tuple, as TIME-WAIT reuse needs.
 */
#include "contract/clock.h"
#include "fs/file.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/random.h"
#include "lib/hash.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "net/evict.h"
#include "net/pkt.h"
#include "net/tcp.h"
#include "proc/signal.h"
#include "inet_internal.h"

#define PORT_BUCKETS	256
#define CONN_BUCKETS	1024

struct spinlock tcp_listen_lock = SPINLOCK_INIT("tcp_listen");
static struct spinlock tcp_table_lock = SPINLOCK_INIT("tcp_table");
static struct list port_chain[PORT_BUCKETS];		/* [H] */
static struct list conn_chain[CONN_BUCKETS];		/* [H] */
static bool table_ready;				/* [H] */
static uint64_t isn_key[2];
static bool isn_keyed;
static struct spinlock isn_lock = SPINLOCK_INIT("tcp_isn");

static void
table_init(void)
{
	int i;

	if (table_ready)
		return;
	for (i = 0; i < PORT_BUCKETS; i++)
		list_init(&port_chain[i]);
	for (i = 0; i < CONN_BUCKETS; i++)
		list_init(&conn_chain[i]);
	table_ready = true;
}

struct tcp_sock *
tcp_alloc(void)
{
	struct tcp_sock *tp = kzalloc(sizeof(*tp));	/* in a reservation */

	tp->refs = 1;
	mutex_init(&tp->lock, "tcp");
	spin_init(&tp->wlock, "tcp_wait");
	waitq_init(&tp->wq, "tcp");
	tp->state = TCP_CLOSE;
	list_init(&tp->port_link);
	list_init(&tp->conn_link);
	list_init(&tp->synq);
	list_init(&tp->acceptq);
	list_init(&tp->q_link);
	list_init(&tp->rcvq);
	list_init(&tp->oooq);
	tp->mss = TCP_MSS_DEFAULT;
	tp->keepidle = TCP_KEEPIDLE_S;
	tp->keepintvl = TCP_KEEPINTVL_S;
	tp->keepcnt = TCP_KEEPCNT_DEF;
	rtt_init(&tp->rtt);
	cc_init(&tp->cc, tp->mss);
	tcp_timers_init(tp);
	return tp;
}

void
tcp_get(struct tcp_sock *tp)
{
	__atomic_add_fetch(&tp->refs, 1, __ATOMIC_RELAXED);
}

void
tcp_put(struct tcp_sock *tp)
{
	if (__atomic_sub_fetch(&tp->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	tcp_timers_stop(tp, !tcp_in_timer());
	pkt_free_queue(&tp->rcvq);
	pkt_free_queue(&tp->oooq);
	kfree(tp->sbuf);
	kfree(tp);
}

static unsigned
port_hash(uint16_t lport)
{
	return ntohs(lport) % PORT_BUCKETS;
}

static unsigned
conn_hash(uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport)
{
	uint64_t h = hash_combine(hash_u64(laddr), faddr);

	h = hash_combine(h, (uint64_t)lport << 16 | fport);
	return (unsigned)(h % CONN_BUCKETS);
}

/* Does the bound tcb `old` stop tp from taking laddr:port? [H] */
static bool
conflicts(const struct tcp_sock *old, const struct tcp_sock *tp,
    uint32_t laddr)
{
	if (old == tp || !old->bound)
		return false;
	if (old->laddr != INADDR_ANY && laddr != INADDR_ANY &&
	    old->laddr != laddr)
		return false;
	if (old->state == TCP_TIME_WAIT && tp->reuse)
		return false;
	if (tp->reuse && old->reuse && old->state != TCP_LISTEN)
		return false;
	return true;
}

static bool
port_free(struct tcp_sock *tp, uint32_t laddr, uint16_t lport, bool any)
{
	struct list *it;
	struct tcp_sock *o;

	list_foreach(it, &port_chain[port_hash(lport)]) {
		o = list_entry(it, struct tcp_sock, port_link);
		if (o->lport != lport)
			continue;
		if (any ? o->bound : conflicts(o, tp, laddr))
			return false;
	}
	return true;
}

int
tcp_bind_port(struct tcp_sock *tp, uint32_t laddr, uint16_t lport)
{
	uint32_t span = TCP_PORT_HI - TCP_PORT_LO + 1, start, i;
	uint16_t p;

	random_bytes(&start, sizeof(start));
	spin_lock(&tcp_table_lock);
	table_init();
	if (lport == 0) {
		for (i = 0; i < span; i++) {
			p = htons((uint16_t)(TCP_PORT_LO + (start + i) % span));
			if (port_free(tp, laddr, p, true))
				break;
		}
		if (i == span) {
			spin_unlock(&tcp_table_lock);
			return -EADDRINUSE;	/* Linux: EADDRNOTAVAIL on connect */
		}
		lport = p;
	} else if (!port_free(tp, laddr, lport, false)) {
		spin_unlock(&tcp_table_lock);
		return -EADDRINUSE;
	}
	tp->laddr = laddr;
	tp->lport = lport;
	tp->bound = true;
	tp->hashed = true;
	list_push_back(&port_chain[port_hash(lport)], &tp->port_link);
	spin_unlock(&tcp_table_lock);
	tcp_get(tp);		/* the table's */
	return 0;
}

int
tcp_hash_connect(struct tcp_sock *tp)
{
	struct list *it, *ch;
	struct tcp_sock *o;

	spin_lock(&tcp_table_lock);
	ch = &conn_chain[conn_hash(tp->laddr, tp->lport, tp->faddr,
	    tp->fport)];
	list_foreach(it, ch) {
		o = list_entry(it, struct tcp_sock, conn_link);
		if (o->laddr == tp->laddr && o->lport == tp->lport &&
		    o->faddr == tp->faddr && o->fport == tp->fport) {
			spin_unlock(&tcp_table_lock);
			return -EADDRNOTAVAIL;
		}
	}
	list_push_back(ch, &tp->conn_link);
	spin_unlock(&tcp_table_lock);
	return 0;
}

int
tcp_hash_child(struct tcp_sock *tp)
{
	spin_lock(&tcp_table_lock);
	table_init();
	tp->bound = true;
	tp->hashed = true;
	list_push_back(&port_chain[port_hash(tp->lport)], &tp->port_link);
	spin_unlock(&tcp_table_lock);
	tcp_get(tp);		/* the table's */
	if (tcp_hash_connect(tp) != 0) {
		tcp_unhash(tp);
		return -EADDRINUSE;
	}
	return 0;
}

void
tcp_unhash(struct tcp_sock *tp)
{
	bool was;

	spin_lock(&tcp_table_lock);
	was = tp->hashed;
	if (was) {
		list_remove(&tp->port_link);
		list_init(&tp->port_link);
		list_remove(&tp->conn_link);
		list_init(&tp->conn_link);
		tp->hashed = false;
		tp->bound = false;
	}
	spin_unlock(&tcp_table_lock);
	if (was)
		tcp_put(tp);
}

struct tcp_sock *
tcp_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct tcp_sock *o, *best = NULL;
	struct list *it;

	spin_lock(&tcp_table_lock);
	if (!table_ready) {
		spin_unlock(&tcp_table_lock);
		return NULL;
	}
	list_foreach(it, &conn_chain[conn_hash(daddr, dport, saddr, sport)]) {
		o = list_entry(it, struct tcp_sock, conn_link);
		if (o->laddr == daddr && o->lport == dport &&
		    o->faddr == saddr && o->fport == sport) {
			best = o;
			goto found;
		}
	}
	list_foreach(it, &port_chain[port_hash(dport)]) {
		o = list_entry(it, struct tcp_sock, port_link);
		if (o->lport != dport || o->state != TCP_LISTEN)
			continue;
		if (o->laddr == daddr) {
			best = o;
			break;
		}
		if (o->laddr == INADDR_ANY && best == NULL)
			best = o;
	}
	if (best == NULL) {
		spin_unlock(&tcp_table_lock);
		return NULL;
	}
found:
	tcp_get(best);
	spin_unlock(&tcp_table_lock);
	return best;
}

/*
 * Memory is short (net_evict()): drop out-of-order data queued on
 * connections, which the peer still holds and retransmits.  Data we
 * SACKed may be dropped too: RFC 2018 (section 8) lets a receiver
 * renege, and a sender keeps SACKed data until it is cumulatively
 * acknowledged.  Connections whose lock is held are skipped (the
 * caller must not wait on it).  Returns the bytes freed.
 */
#define EVICT_BATCH	16	/* connections per pass over the table */

size_t
tcp_evict_ooo(void)
{
	struct tcp_sock *batch[EVICT_BATCH], *tp;
	struct list *it;
	size_t bytes = 0;
	struct pkt *p;
	int i, n = 0;

	spin_lock(&tcp_table_lock);
	for (i = 0; table_ready && i < CONN_BUCKETS && n < EVICT_BATCH; i++) {
		list_foreach(it, &conn_chain[i]) {
			tp = list_entry(it, struct tcp_sock, conn_link);
			/* A racy peek; the queue is checked again locked. */
			if (__atomic_load_n(&tp->oooq_bytes,
			    __ATOMIC_RELAXED) == 0)
				continue;
			tcp_get(tp);
			batch[n++] = tp;
			if (n == EVICT_BATCH)
				break;
		}
	}
	spin_unlock(&tcp_table_lock);
	for (i = 0; i < n; i++) {
		tp = batch[i];
		if (mutex_trylock(&tp->lock)) {
			while (!list_empty(&tp->oooq)) {
				p = list_first_entry(&tp->oooq, struct pkt,
				    link);
				list_remove(&p->link);
				tp->rcv_mem -= p->size;
				bytes += p->size;
				pkt_free(p);
			}
			tp->oooq_bytes = 0;
			mutex_unlock(&tp->lock);
		}
		tcp_put(tp);
	}
	return bytes;
}

/*
 * net_evict() (net/evict.h), here rather than in a file of its own: the
 * heap refers to it weakly, and a static link resolves a weak reference
 * only from an object something else pulls in -- this one is linked
 * whenever TCP is.
 */
size_t
net_evict(size_t npages)
{
	size_t bytes;

	/* Both are cheap and what they free is little: do both each time. */
	(void)npages;
	bytes = tcp_evict_ooo() + ip_frag_evict();
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* SipHash-2-4 (Aumasson and Bernstein) of one 64-bit and one 32-bit word. */
#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
static void
sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t
siphash(const uint64_t key[2], uint64_t m0, uint64_t m1)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	uint64_t msg[3] = { m0, m1, (uint64_t)16 << 56 };
	int i;

	for (i = 0; i < 3; i++) {
		v[3] ^= msg[i];
		sip_round(v);
		sip_round(v);
		v[0] ^= msg[i];
	}
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint32_t
tcp_isn(uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport)
{
	uint64_t key[2];

	spin_lock(&isn_lock);
	if (!isn_keyed) {
		spin_unlock(&isn_lock);
		random_bytes(key, sizeof(key));
		spin_lock(&isn_lock);
		if (!isn_keyed) {
			isn_key[0] = key[0];
			isn_key[1] = key[1];
			isn_keyed = true;
		}
	}
	key[0] = isn_key[0];
	key[1] = isn_key[1];
	spin_unlock(&isn_lock);
	return (uint32_t)(clock_ns() / 4000) +
	    (uint32_t)siphash(key, (uint64_t)laddr << 32 | faddr,
	    (uint64_t)lport << 16 | fport);
}

uint64_t
tcp_now_ms(void)
{
	return clock_ns() / 1000000ull;
}

void
tcp_wake(struct tcp_sock *tp)
{
	bool any;

	spin_lock(&tp->wlock);
	any = tp->so != NULL;
	if (any)
		__atomic_add_fetch(&tp->so->events, 1, __ATOMIC_RELEASE);
	spin_unlock(&tp->wlock);
	waitq_wake_all(&tp->wq);
	if (any)
		poll_notify();
}

int
tcp_wait(struct tcp_sock *tp, uint64_t deadline, uint64_t timeo)
{
	spin_lock(&tp->wlock);
	return tcp_wait_wlocked(tp, deadline, timeo);
}

int
tcp_wait_wlocked(struct tcp_sock *tp, uint64_t deadline, uint64_t timeo)
{
	int r;

	mutex_unlock(&tp->lock);
	if (deadline == SOCK_FOREVER)
		r = waitq_wait_intr(&tp->wq, &tp->wlock);
	else
		r = waitq_wait_deadline_intr(&tp->wq, &tp->wlock, deadline);
	spin_unlock(&tp->wlock);
	mutex_lock(&tp->lock);
	if (r == -EINTR)
		return socket_intr_errno(timeo);
	return r == -ETIMEDOUT ? -EAGAIN : 0;
}

static const char *const state_names[] = {
	"?", "ESTABLISHED", "SYN-SENT", "SYN-RECEIVED", "FIN-WAIT-1",
	"FIN-WAIT-2", "TIME-WAIT", "CLOSED", "CLOSE-WAIT", "LAST-ACK",
	"LISTEN", "CLOSING",
};

void
tcp_trace(struct tcp_sock *tp, const char *what)
{
	if (!tp->trace)
		return;
	printk("tcp %u->%u %s %s: cwnd %u ssthresh %u flight %u wnd %u "
	    "queued %u rto %llu ms srtt %llu us\n", ntohs(tp->lport),
	    ntohs(tp->fport), state_names[tp->state], what, tp->cc.cwnd,
	    tp->cc.ssthresh, tcp_flight(tp), tp->snd_wnd, tp->slen,
	    (unsigned long long)(tp->rtt.rto / 1000000),
	    (unsigned long long)(tp->rtt.srtt / 1000));
}

void
tcp_set_state(struct tcp_sock *tp, enum tcp_state st)
{
	tp->state = st;
	tcp_trace(tp, "state");
}

void
tcp_set_error(struct tcp_sock *tp, int err)
{
	struct socket *so;

	spin_lock(&tp->wlock);
	so = tp->so;
	if (so != NULL)
		__atomic_store_n(&so->error, err, __ATOMIC_RELAXED);
	spin_unlock(&tp->wlock);
	tp->error = err;
}

void
tcp_done(struct tcp_sock *tp)
{
	struct tcp_sock *parent;
	bool queued;

	tcp_set_state(tp, TCP_CLOSE);
	tp->shut = TCP_RCV_SHUT | TCP_SEND_SHUT;
	tcp_timers_stop(tp, false);
	spin_lock(&tcp_listen_lock);
	parent = tp->parent;
	queued = parent != NULL;
	if (queued) {
		list_remove(&tp->q_link);
		list_init(&tp->q_link);
		if (tp->on_synq)
			parent->nsyn--;
		else
			parent->naccept--;
		tp->on_synq = false;
		tp->parent = NULL;
	}
	spin_unlock(&tcp_listen_lock);
	tcp_unhash(tp);
	tcp_wake(tp);
	if (queued)
		tcp_put(tp);	/* the queue's: the caller holds one */
}
