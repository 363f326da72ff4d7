/*
 * UDP (RFC 768, RFC 1122 section 4.1) sockets.
 *
 * Binding: every bound socket is on one list; a (local address, port)
 * conflicts with another when the ports are equal and the addresses
 * equal or either is INADDR_ANY, unless both sockets set SO_REUSEADDR
 * (Linux's UDP rule, which lets both receive).  An unbound socket that
 * sends or connects gets an ephemeral port from 32768-60999 (Linux's
 * ip_local_port_range), searched from a random start.
 *
 * Receive: udp_input (in netrx) checks the length and the checksum
 * (zero means none was sent), picks the socket with the most specific
 * match (a connected socket's peer must match, a bound address beats
 * INADDR_ANY), and queues the packet with p->data at the payload (a
 * broadcast goes to every socket on its port, each a copy).  A
 * queue at SO_RCVBUF drops and counts (udp_rcvbuf_full); no socket at
 * all answers with an ICMP port unreachable.  An ICMP error about a
 * datagram a connected socket sent becomes its SO_ERROR, which the next
 * send or receive reports and clears (ECONNREFUSED).
 *
 * Datagrams are copied to the user with no lock held: a queued packet
 * carries a count of holders in cb[0] (the queue, and a MSG_PEEK reader
 * copying from it), and the last holder frees it.
 *
 * Locking: udp_lock, a spinlock, guards the bound list and every field
 * of every udp_sock marked [U]; a socket's readers sleep on its rq.
 */
#include "contract/clock.h"
#include "kern/errno.h"
#include "kern/random.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/inet.h"
#include "net/pkt.h"
#include "net/socket.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"
#include "inet_internal.h"

#define UDP_PORT_LO	32768
#define UDP_PORT_HI	60999
#define UDP_MAX_PAYLOAD	(IP_MAXPACKET - IP_HLEN - UDP_HLEN)	/* 65507 */

#define RCV_SHUT	1
#define SEND_SHUT	2

struct udp_sock {
	struct socket *so;		/* [i] */
	uint32_t laddr, faddr;		/* [U] network order */
	uint16_t lport, fport;		/* [U] network order; 0: none */
	bool bound;			/* [U] on the bound list */
	bool addr_bound;		/* [U] laddr chosen by bind */
	bool connected;			/* [U] */
	int shut;			/* [U] RCV_SHUT | SEND_SHUT */
	struct ip_opts opts;		/* [U] IP_TTL, IP_TOS */
	struct list rq;			/* [U] datagrams, oldest first */
	size_t rq_bytes;		/* [U] their payload bytes */
	struct list link;		/* [U] on the bound list */
	struct waitq rwq;		/* receivers */
};

static struct spinlock udp_lock = SPINLOCK_INIT("udp");
static struct list udp_bound = LIST_INIT(udp_bound);	/* [U] */

#define PKT_HOLDERS(p)	((p)->cb[0])

static const struct proto_ops udp_ops;

/*
 * us became readable (udp_lock held): wake its readers and bump the
 * socket's event count for edge-triggered epoll.  The caller calls
 * poll_notify() after dropping udp_lock (socket_wakeup's other half):
 * once the lock is gone the socket may be closed under netrx's feet.
 */
static void
udp_event(struct udp_sock *us)
{
	__atomic_add_fetch(&us->so->events, 1, __ATOMIC_RELEASE);
	waitq_wake_all(&us->rwq);
}

/* The socket bound to port with an overlapping address, else NULL. */
static struct udp_sock *
udp_conflict(const struct udp_sock *us, uint32_t addr, uint16_t port)
{
	struct udp_sock *o;
	struct list *it;

	list_foreach(it, &udp_bound) {
		o = list_entry(it, struct udp_sock, link);
		if (o == us || o->lport != port)
			continue;
		if (o->laddr != addr && o->laddr != 0 && addr != 0)
			continue;
		if (us != NULL && us->so->reuseaddr && o->so->reuseaddr)
			continue;
		return o;
	}
	return NULL;
}

/* Put us on the bound list at addr:port, port 0 picking one [U]. */
static int
udp_bind_locked(struct udp_sock *us, uint32_t addr, uint16_t port)
{
	unsigned span = UDP_PORT_HI - UDP_PORT_LO + 1, i, start;
	uint16_t p;

	if (port == 0) {
		random_bytes(&start, sizeof(start));
		for (i = 0; i < span; i++) {
			p = htons((uint16_t)(UDP_PORT_LO + (start + i) % span));
			if (udp_conflict(NULL, 0, p) == NULL)
				break;
		}
		if (i == span)
			return -EAGAIN;		/* Linux's answer, too */
		port = p;
	} else if (udp_conflict(us, addr, port) != NULL)
		return -EADDRINUSE;
	us->laddr = addr;
	us->lport = port;
	us->bound = true;
	list_push_back(&udp_bound, &us->link);
	return 0;
}

static int
udp_bind(struct socket *so, const struct ksockaddr *a, size_t len)
{
	struct udp_sock *us = so->pcb;
	uint32_t addr;
	uint16_t port;
	int err;

	if ((err = inet_addr_in(a, len, true, &addr, &port)) != 0)
		return err;
	if (((const struct ksockaddr_in *)a)->sin_family == AF_UNSPEC &&
	    addr != INADDR_ANY)
		return -EAFNOSUPPORT;
	if (addr != INADDR_ANY && !inet_addr_local(addr) &&
	    !inet_addr_broadcast(addr))
		return -EADDRNOTAVAIL;
	if (port != 0 && ntohs(port) < 1024 && !inet_privileged())
		return -EACCES;
	spin_lock(&udp_lock);
	if (us->bound)
		err = -EINVAL;
	else
		err = udp_bind_locked(us, addr, port);
	if (err == 0)
		us->addr_bound = addr != INADDR_ANY;
	spin_unlock(&udp_lock);
	return err;
}

/* Bind us to an ephemeral port if it is not bound: 0 or -errno [U]. */
static int
udp_autobind(struct udp_sock *us)
{
	return us->bound ? 0 : udp_bind_locked(us, INADDR_ANY, 0);
}

/*
 * Check a destination for a send or connect: 0.0.0.0 means this host
 * (as Linux routes it), broadcast needs SO_BROADCAST.
 */
static int
udp_dest(struct udp_sock *us, uint32_t *addr)
{
	if (*addr == INADDR_ANY)
		*addr = htonl(INADDR_LOOPBACK_H);
	if (inet_addr_broadcast(*addr) && !us->so->broadcast)
		return -EACCES;
	return 0;
}

static int
udp_connect(struct socket *so, const struct ksockaddr *a, size_t len,
    bool nonblock)
{
	struct udp_sock *us = so->pcb;
	struct route rt;
	uint32_t addr;
	uint16_t port;
	int err;

	(void)nonblock;
	if (len >= sizeof(a->family) && a->family == AF_UNSPEC) {
		/* Dissolve the association (connect(2): AF_UNSPEC). */
		spin_lock(&udp_lock);
		us->connected = false;
		us->faddr = 0;
		us->fport = 0;
		if (!us->addr_bound)
			us->laddr = 0;
		spin_unlock(&udp_lock);
		return 0;
	}
	if ((err = inet_addr_in(a, len, false, &addr, &port)) != 0)
		return err;
	if ((err = udp_dest(us, &addr)) != 0)
		return err;
	if (ip_route(addr, &rt) != 0)
		return -ENETUNREACH;
	spin_lock(&udp_lock);
	err = udp_autobind(us);
	if (err == 0) {
		if (us->laddr == INADDR_ANY)
			us->laddr = rt.src;
		us->faddr = addr;
		us->fport = port;
		us->connected = true;
		__atomic_store_n(&so->error, 0, __ATOMIC_RELAXED);
	}
	spin_unlock(&udp_lock);
	return err;
}

/* The socket's pending error, cleared: 0 or -errno. */
static int
udp_take_error(struct socket *so)
{
	int e = __atomic_exchange_n(&so->error, 0, __ATOMIC_RELAXED);

	return -e;
}

static ssize_t
udp_sendmsg(struct socket *so, struct kmsg *m, int flags)
{
	struct udp_sock *us = so->pcb;
	size_t len = m->uio->resid;
	struct udphdr *uh;
	struct ip_opts opts;
	struct route rt;
	uint32_t daddr, saddr;
	uint16_t dport, sport;
	struct pkt *p;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addrlen > 0) {
		if ((err = inet_addr_in(&m->addr, m->addrlen, true, &daddr,
		    &dport)) != 0)
			return err;
		if (dport == 0)
			return -EINVAL;
		if ((err = udp_dest(us, &daddr)) != 0)
			return err;
	}
	spin_lock(&udp_lock);
	if (us->shut & SEND_SHUT) {
		spin_unlock(&udp_lock);
		return -EPIPE;
	}
	if (m->addrlen == 0) {
		if (!us->connected) {
			spin_unlock(&udp_lock);
			return -EDESTADDRREQ;
		}
		daddr = us->faddr;
		dport = us->fport;
	}
	err = udp_autobind(us);
	saddr = us->laddr;
	sport = us->lport;
	opts = us->opts;
	spin_unlock(&udp_lock);
	if (err != 0)
		return err;
	if ((err = udp_take_error(so)) != 0)
		return err;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (ip_route(daddr, &rt) != 0) {
		NET_COUNT(ip_no_route);
		return -ENETUNREACH;
	}
	if (saddr == INADDR_ANY)
		saddr = rt.src;

	p = pkt_alloc(PKT_HEADROOM, len);
	if (p == NULL)
		return -ENOBUFS;
	if (uio_copyin(p->data, len, m->uio) != 0) {
		pkt_free(p);
		return -EFAULT;
	}
	uh = pkt_push(p, UDP_HLEN);
	uh->source = sport;
	uh->dest = dport;
	uh->len = htons((uint16_t)p->len);
	uh->check = 0;
	uh->check = inet_fold(inet_sum(p->data, p->len,
	    inet_pseudo_sum(saddr, daddr, IPPROTO_UDP, (uint16_t)p->len)));
	if (uh->check == 0)
		uh->check = 0xffff;	/* zero would say "no checksum" */
	opts.df = false;
	NET_COUNT(udp_out);
	err = ip_output(p, saddr, daddr, IPPROTO_UDP, &opts);
	return err < 0 ? err : (ssize_t)len;
}

/* Drop a holder of queued packet p; the last frees it (no lock held). */
static void
udp_pkt_put(struct pkt *p)
{
	bool last;

	spin_lock(&udp_lock);
	last = --PKT_HOLDERS(p) == 0;
	spin_unlock(&udp_lock);
	if (last)
		pkt_free(p);
}

static ssize_t
udp_recvmsg(struct socket *so, struct kmsg *m, int flags)
{
	struct udp_sock *us = so->pcb;
	bool peek = (flags & MSG_PEEK) != 0;
	uint64_t deadline = 0;
	struct iphdr *ip;
	struct udphdr *uh;
	struct pkt *p;
	size_t n, len;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	spin_lock(&udp_lock);
	for (;;) {
		if ((err = udp_take_error(so)) != 0)
			break;
		if (!list_empty(&us->rq))
			break;
		if (us->shut & RCV_SHUT) {
			spin_unlock(&udp_lock);
			return 0;
		}
		if (flags & MSG_DONTWAIT) {
			err = -EAGAIN;
			break;
		}
		if (deadline == 0)
			deadline = socket_deadline(so->rcvtimeo);
		if (deadline == SOCK_FOREVER)
			err = waitq_wait_intr(&us->rwq, &udp_lock);
		else
			err = waitq_wait_deadline_intr(&us->rwq, &udp_lock,
			    deadline);
		if (err == -EINTR) {
			err = socket_intr_errno(so->rcvtimeo);
			break;
		}
		if (err == -ETIMEDOUT) {
			err = -EAGAIN;
			break;
		}
	}
	if (err != 0) {
		spin_unlock(&udp_lock);
		return err;
	}
	p = list_entry(us->rq.next, struct pkt, link);
	PKT_HOLDERS(p)++;
	if (!peek) {
		list_remove(&p->link);
		PKT_HOLDERS(p)--;
		us->rq_bytes -= p->len;
	}
	spin_unlock(&udp_lock);

	len = p->len;
	n = MIN(len, m->uio->resid);
	if (uio_copyout(m->uio, p->data, n) != 0)
		err = -EFAULT;
	if (len > n)
		m->flags_out |= MSG_TRUNC;
	ip = (struct iphdr *)pkt_l3(p);
	uh = (struct udphdr *)pkt_l4(p);
	inet_addr_out(&m->addr, &m->addrlen, ip->saddr, uh->source);
	udp_pkt_put(p);
	if (err != 0)
		return err;
	return (flags & MSG_TRUNC) ? (ssize_t)len : (ssize_t)n;
}

static int
udp_shutdown(struct socket *so, int how)
{
	struct udp_sock *us = so->pcb;
	int err = 0;

	/* Linux reports ENOTCONN when unconnected, yet applies it. */
	spin_lock(&udp_lock);
	if (!us->connected)
		err = -ENOTCONN;
	us->shut |= how == SHUT_RD ? RCV_SHUT : how == SHUT_WR ?
	    SEND_SHUT : RCV_SHUT | SEND_SHUT;
	spin_unlock(&udp_lock);
	waitq_wake_all(&us->rwq);
	socket_wakeup(so);
	return err;
}

static int
udp_getname(struct socket *so, struct ksockaddr *a, size_t *len, bool peer)
{
	struct udp_sock *us = so->pcb;
	int err = 0;

	spin_lock(&udp_lock);
	if (peer && !us->connected)
		err = -ENOTCONN;
	else if (peer)
		inet_addr_out(a, len, us->faddr, us->fport);
	else
		inet_addr_out(a, len, us->laddr, us->lport);
	spin_unlock(&udp_lock);
	return err;
}

static int
udp_setsockopt(struct socket *so, int level, int name, const void *val,
    size_t len)
{
	struct udp_sock *us = so->pcb;
	int err;

	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	spin_lock(&udp_lock);
	err = inet_ip_setsockopt(&us->opts, name, val, len);
	spin_unlock(&udp_lock);
	return err;
}

static int
udp_getsockopt(struct socket *so, int level, int name, void *val,
    size_t *len)
{
	struct udp_sock *us = so->pcb;
	int err;

	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	spin_lock(&udp_lock);
	err = inet_ip_getsockopt(&us->opts, name, val, len);
	spin_unlock(&udp_lock);
	return err;
}

/* Readiness, as Linux's datagram_poll. */
static unsigned
udp_poll(struct socket *so)
{
	struct udp_sock *us = so->pcb;
	unsigned ev = 0;

	spin_lock(&udp_lock);
	if (__atomic_load_n(&so->error, __ATOMIC_RELAXED) != 0)
		ev |= POLLERR;
	if (!list_empty(&us->rq))
		ev |= POLLIN;
	if (us->shut & RCV_SHUT)
		ev |= POLLIN | POLLRDHUP;
	if ((us->shut & (RCV_SHUT | SEND_SHUT)) == (RCV_SHUT | SEND_SHUT))
		ev |= POLLHUP;
	ev |= POLLOUT;
	spin_unlock(&udp_lock);
	return ev;
}

/* FIONREAD: the size of the next datagram, as Linux's SIOCINQ. */
static int
udp_inq(struct socket *so)
{
	struct udp_sock *us = so->pcb;
	int n = 0;

	spin_lock(&udp_lock);
	if (!list_empty(&us->rq))
		n = (int)list_entry(us->rq.next, struct pkt, link)->len;
	spin_unlock(&udp_lock);
	return n;
}

static void
udp_release(struct socket *so)
{
	struct udp_sock *us = so->pcb;
	struct list q = LIST_INIT(q);
	struct pkt *p;

	spin_lock(&udp_lock);
	if (us->bound)
		list_remove(&us->link);
	us->bound = false;
	while (!list_empty(&us->rq))
		list_push_back(&q, list_pop_front(&us->rq));
	spin_unlock(&udp_lock);
	while (!list_empty(&q)) {
		p = list_entry(list_pop_front(&q), struct pkt, link);
		udp_pkt_put(p);
	}
	kfree(us);
}

static const struct proto_ops udp_ops = {
	.bind = udp_bind,
	.connect = udp_connect,
	.sendmsg = udp_sendmsg,
	.recvmsg = udp_recvmsg,
	.shutdown = udp_shutdown,
	.getname = udp_getname,
	.getsockopt = udp_getsockopt,
	.setsockopt = udp_setsockopt,
	.poll = udp_poll,
	.inq = udp_inq,
	.release = udp_release,
};

int
udp_create(struct socket *so, int protocol)
{
	struct udp_sock *us = kzalloc(sizeof(*us));

	(void)protocol;
	us->so = so;
	list_init(&us->rq);
	list_init(&us->link);
	waitq_init(&us->rwq, "udp");
	so->ops = &udp_ops;
	so->pcb = us;
	return 0;
}

/*
 * The socket a datagram from saddr:sport to daddr:dport goes to, the
 * most specific match first, as Linux's compute_score [U].
 */
static struct udp_sock *
udp_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct udp_sock *us, *best = NULL;
	int score, best_score = -1;
	struct list *it;

	list_foreach(it, &udp_bound) {
		us = list_entry(it, struct udp_sock, link);
		if (us->lport != dport)
			continue;
		score = 0;
		if (us->laddr != 0) {
			if (us->laddr != daddr)
				continue;
			score += 2;
		}
		if (us->connected) {
			if (us->faddr != saddr || us->fport != sport)
				continue;
			score += 4;
		}
		if (score > best_score) {
			best = us;
			best_score = score;
		}
	}
	return best;
}

/*
 * Queue p (p->data at its UDP header, checked) on us, or drop it when
 * us's receive buffer is full [U]; takes p.
 */
static void
udp_queue(struct udp_sock *us, struct pkt *p)
{
	size_t payload = p->len - UDP_HLEN;

	if ((us->shut & RCV_SHUT) ||
	    us->rq_bytes + payload > (size_t)us->so->rcvbuf) {
		NET_COUNT(udp_rcvbuf_full);
		pkt_free(p);
		return;
	}
	pkt_pull(p, UDP_HLEN);
	PKT_HOLDERS(p) = 1;
	list_push_back(&us->rq, &p->link);
	us->rq_bytes += p->len;
	udp_event(us);
}

/*
 * A broadcast or multicast datagram goes to every socket bound to its
 * port (an address of ours, INADDR_ANY, or the destination itself), as
 * Linux's __udp4_lib_mcast_deliver does; no one there is no error.
 * The copies are made under udp_lock: outside a reservation the heap
 * only takes spinlocks, and a copy that fails is a drop.
 */
static void
udp_input_bcast(struct pkt *p)
{
	struct iphdr *ip = (struct iphdr *)pkt_l3(p);
	struct udphdr *uh = (struct udphdr *)p->data;
	struct udp_sock *us;
	struct list *it;
	struct pkt *c;
	bool any = false;

	spin_lock(&udp_lock);
	list_foreach(it, &udp_bound) {
		us = list_entry(it, struct udp_sock, link);
		if (us->lport != uh->dest)
			continue;
		if (us->laddr != 0 && us->laddr != ip->daddr)
			continue;
		if (us->connected && (us->faddr != ip->saddr ||
		    us->fport != uh->source))
			continue;
		any = true;
		c = pkt_copy(p);
		if (c == NULL) {
			NET_COUNT(udp_rcvbuf_full);
			continue;
		}
		udp_queue(us, c);
	}
	spin_unlock(&udp_lock);
	if (!any)
		NET_COUNT(udp_no_port);
	pkt_free(p);
	poll_notify();
}

void
udp_input(struct pkt *p)
{
	struct iphdr *ip = (struct iphdr *)pkt_l3(p);
	struct udphdr *uh = (struct udphdr *)p->data;
	struct udp_sock *us;
	size_t ulen;

	NET_COUNT(udp_in);
	if (p->len < UDP_HLEN) {
		NET_COUNT(udp_bad);
		goto drop;
	}
	ulen = ntohs(uh->len);
	if (ulen < UDP_HLEN || ulen > p->len) {
		NET_COUNT(udp_bad);
		goto drop;
	}
	pkt_trim(p, ulen);
	if (uh->check != 0 && p->csum != PKT_CSUM_VERIFIED &&
	    inet_fold(inet_sum(p->data, p->len, inet_pseudo_sum(ip->saddr,
	    ip->daddr, IPPROTO_UDP, (uint16_t)ulen))) != 0) {
		NET_COUNT(udp_bad_csum);
		goto drop;
	}
	if (inet_addr_broadcast(ip->daddr) || (ntohl(ip->daddr) >> 28) == 0xe) {
		udp_input_bcast(p);
		return;
	}
	spin_lock(&udp_lock);
	us = udp_lookup(ip->saddr, uh->source, ip->daddr, uh->dest);
	if (us == NULL) {
		spin_unlock(&udp_lock);
		NET_COUNT(udp_no_port);
		if (!inet_addr_broadcast(ip->daddr) &&
		    (ntohl(ip->daddr) >> 28) != 0xe)
			icmp_send_error(p, ICMP_DEST_UNREACH,
			    ICMP_PORT_UNREACH);
		goto drop;
	}
	udp_queue(us, p);
	spin_unlock(&udp_lock);
	poll_notify();
	return;
drop:
	pkt_free(p);
}

void
udp_icmp_error(const uint8_t *inner, size_t len, int type, int code)
{
	const struct iphdr *ip = (const struct iphdr *)inner;
	size_t hlen = (size_t)(inner[0] & 0xf) * 4;
	const struct udphdr *uh;
	struct udp_sock *us;
	int err = icmp_errno(type, code);

	if (len < hlen + UDP_HLEN || err == 0)
		return;
	uh = (const struct udphdr *)(inner + hlen);
	spin_lock(&udp_lock);
	/* The datagram went from us (saddr:source) to daddr:dest. */
	us = udp_lookup(ip->daddr, uh->dest, ip->saddr, uh->source);
	/* Only a connected socket hears of errors (no IP_RECVERR). */
	if (us != NULL && us->connected) {
		__atomic_store_n(&us->so->error, err, __ATOMIC_RELAXED);
		udp_event(us);
	}
	spin_unlock(&udp_lock);
	poll_notify();
}
