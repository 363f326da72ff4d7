/*
 * TCP sockets (tcp(7)): the proto_ops of SOCK_STREAM in AF_INET.
 *
 * Each socket owns one struct tcp_sock (net/tcp.h has the locking and
 * lifetime rules).  The socket side keeps Linux's view of things:
 * connect(2) blocks until the handshake ends (ECONNREFUSED on a RST,
 * ETIMEDOUT after the SYN retries), or says EINPROGRESS when
 * non-blocking, then EALREADY, and once done 0 then EISCONN; SO_ERROR
 * carries a failure.  accept(2) takes an established child from the
 * listener's accept queue and makes a socket for it, which inherits the
 * listener's buffer sizes, keepalive and timeouts.
 *
 * Data.  send copies the user's bytes through a 4 KiB bounce buffer
 * into the send ring (allocated when the connection starts: connect,
 * or the handshake's last ACK for a child), waiting for room as needed,
 * and lets tcp_output send what the windows allow.  recv copies from
 * the received packets out through the same kind of buffer and sends a
 * window update when reading opened the window by two segments or half
 * the buffer.  MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT and the timeouts
 * (SO_RCVTIMEO/SO_SNDTIMEO) behave as Linux's.  SO_RCVBUF and SO_SNDBUF
 * set before connect or listen size the receive window (half the
 * buffer, as Linux's default tcp_adv_win_scale) and the send ring (half
 * the buffer, at most 256 KiB).
 *
 * Errors, as Linux's tcp_sendmsg/tcp_recvmsg report them: a pending
 * error (ECONNRESET after a RST) comes first, once; then send says
 * EPIPE (socket.c raises SIGPIPE unless MSG_NOSIGNAL) and recv 0.  A
 * never connected socket sends EPIPE and receives ENOTCONN.
 *
 * close: FIN and the rest of the handshake in the background (the tcb
 * lives on as an orphan through FIN-WAIT and TIME-WAIT); a RST instead
 * when unread data remains or SO_LINGER is on with a zero time.  A
 * positive linger time is kept but does not make close wait.
 */
#include "contract/clock.h"
#include "kern/errno.h"
#include "kern/random.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/reserve.h"
#include "net/pkt.h"
#include "net/tcp.h"
#include "proc/signal.h"
#include "inet_internal.h"

#define TCP_CHUNK	4096	/* bytes copied per lock hold */

/* Options at IPPROTO_TCP (Linux's numbers). */
#define TCP_NODELAY		1
#define TCP_MAXSEG		2
#define TCP_CORK		3
#define TCP_KEEPIDLE		4
#define TCP_KEEPINTVL		5
#define TCP_KEEPCNT		6
#define TCP_SYNCNT		7
#define TCP_LINGER2		8
#define TCP_DEFER_ACCEPT	9
#define TCP_WINDOW_CLAMP	10
#define TCP_INFO		11
#define TCP_QUICKACK		12
#define TCP_CONGESTION		13
/* biscotti's own: print congestion-window changes to the console. */
#define TCP_BISCOTTI_TRACE	0x4243
#define SOMAXCONN		4096

static uint32_t
half_buf(int v, uint32_t lo, uint32_t hi)
{
	uint32_t h = (uint32_t)MAX(v, 0) / 2;

	return MIN(MAX(h, lo), hi);
}

/* Start the connection's buffers from the socket's sizes. */
static void
size_buffers(struct tcp_sock *tp, struct socket *so)
{
	tp->rcv_space = half_buf(__atomic_load_n(&so->rcvbuf,
	    __ATOMIC_RELAXED), 2048, 8u << 20);
	tp->ssize = half_buf(__atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED),
	    4096, TCP_SNDBUF_MAX);
}

static void
sock_set_sockaddr(struct ksockaddr *a, size_t *len, uint32_t addr,
    uint16_t port)
{
	struct ksockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = port;
	in.sin_addr = addr;
	memcpy(a, &in, sizeof(in));
	*len = sizeof(in);
}

static int
parse_sin(const struct ksockaddr *a, size_t len, struct ksockaddr_in *in)
{
	if (len < sizeof(*in))
		return -EINVAL;
	memcpy(in, a, sizeof(*in));
	if (in->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	return 0;
}

static int
tcp_bind(struct socket *so, const struct ksockaddr *a, size_t len)
{
	struct tcp_sock *tp = so->pcb;
	struct ksockaddr_in in;
	int err;

	if ((err = parse_sin(a, len, &in)) != 0)
		return err;
	if (in.sin_addr != INADDR_ANY && !inet_addr_local(in.sin_addr))
		return -EADDRNOTAVAIL;
	if (in.sin_port != 0 && ntohs(in.sin_port) < 1024 && !inet_privileged())
		return -EACCES;		/* CAP_NET_BIND_SERVICE */
	mutex_lock(&tp->lock);
	if (tp->bound || tp->state != TCP_CLOSE)
		err = -EINVAL;
	else {
		tp->reuse = __atomic_load_n(&so->reuseaddr, __ATOMIC_RELAXED);
		err = tcp_bind_port(tp, in.sin_addr, in.sin_port);
	}
	mutex_unlock(&tp->lock);
	return err;
}

static int
tcp_listen(struct socket *so, int backlog)
{
	struct tcp_sock *tp = so->pcb;
	int err = 0;

	if ((unsigned)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	mutex_lock(&tp->lock);
	if (tp->state != TCP_CLOSE && tp->state != TCP_LISTEN)
		err = -EINVAL;
	else if (!tp->bound) {
		tp->reuse = __atomic_load_n(&so->reuseaddr, __ATOMIC_RELAXED);
		err = tcp_bind_port(tp, INADDR_ANY, 0);
	}
	if (err == 0) {
		spin_lock(&tcp_listen_lock);
		tp->backlog = backlog;
		spin_unlock(&tcp_listen_lock);
		size_buffers(tp, so);
		tcp_set_state(tp, TCP_LISTEN);
	}
	mutex_unlock(&tp->lock);
	return err;
}

/* Give an accepted child its socket. */
static int
adopt(struct socket *lso, struct tcp_sock *c, struct socket **out)
{
	struct socket *ns;
	struct tcp_sock *old;
	int err;

	if ((err = socket_create(AF_INET, SOCK_STREAM, IPPROTO_TCP, 0,
	    &ns)) != 0)
		return err;
	old = ns->pcb;
	spin_lock(&old->wlock);
	old->so = NULL;
	spin_unlock(&old->wlock);
	tcp_put(old);
	ns->pcb = c;
	ns->rcvbuf = lso->rcvbuf;
	ns->sndbuf = lso->sndbuf;
	ns->rcvtimeo = lso->rcvtimeo;
	ns->sndtimeo = lso->sndtimeo;
	ns->keepalive = lso->keepalive;
	ns->reuseaddr = lso->reuseaddr;
	mutex_lock(&c->lock);
	spin_lock(&c->wlock);
	c->so = ns;
	spin_unlock(&c->wlock);
	c->orphan = false;
	c->connected = true;
	if (c->error != 0)
		ns->error = c->error;
	mutex_unlock(&c->lock);
	*out = ns;
	return 0;
}

static int
tcp_accept(struct socket *so, bool nonblock, struct socket **out)
{
	struct tcp_sock *tp = so->pcb, *c = NULL;
	uint64_t timeo = so->rcvtimeo, deadline = socket_deadline(timeo);
	int err = 0;

	mutex_lock(&tp->lock);
	for (;;) {
		if (tp->state != TCP_LISTEN) {
			err = -EINVAL;
			break;
		}
		/* The queue changes under tcp_listen_lock, not tp->lock:
		 * test it with tp->wlock held (see tcp_wait_wlocked). */
		spin_lock(&tp->wlock);
		spin_lock(&tcp_listen_lock);
		if (!list_empty(&tp->acceptq)) {
			c = list_entry(list_pop_front(&tp->acceptq),
			    struct tcp_sock, q_link);
			list_init(&c->q_link);
			tp->naccept--;
			c->parent = NULL;
		}
		spin_unlock(&tcp_listen_lock);
		if (c != NULL || nonblock) {
			spin_unlock(&tp->wlock);
			err = c != NULL ? 0 : -EAGAIN;
			break;
		}
		if ((err = tcp_wait_wlocked(tp, deadline, timeo)) != 0)
			break;
	}
	mutex_unlock(&tp->lock);
	if (c == NULL)
		return err;
	if ((err = adopt(so, c, out)) != 0) {
		mutex_lock(&c->lock);
		tcp_send_rst_for(c);
		tcp_done(c);
		mutex_unlock(&c->lock);
		tcp_put(c);
	}
	return err;
}

void
tcp_child_established(struct tcp_sock *c)
{
	struct tcp_sock *parent;

	if (c->sbuf == NULL && (c->sbuf = kmalloc(c->ssize)) == NULL) {
		NET_COUNT(tcp_rcv_dropped);	/* the ACK is dropped */
		return;
	}
	spin_lock(&tcp_listen_lock);
	parent = c->parent;
	if (parent == NULL || parent->naccept > parent->backlog) {
		spin_unlock(&tcp_listen_lock);
		NET_COUNT(tcp_listen_drops);	/* the accept queue is full */
		return;
	}
	list_remove(&c->q_link);
	c->on_synq = false;
	parent->nsyn--;
	list_push_back(&parent->acceptq, &c->q_link);
	parent->naccept++;
	tcp_get(parent);
	spin_unlock(&tcp_listen_lock);
	tcp_set_state(c, TCP_ESTABLISHED);
	c->was_synced = true;
	tcp_wake(parent);
	tcp_put(parent);
}

/* Wait for the handshake to end; the connect result. [T] */
static int
connect_wait(struct socket *so, struct tcp_sock *tp, bool nonblock)
{
	uint64_t timeo = so->sndtimeo, deadline = socket_deadline(timeo);
	int err;

	while (tp->state == TCP_SYN_SENT || tp->state == TCP_SYN_RECV) {
		if (nonblock)
			return -EALREADY;
		if ((err = tcp_wait(tp, deadline, timeo)) != 0)
			return err == -EAGAIN ? -EINPROGRESS : err;
	}
	tp->connecting = false;
	if (tp->state == TCP_CLOSE) {
		err = __atomic_exchange_n(&so->error, 0, __ATOMIC_RELAXED);
		return err != 0 ? -err : -ECONNABORTED;
	}
	tp->connected = true;
	return 0;
}

/* Start the handshake to in. [T] */
static int
connect_start(struct socket *so, struct tcp_sock *tp,
    const struct ksockaddr_in *in)
{
	uint32_t faddr = in->sin_addr ? in->sin_addr :
	    htonl(INADDR_LOOPBACK_H);
	struct route rt;
	int err;

	if (ip_route(faddr, &rt) != 0)
		return -ENETUNREACH;
	if (!tp->bound) {
		tp->reuse = __atomic_load_n(&so->reuseaddr, __ATOMIC_RELAXED);
		if ((err = tcp_bind_port(tp, rt.src, 0)) != 0)
			return err == -EADDRINUSE ? -EADDRNOTAVAIL : err;
	}
	if (tp->laddr == INADDR_ANY)
		tp->laddr = rt.src;
	tp->faddr = faddr;
	tp->fport = in->sin_port;
	if ((err = tcp_hash_connect(tp)) != 0) {
		tp->faddr = 0;
		tp->fport = 0;
		return err;
	}
	size_buffers(tp, so);
	tp->sbuf = kmalloc(tp->ssize);
	tp->mtu = rt.mtu;
	tp->iss = tcp_isn(tp->laddr, tp->lport, tp->faddr, tp->fport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->sseq = tp->iss + 1;
	tp->ws_ok = tp->sack_ok = tp->ts_ok = true;
	tp->rcv_ws = TCP_WSCALE_OURS;
	random_bytes(&tp->ts_off, sizeof(tp->ts_off));
	tp->rtt_start = clock_ns();
	tp->connecting = true;
	tcp_set_state(tp, TCP_SYN_SENT);
	NET_COUNT(tcp_active_opens);
	tcp_send_syn(tp);
	return 0;
}

static int
tcp_connect(struct socket *so, const struct ksockaddr *a, size_t len,
    bool nonblock)
{
	struct tcp_sock *tp = so->pcb;
	struct ksockaddr_in in;
	int err;

	if ((err = parse_sin(a, len, &in)) != 0)
		return err;
	mutex_lock(&tp->lock);
	if (tp->connecting)
		err = connect_wait(so, tp, nonblock);
	else if (tp->connected || tp->state != TCP_CLOSE)
		err = -EISCONN;
	else if (tp->was_synced)
		err = -EISCONN;		/* a finished connection stays so */
	else if ((err = connect_start(so, tp, &in)) == 0)
		err = nonblock ? -EINPROGRESS : connect_wait(so, tp, false);
	mutex_unlock(&tp->lock);
	return err;
}

/* Wait for room in the send ring: 0, or -errno. [T] */
static int
wait_room(struct socket *so, struct tcp_sock *tp, int flags,
    uint64_t deadline)
{
	int err;

	for (;;) {
		if ((err = __atomic_exchange_n(&so->error, 0,
		    __ATOMIC_RELAXED)) != 0)
			return -err;
		if ((tp->shut & TCP_SEND_SHUT) || tp->fin_queued)
			return -EPIPE;
		if (tp->state == TCP_ESTABLISHED ||
		    tp->state == TCP_CLOSE_WAIT) {
			if (tp->slen < tp->ssize)
				return 0;
		} else if (tp->state != TCP_SYN_SENT &&
		    tp->state != TCP_SYN_RECV)
			return -EPIPE;
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		if ((err = tcp_wait(tp, deadline, so->sndtimeo)) != 0)
			return err;
	}
}

static ssize_t
tcp_sendmsg(struct socket *so, struct kmsg *m, int flags)
{
	struct tcp_sock *tp = so->pcb;
	uint64_t deadline = socket_deadline(so->sndtimeo);
	size_t sent = 0, got = 0, off, before;
	uint32_t k;
	uint8_t *buf;
	int err = 0;

	buf = kmalloc(TCP_CHUNK);
	while (m->uio->resid > 0 && err == 0) {
		before = m->uio->done;
		err = uio_copyin(buf, MIN(m->uio->resid, TCP_CHUNK), m->uio);
		got = m->uio->done - before;
		off = 0;
		mutex_lock(&tp->lock);
		while (off < got) {
			if ((err = wait_room(so, tp, flags, deadline)) != 0)
				break;
			k = (uint32_t)MIN(got - off, tp->ssize - tp->slen);
			tcp_ring_append(tp, buf + off, k);
			off += k;
			tcp_output(tp);
		}
		mutex_unlock(&tp->lock);
		sent += off;
		if (off < got)
			break;
		/* Segments sent charge the call: a fresh bound per chunk. */
		if (m->uio->resid > 0 && reserve_active())
			reserve_renew();
	}
	if (m->uio->resid == 0 && got == 0 && sent == 0) {
		/* A zero-length send still reports the socket's state. */
		mutex_lock(&tp->lock);
		if (!(tp->state == TCP_ESTABLISHED ||
		    tp->state == TCP_CLOSE_WAIT) ||
		    (tp->shut & TCP_SEND_SHUT))
			err = wait_room(so, tp, flags | MSG_DONTWAIT,
			    deadline);
		mutex_unlock(&tp->lock);
		if (err == -EAGAIN)
			err = 0;
	}
	kfree(buf);
	if (sent > 0 && (err == -ECONNRESET || err == -ETIMEDOUT ||
	    err == -ECONNREFUSED))
		__atomic_store_n(&so->error, -err, __ATOMIC_RELAXED);	/* next */
	return sent > 0 ? (ssize_t)sent : err;
}

/* Copy up to n queued bytes from skip on into buf; consume unless peek. */
static uint32_t
take_bytes(struct tcp_sock *tp, uint8_t *buf, uint32_t skip, uint32_t n,
    bool peek)
{
	struct list *it, *tmp;
	struct pkt *p;
	uint32_t got = 0, k;

	list_foreach_safe(it, tmp, &tp->rcvq) {
		if (got == n)
			break;
		p = list_entry(it, struct pkt, link);
		if (skip >= p->len) {
			skip -= (uint32_t)p->len;
			continue;
		}
		k = MIN(n - got, (uint32_t)p->len - skip);
		memcpy(buf + got, p->data + skip, k);
		got += k;
		skip = 0;
		if (peek)
			continue;
		pkt_pull(p, k);
		p->cb[0] += k;
		if (p->len == 0) {
			list_remove(&p->link);
			tp->rcv_mem -= p->size;
			pkt_free(p);
		}
	}
	if (!peek)
		tp->rcvq_bytes -= got;
	return got;
}

/* After reading: tell the peer when the window grew enough. [T] */
static void
window_update(struct tcp_sock *tp)
{
	uint32_t wnd, adv;

	if (tp->state != TCP_ESTABLISHED && tp->state != TCP_FIN_WAIT1 &&
	    tp->state != TCP_FIN_WAIT2)
		return;
	wnd = tcp_rcv_window(tp);
	adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	if (wnd > adv && (wnd - adv >= 2 * tp->mss ||
	    wnd - adv >= tp->rcv_space / 2 || adv == 0)) {
		tcp_trace(tp, "window update");
		tcp_send_ack(tp);
	}
}

/* Nothing to read: 1 to stop (end or enough), 0 after a wait, -errno. */
static int
wait_data(struct socket *so, struct tcp_sock *tp, int flags,
    uint64_t deadline)
{
	int err;

	if (tp->fin_rcvd)
		return 1;	/* as Linux's SOCK_DONE: EOF before errors */
	if ((err = __atomic_exchange_n(&so->error, 0, __ATOMIC_RELAXED)) != 0)
		return -err;
	if (tp->shut & TCP_RCV_SHUT)
		return 1;
	if (tp->state == TCP_CLOSE)
		return tp->was_synced ? 1 : -ENOTCONN;
	if (flags & MSG_DONTWAIT)
		return -EAGAIN;
	return tcp_wait(tp, deadline, so->rcvtimeo);
}

static ssize_t
tcp_recvmsg(struct socket *so, struct kmsg *m, int flags)
{
	struct tcp_sock *tp = so->pcb;
	uint64_t deadline = socket_deadline(so->rcvtimeo);
	bool peek = (flags & MSG_PEEK) != 0;
	size_t target;
	uint32_t skip = 0, n;
	uint8_t *buf;
	int err = 0;

	if (flags & MSG_OOB)
		return -EINVAL;		/* no urgent data is ever kept */
	target = (flags & MSG_WAITALL) && !peek ? m->uio->resid : 1;
	buf = kmalloc(TCP_CHUNK);
	mutex_lock(&tp->lock);
	if (tp->state == TCP_LISTEN)
		err = -ENOTCONN;
	while (err == 0 && m->uio->resid > 0) {
		if (tp->rcvq_bytes <= skip) {
			if (m->uio->done >= target)
				break;
			err = wait_data(so, tp, flags, deadline);
			if (err != 0 && m->uio->done > 0 && err != 1) {
				if (err != -EAGAIN && err != -EINTR &&
				    err != -ERESTARTSYS)
					__atomic_store_n(&so->error, -err,
					    __ATOMIC_RELAXED);
				err = 0;
				break;
			}
			continue;
		}
		n = take_bytes(tp, buf, skip, (uint32_t)MIN(m->uio->resid,
		    TCP_CHUNK), peek);
		if (peek)
			skip += n;
		else
			window_update(tp);
		mutex_unlock(&tp->lock);
		if (uio_copyout(m->uio, buf, n) != 0)
			err = -EFAULT;
		mutex_lock(&tp->lock);
	}
	mutex_unlock(&tp->lock);
	kfree(buf);
	if (err == 1)
		err = 0;
	return m->uio->done > 0 ? (ssize_t)m->uio->done : err;
}

/* Queue our FIN (shutdown write, close). [T] */
static void
send_fin(struct tcp_sock *tp)
{
	if (tp->fin_queued)
		return;
	switch (tp->state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		tcp_set_state(tp, TCP_FIN_WAIT1);
		break;
	case TCP_CLOSE_WAIT:
		tcp_set_state(tp, TCP_LAST_ACK);
		break;
	default:
		return;
	}
	tp->fin_queued = true;
	tp->shut |= TCP_SEND_SHUT;
	tcp_output(tp);
	tcp_wake(tp);
}

/* Stop listening: the children go, with a RST when established. */
static void
close_listener(struct tcp_sock *tp)
{
	struct list kids;
	struct tcp_sock *c;

	list_init(&kids);
	spin_lock(&tcp_listen_lock);
	while (!list_empty(&tp->synq))
		list_push_back(&kids, list_pop_front(&tp->synq));
	while (!list_empty(&tp->acceptq))
		list_push_back(&kids, list_pop_front(&tp->acceptq));
	tp->nsyn = tp->naccept = 0;
	spin_unlock(&tcp_listen_lock);
	tcp_done(tp);
	while (!list_empty(&kids)) {
		c = list_entry(list_pop_front(&kids), struct tcp_sock, q_link);
		list_init(&c->q_link);
		mutex_lock(&c->lock);
		spin_lock(&tcp_listen_lock);
		c->parent = NULL;
		c->on_synq = false;
		spin_unlock(&tcp_listen_lock);
		if (c->state != TCP_CLOSE) {
			tcp_send_rst_for(c);
			tcp_done(c);
		}
		mutex_unlock(&c->lock);
		tcp_put(c);
	}
}

static int
tcp_shutdown(struct socket *so, int how)
{
	struct tcp_sock *tp = so->pcb;
	int mode = how + 1, err = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mutex_lock(&tp->lock);
	switch (tp->state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		tp->shut |= mode;
		break;
	case TCP_LISTEN:
		if (mode & TCP_RCV_SHUT)
			close_listener(tp);
		break;
	case TCP_SYN_SENT:
		tcp_done(tp);
		tp->connecting = false;
		break;
	default:
		if (mode & TCP_RCV_SHUT)
			tp->shut |= TCP_RCV_SHUT;
		if (mode & TCP_SEND_SHUT)
			send_fin(tp);
		break;
	}
	mutex_unlock(&tp->lock);
	tcp_wake(tp);
	return err;
}

static int
tcp_getname(struct socket *so, struct ksockaddr *a, size_t *len, bool peer)
{
	struct tcp_sock *tp = so->pcb;
	int err = 0;

	mutex_lock(&tp->lock);
	if (peer) {
		if (tp->fport == 0 || tp->state == TCP_SYN_SENT ||
		    tp->state == TCP_CLOSE)
			err = -ENOTCONN;
		else
			sock_set_sockaddr(a, len, tp->faddr, tp->fport);
	} else
		sock_set_sockaddr(a, len, tp->laddr, tp->lport);
	mutex_unlock(&tp->lock);
	return err;
}

/* struct tcp_info, as Linux lays out its first 104 bytes. */
struct ktcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale, app_limited;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd;
	uint32_t advmss, reordering, rcv_rtt, rcv_space, total_retrans;
};

static void
fill_info(struct tcp_sock *tp, struct ktcp_info *ti)
{
	uint32_t mss = MAX(tp->mss, 1u);

	memset(ti, 0, sizeof(*ti));
	ti->state = (uint8_t)tp->state;
	ti->ca_state = tp->cc.in_recovery ? 3 : (tp->rexmit_count > 0 ? 4 : 0);
	ti->retransmits = (uint8_t)MIN(tp->rexmit_count, 255);
	ti->probes = (uint8_t)MIN(tp->probes, 255);
	ti->backoff = (uint8_t)MIN(tp->rexmit_count, 255);
	ti->options = (uint8_t)((tp->ts_ok ? 1 : 0) | (tp->sack_ok ? 2 : 0) |
	    (tp->ws_ok ? 4 : 0));
	ti->wscale = (uint8_t)((tp->snd_ws & 0xf) | (tp->rcv_ws & 0xf) << 4);
	ti->rto = (uint32_t)(tp->rtt.rto / 1000);
	ti->ato = (uint32_t)(TCP_DELACK_NS / 1000);
	ti->snd_mss = tp->mss;
	ti->rcv_mss = tp->peer_mss ? tp->peer_mss : TCP_MSS_DEFAULT;
	ti->unacked = (tcp_flight(tp) + mss - 1) / mss;
	ti->sacked = (sack_score_bytes(&tp->score) + mss - 1) / mss;
	ti->retrans = tp->retrans_out;
	ti->pmtu = tp->mtu;
	ti->rcv_ssthresh = tp->rcv_space;
	ti->rtt = (uint32_t)(tp->rtt.srtt / 1000);
	ti->rttvar = (uint32_t)(tp->rtt.rttvar / 1000);
	ti->snd_ssthresh = tp->cc.ssthresh == UINT32_MAX ? 0x7fffffff :
	    tp->cc.ssthresh / mss;
	ti->snd_cwnd = tp->cc.cwnd / mss;
	ti->advmss = tp->mtu > 40 ? tp->mtu - 40 : 0;
	ti->reordering = 3;
	ti->rcv_space = tp->rcv_space;
	ti->total_retrans = tp->retrans_total;
}

static int
put_int(void *val, size_t *len, int v)
{
	*len = MIN(*len, sizeof(v));
	memcpy(val, &v, *len);
	return 0;
}

static int
tcp_getsockopt(struct socket *so, int level, int name, void *val,
    size_t *len)
{
	struct tcp_sock *tp = so->pcb;
	struct ktcp_info ti;
	int v = 0;

	if (level == IPPROTO_IP) {
		mutex_lock(&tp->lock);
		v = inet_ip_getsockopt(&tp->ipo, name, val, len);
		mutex_unlock(&tp->lock);
		return v;
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	mutex_lock(&tp->lock);
	switch (name) {
	case TCP_NODELAY: v = tp->nodelay; break;
	case TCP_MAXSEG:
		v = (int)(tp->state == TCP_CLOSE || tp->state == TCP_LISTEN ?
		    (tp->user_mss ? tp->user_mss : TCP_MSS_DEFAULT) : tp->mss);
		break;
	case TCP_KEEPIDLE: v = tp->keepidle; break;
	case TCP_KEEPINTVL: v = tp->keepintvl; break;
	case TCP_KEEPCNT: v = tp->keepcnt; break;
	case TCP_SYNCNT: v = tp->syn_retries ? (int)tp->syn_retries :
	    TCP_SYN_RETRIES; break;
	case TCP_BISCOTTI_TRACE: v = tp->trace; break;
	case TCP_CORK: case TCP_DEFER_ACCEPT: case TCP_QUICKACK:
	case TCP_WINDOW_CLAMP: case TCP_LINGER2:
		v = 0;
		break;
	case TCP_INFO:
		fill_info(tp, &ti);
		mutex_unlock(&tp->lock);
		*len = MIN(*len, sizeof(ti));
		memcpy(val, &ti, *len);
		return 0;
	case TCP_CONGESTION:
		mutex_unlock(&tp->lock);
		*len = MIN(*len, (size_t)16);
		memset(val, 0, *len);
		memcpy(val, "reno", MIN(*len, (size_t)4));
		return 0;
	default:
		mutex_unlock(&tp->lock);
		return -ENOPROTOOPT;
	}
	mutex_unlock(&tp->lock);
	return put_int(val, len, v);
}

static int
tcp_setsockopt(struct socket *so, int level, int name, const void *val,
    size_t len)
{
	struct tcp_sock *tp = so->pcb;
	int v, err = 0;

	if (level == IPPROTO_IP) {
		mutex_lock(&tp->lock);
		err = inet_ip_setsockopt(&tp->ipo, name, val, len);
		mutex_unlock(&tp->lock);
		return err;
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	mutex_lock(&tp->lock);
	switch (name) {
	case TCP_NODELAY:
		tp->nodelay = v != 0;
		if (tp->nodelay)
			tcp_output(tp);
		break;
	case TCP_MAXSEG:
		if (v != 0 && (v < TCP_MIN_MSS || v > 65535))
			err = -EINVAL;
		else
			tp->user_mss = (uint32_t)v;
		break;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767) {
			err = -EINVAL;
			break;
		}
		if (name == TCP_KEEPIDLE) {
			tp->keepidle = v;
			if (tp->state == TCP_ESTABLISHED ||
			    tp->state == TCP_CLOSE_WAIT)
				tcp_arm_keepalive(tp);
		} else
			tp->keepintvl = v;
		break;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			err = -EINVAL;
		else
			tp->keepcnt = v;
		break;
	case TCP_SYNCNT:
		if (v < 1 || v > 127)
			err = -EINVAL;
		else
			tp->syn_retries = (uint32_t)v;
		break;
	case TCP_BISCOTTI_TRACE:
		tp->trace = v != 0;
		break;
	case TCP_CORK: case TCP_DEFER_ACCEPT: case TCP_QUICKACK:
	case TCP_WINDOW_CLAMP: case TCP_LINGER2:
		break;		/* accepted; not acted on */
	default:
		err = -ENOPROTOOPT;
	}
	mutex_unlock(&tp->lock);
	return err;
}

/* Readiness, as Linux's tcp_poll. */
static unsigned
tcp_poll(struct socket *so)
{
	struct tcp_sock *tp = so->pcb;
	enum tcp_state st = __atomic_load_n(&tp->state, __ATOMIC_RELAXED);
	int shut = __atomic_load_n(&tp->shut, __ATOMIC_RELAXED);
	unsigned m = 0;
	bool ready;

	if (st == TCP_LISTEN) {
		spin_lock(&tcp_listen_lock);
		ready = !list_empty(&tp->acceptq);
		spin_unlock(&tcp_listen_lock);
		return ready ? POLLIN : 0;
	}
	if (shut == (TCP_RCV_SHUT | TCP_SEND_SHUT) || st == TCP_CLOSE)
		m |= POLLHUP;
	if (shut & TCP_RCV_SHUT)
		m |= POLLIN | POLLRDHUP;
	if (st != TCP_SYN_SENT && st != TCP_SYN_RECV) {
		if (__atomic_load_n(&tp->rcvq_bytes, __ATOMIC_RELAXED) > 0)
			m |= POLLIN;
		if (!(shut & TCP_SEND_SHUT)) {
			/* Writable with a quarter of the ring free, so a
			 * writer wakes for a useful amount (as Linux's
			 * sk_stream_min_wspace). */
			if (tp->sbuf == NULL || tp->ssize - __atomic_load_n(
			    &tp->slen, __ATOMIC_RELAXED) >= tp->ssize / 4)
				m |= POLLOUT;
		} else
			m |= POLLOUT;
	}
	if (__atomic_load_n(&so->error, __ATOMIC_RELAXED) != 0)
		m |= POLLERR;
	return m;
}

static int
tcp_inq(struct socket *so)
{
	struct tcp_sock *tp = so->pcb;
	int n;

	mutex_lock(&tp->lock);
	n = tp->state == TCP_LISTEN ? -EINVAL : (int)tp->rcvq_bytes;
	mutex_unlock(&tp->lock);
	return n;
}

static void
tcp_release(struct socket *so)
{
	struct tcp_sock *tp = so->pcb;
	bool abort;

	mutex_lock(&tp->lock);
	spin_lock(&tp->wlock);
	tp->so = NULL;
	spin_unlock(&tp->wlock);
	tp->orphan = true;
	tp->keepalive = so->keepalive;
	abort = tp->rcvq_bytes > 0 ||
	    (so->linger.onoff && so->linger.secs == 0);
	switch (tp->state) {
	case TCP_LISTEN:
		close_listener(tp);
		break;
	case TCP_CLOSE:
		tcp_unhash(tp);
		break;
	case TCP_SYN_SENT:
		tcp_done(tp);
		break;
	case TCP_TIME_WAIT:
		break;
	default:
		if (abort && tp->state != TCP_LAST_ACK &&
		    tp->state != TCP_CLOSING) {
			tcp_send_rst_for(tp);
			tcp_done(tp);
			break;
		}
		send_fin(tp);
		if (tp->state == TCP_FIN_WAIT2)
			ktimer_arm(&tp->t_wait,
			    clock_ns() + TCP_FIN_TIMEOUT_NS);
		break;
	}
	mutex_unlock(&tp->lock);
	tcp_put(tp);
}

const struct proto_ops tcp_ops = {
	.bind = tcp_bind,
	.listen = tcp_listen,
	.accept = tcp_accept,
	.connect = tcp_connect,
	.sendmsg = tcp_sendmsg,
	.recvmsg = tcp_recvmsg,
	.shutdown = tcp_shutdown,
	.getname = tcp_getname,
	.getsockopt = tcp_getsockopt,
	.setsockopt = tcp_setsockopt,
	.poll = tcp_poll,
	.inq = tcp_inq,
	.release = tcp_release,
};

int
tcp_create(struct socket *so, int protocol)
{
	struct tcp_sock *tp;

	if (protocol != 0 && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	tp = tcp_alloc();
	tp->ipo.df = true;
	tp->so = so;
	so->pcb = tp;
	so->ops = &tcp_ops;
	return 0;
}
