/*
 * TCP output: turning the send ring into segments.
 *
 * tcp_output() sends what three limits allow: the peer's window
 * (snd_una + snd_wnd), the congestion window (against the RFC 6675
 * pipe estimate while recovering) and the data queued.  During SACK
 * recovery the holes below the highest SACKed byte go first (each
 * once, tracked by rexmit_hi), then new data.  A segment below snd_max
 * is a retransmission and is counted.  Nagle (RFC 896, RFC 9293
 * 3.7.4) holds a short segment while data is unacknowledged unless
 * TCP_NODELAY; sender-side SWS avoidance holds a short segment the
 * window forced unless it is at least half the largest window seen.
 * With data queued, a zero window and nothing in flight, the persist
 * timer probes.
 *
 * Segments are built fresh from the ring each time (the ring keeps
 * every byte until acknowledged), with the options in force: timestamps
 * on every segment once negotiated (RFC 7323), SACK blocks from the
 * out-of-order queue (RFC 2018: the newest first), and on a SYN the MSS
 * (the route's MTU less 40), window scale, SACK-permitted and
 * timestamps.
 *
 * Heap: a segment is one packet allocation.  In a syscall it charges
 * the syscall's reservation, in a timer the callback's (KTIMER_RESERVE),
 * so output stops when the next packet would overrun what is left, and
 * asks the timer to carry on (tcp_kick_later) if nothing in flight would
 * clock it out; in the netrx thread the frame's (NETRX_RESERVE,
 * netdev.c) likewise.
 * TCP_SEG_CAP keeps one segment's packet within two pages, so a timer
 * can always send one.
 */
#include "contract/clock.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/reserve.h"
#include "net/pkt.h"
#include "net/tcp.h"
#include "proc/thread.h"
#include "inet_internal.h"

#define TS_OPTLEN	12	/* NOP NOP kind len tsval tsecr */

/* Heap bytes a packet of n bytes (headroom and struct included) takes. */
static size_t
pkt_cost(size_t n)
{
	size_t c = 16;

	n += sizeof(struct pkt);
	while (c < n)
		c <<= 1;
	return c < 4096 && c > 2048 ? 4096 : c;
}

/* May this thread allocate a packet of n bytes without overrunning? */
static bool
heap_allows(size_t n)
{
	struct thread *t;

	if (!reserve_active())
		return true;
	t = curthread();
	return t->res.used + pkt_cost(PKT_HEADROOM + n) + 512 <= t->res.bound;
}

uint32_t
tcp_flight(struct tcp_sock *tp)
{
	return tp->snd_nxt - tp->snd_una;
}

/* The window to advertise: room left under rcv_space. */
uint32_t
tcp_rcv_window(struct tcp_sock *tp)
{
	uint32_t used = tp->rcvq_bytes + tp->oooq_bytes, w;

	w = used >= tp->rcv_space ? 0 : tp->rcv_space - used;
	if (w < tp->mss && w < tp->rcv_space / 2)
		w = 0;		/* receiver SWS avoidance (RFC 1122 4.2.3.3) */
	/* Never shrink what was advertised. */
	if (SEQ_LT(tp->rcv_nxt + w, tp->rcv_adv))
		w = tp->rcv_adv - tp->rcv_nxt;
	if (tp->ws_ok) {
		if (w > (65535u << tp->rcv_ws))
			w = 65535u << tp->rcv_ws;
		/* Round up to a unit the scale can say. */
		w = (w + (1u << tp->rcv_ws) - 1) >> tp->rcv_ws << tp->rcv_ws;
	} else if (w > 65535)
		w = 65535;
	return w;
}

static uint8_t *
put32(uint8_t *o, uint32_t v)
{
	v = htonl(v);
	memcpy(o, &v, 4);
	return o + 4;
}

static uint8_t *
put_ts(struct tcp_sock *tp, uint8_t *o)
{
	*o++ = TCPOPT_NOP;
	*o++ = TCPOPT_NOP;
	*o++ = TCPOPT_TIMESTAMP;
	*o++ = 10;
	o = put32(o, (uint32_t)tcp_now_ms() + tp->ts_off);
	return put32(o, tp->ts_recent);
}

/* The options of a segment into o (40 bytes of room): their length. */
static size_t
build_options(struct tcp_sock *tp, uint8_t *o, bool syn)
{
	struct tcp_sack_block sb[TCP_SACK_MAX];
	uint8_t *start = o;
	uint16_t mss;
	int n = 0, i;

	if (syn) {
		mss = htons((uint16_t)MIN(tp->mtu - 40, 65495));
		*o++ = TCPOPT_MSS;
		*o++ = 4;
		memcpy(o, &mss, 2);
		o += 2;
		if (tp->ts_ok)
			o = put_ts(tp, o);
		if (tp->sack_ok) {
			*o++ = TCPOPT_NOP;
			*o++ = TCPOPT_NOP;
			*o++ = TCPOPT_SACK_PERM;
			*o++ = 2;
		}
		if (tp->ws_ok) {
			*o++ = TCPOPT_NOP;
			*o++ = TCPOPT_WSCALE;
			*o++ = 3;
			*o++ = tp->rcv_ws;
		}
		return (size_t)(o - start);
	}
	if (tp->ts_ok)
		o = put_ts(tp, o);
	if (tp->sack_ok && !list_empty(&tp->oooq))
		tcp_ooo_sack(tp, sb, &n, tp->ts_ok ? 3 : 4);
	if (n > 0) {
		*o++ = TCPOPT_NOP;
		*o++ = TCPOPT_NOP;
		*o++ = TCPOPT_SACK;
		*o++ = (uint8_t)(2 + 8 * n);
		for (i = 0; i < n; i++) {
			o = put32(o, sb[i].start);
			o = put32(o, sb[i].end);
		}
	}
	return (size_t)(o - start);
}

/* Copy n ring bytes from sequence number seq into dst. */
static void
ring_copy(struct tcp_sock *tp, uint8_t *dst, uint32_t seq, uint32_t n)
{
	uint32_t at = (tp->shead + (seq - tp->sseq)) % tp->ssize;
	uint32_t first = MIN(n, tp->ssize - at);

	memcpy(dst, tp->sbuf + at, first);
	memcpy(dst + first, tp->sbuf, n - first);
}

void
tcp_ring_append(struct tcp_sock *tp, const uint8_t *buf, uint32_t n)
{
	uint32_t at = (tp->shead + tp->slen) % tp->ssize;
	uint32_t first = MIN(n, tp->ssize - at);

	memcpy(tp->sbuf + at, buf, first);
	memcpy(tp->sbuf, buf + first, n - first);
	tp->slen += n;
}

/* Checksum and hand to IP (o: the socket's IP options, or NULL). */
static int
xmit(uint32_t src, uint32_t dst, struct pkt *p, const struct ip_opts *o)
{
	struct tcphdr *th = (struct tcphdr *)p->data;
	struct ip_opts io = { .ttl = 0, .tos = 0, .df = true };
	uint32_t sum;

	if (o != NULL) {
		io.ttl = o->ttl;
		io.tos = o->tos;
	}

	th->check = 0;
	sum = inet_pseudo_sum(src, dst, IPPROTO_TCP, (uint16_t)p->len);
	th->check = inet_fold(inet_sum(p->data, p->len, sum));
	NET_COUNT(tcp_out);
	return ip_output(p, src, dst, IPPROTO_TCP, &io);
}

/*
 * Build and send a segment of tp: flags, seq, len ring bytes from seq.
 * 0, or -ENOBUFS when the heap would not allow it.  [T]
 */
static int
send_segment(struct tcp_sock *tp, uint8_t flags, uint32_t seq, uint32_t len)
{
	uint8_t opts[40];
	size_t olen = build_options(tp, opts, (flags & TH_SYN) != 0);
	struct tcphdr *th;
	struct pkt *p;
	uint32_t win;

	if (!heap_allows(TCP_HLEN + olen + len))
		return -ENOBUFS;
	p = pkt_alloc(PKT_HEADROOM, TCP_HLEN + olen + len);
	if (p == NULL)
		return -ENOBUFS;
	th = (struct tcphdr *)p->data;
	memset(th, 0, TCP_HLEN);
	th->source = tp->lport;
	th->dest = tp->fport;
	th->seq = htonl(seq);
	th->doff = (uint8_t)((TCP_HLEN + olen) / 4 << 4);
	if (tp->state != TCP_SYN_SENT)
		flags |= TH_ACK;
	th->flags = flags;
	if (flags & TH_ACK)
		th->ack_seq = htonl(tp->rcv_nxt);
	win = tcp_rcv_window(tp);
	if (flags & TH_SYN)
		th->window = htons((uint16_t)MIN(win, 65535));
	else
		th->window = htons((uint16_t)(win >> (tp->ws_ok ? tp->rcv_ws :
		    0)));
	memcpy(th + 1, opts, olen);
	if (len > 0)
		ring_copy(tp, (uint8_t *)(th + 1) + olen, seq, len);
	if (flags & TH_ACK) {
		tp->rcv_adv = tp->rcv_nxt + win;
		tp->unacked_segs = 0;
		tp->ack_now = false;
		ktimer_cancel(&tp->t_delack);
	}
	xmit(tp->laddr, tp->faddr, p, &tp->ipo);
	return 0;
}

void
tcp_send_ack(struct tcp_sock *tp)
{
	if (send_segment(tp, TH_ACK, tp->snd_nxt, 0) != 0)
		tcp_arm_delack(tp);	/* try again soon */
}

void
tcp_send_probe(struct tcp_sock *tp)
{
	send_segment(tp, TH_ACK, tp->snd_una - 1, 0);
}

void
tcp_send_syn(struct tcp_sock *tp)
{
	uint8_t f = TH_SYN | (tp->state == TCP_SYN_RECV ? TH_ACK : 0);

	send_segment(tp, f, tp->iss, 0);
	if (tp->snd_nxt == tp->iss)
		tp->snd_nxt = tp->iss + 1;
	tp->snd_max = SEQ_MAX(tp->snd_max, tp->snd_nxt);
	if (!ktimer_pending(&tp->t_rexmt))
		tcp_arm_rexmt(tp);
}

void
tcp_send_rst_for(struct tcp_sock *tp)
{
	send_segment(tp, TH_RST, tp->snd_nxt, 0);
	NET_COUNT(tcp_rst_out);
}

/* Count a segment at seq as a retransmission when it was sent before. */
static void
count_rexmit(struct tcp_sock *tp, uint32_t seq)
{
	if (SEQ_LT(seq, tp->snd_max)) {
		NET_COUNT(tcp_retrans);
		tp->retrans_total++;
		tp->retrans_out++;
		if (tp->rtt_timing && SEQ_LT(seq, tp->rtt_seq))
			tp->rtt_timing = false;		/* Karn */
	}
}

int
tcp_retransmit(struct tcp_sock *tp, uint32_t seq, uint32_t len)
{
	uint32_t end = tp->sseq + tp->slen;
	uint8_t f = 0;
	int err;

	if (SEQ_LT(seq, tp->sseq))
		return 0;
	if (SEQ_GT(seq + len, end))
		len = SEQ_GT(seq, end) ? 0 : end - seq;
	if (tp->fin_queued && seq + len == end && SEQ_LT(end, tp->snd_max))
		f = TH_FIN;
	if (len == 0 && f == 0)
		return 0;
	if ((err = send_segment(tp, f | (len > 0 ? TH_PSH : 0), seq, len)) != 0)
		return err;
	count_rexmit(tp, seq);
	return 0;
}

/* The RFC 6675-style estimate of bytes in the network. */
static uint32_t
pipe(struct tcp_sock *tp)
{
	uint32_t high, lost_out, p, dup;

	if (!tp->cc.in_recovery)
		return tcp_flight(tp);
	high = sack_score_high(&tp->score, tp->snd_una);
	if (SEQ_GT(high, tp->snd_nxt))
		high = tp->snd_nxt;
	lost_out = sack_unsacked(&tp->score, tp->snd_una,
	    SEQ_MIN(tp->rexmit_hi, high));
	p = (tp->snd_nxt - high) + lost_out;
	if (tp->score.n == 0) {
		dup = (uint32_t)tp->cc.dupacks * tp->mss;
		p = tcp_flight(tp) - MIN(tcp_flight(tp), dup);
		if (SEQ_GT(tp->rexmit_hi, tp->snd_una))
			p += MIN(tp->mss, tcp_flight(tp));
	}
	return p;
}

/* Recovery: resend the next hole below the highest SACKed byte. */
static bool
send_hole(struct tcp_sock *tp, uint32_t mss)
{
	uint32_t high = sack_score_high(&tp->score, tp->snd_una), len, at;

	if (tp->score.n == 0)
		return false;
	at = sack_next_hole(&tp->score, SEQ_MAX(tp->rexmit_hi, tp->snd_una),
	    high, &len);
	if (len == 0)
		return false;
	len = MIN(len, mss);
	if (tcp_retransmit(tp, at, len) != 0)
		return false;
	tp->rexmit_hi = at + len;
	return true;
}

static bool
data_state(const struct tcp_sock *tp)
{
	return tp->state == TCP_ESTABLISHED || tp->state == TCP_CLOSE_WAIT ||
	    tp->state == TCP_FIN_WAIT1 || tp->state == TCP_CLOSING ||
	    tp->state == TCP_LAST_ACK;
}

/* The payload limit of a data segment (options come out of the MSS). */
static uint32_t
seg_mss(struct tcp_sock *tp)
{
	uint32_t m = tp->mss - (tp->ts_ok ? TS_OPTLEN : 0);

	if (tp->sack_ok && !list_empty(&tp->oooq))
		m -= 28;
	return MAX(m, 64u);
}

/* Send one new segment if the limits allow: true when one went. */
static bool
send_new(struct tcp_sock *tp, uint32_t mss, bool *blocked)
{
	uint32_t end = tp->sseq + tp->slen, left, len, wnd_room, cw_room, p;
	bool fin, sent_fin = false;
	uint8_t f = TH_PSH;

	if (SEQ_LT(tp->snd_nxt, tp->sseq))
		tp->snd_nxt = tp->sseq;		/* past the SYN */
	left = SEQ_GT(end, tp->snd_nxt) ? end - tp->snd_nxt : 0;
	fin = tp->fin_queued && SEQ_LEQ(tp->snd_nxt, end);
	if (left == 0 && !fin)
		return false;
	wnd_room = SEQ_GT(tp->snd_una + tp->snd_wnd, tp->snd_nxt) ?
	    tp->snd_una + tp->snd_wnd - tp->snd_nxt : 0;
	p = pipe(tp);
	cw_room = tp->cc.cwnd > p ? tp->cc.cwnd - p : 0;
	len = MIN(MIN(left, mss), MIN(wnd_room, cw_room));
	if (left > 0 && len == 0) {
		*blocked = wnd_room == 0;
		return false;
	}
	if (len < left && len < mss) {
		/* A short segment the windows forced: wait, unless it is
		 * the peer's whole window or half the largest seen. */
		if (len < cw_room && len < tp->max_wnd / 2 &&
		    tcp_flight(tp) > 0) {
			*blocked = true;
			return false;
		}
		if (len == cw_room && tcp_flight(tp) > 0)
			return false;
	}
	if (len < mss && len == left && tcp_flight(tp) > 0 && !tp->nodelay &&
	    !fin)
		return false;		/* Nagle */
	if (fin && len == left) {
		f |= TH_FIN;
		sent_fin = true;
	}
	if (send_segment(tp, f, tp->snd_nxt, len) != 0) {
		if (tcp_flight(tp) == 0)
			tcp_kick_later(tp);
		return false;
	}
	count_rexmit(tp, tp->snd_nxt);
	if (!tp->rtt_timing && !tp->ts_ok && len > 0 &&
	    !SEQ_LT(tp->snd_nxt, tp->snd_max)) {
		tp->rtt_timing = true;
		tp->rtt_seq = tp->snd_nxt + len;
		tp->rtt_start = clock_ns();
	}
	tp->snd_nxt += len + (sent_fin ? 1 : 0);
	tp->snd_max = SEQ_MAX(tp->snd_max, tp->snd_nxt);
	if (!ktimer_pending(&tp->t_rexmt) || tp->persist)
		tcp_arm_rexmt(tp);
	return true;
}

void
tcp_output(struct tcp_sock *tp)
{
	uint32_t mss = seg_mss(tp);
	bool blocked = false, any = false;
	int n;

	if (!data_state(tp))
		return;
	for (n = 0; n < 4096; n++) {
		if (tp->cc.in_recovery && pipe(tp) < tp->cc.cwnd &&
		    send_hole(tp, mss)) {
			any = true;
			continue;
		}
		if (!send_new(tp, mss, &blocked))
			break;
		any = true;
	}
	if (blocked && tp->snd_wnd == 0 && tcp_flight(tp) == 0 &&
	    !ktimer_pending(&tp->t_rexmt)) {
		tcp_trace(tp, "zero window: persist");
		tcp_arm_persist(tp);
	}
	if (!any && tp->ack_now)
		tcp_send_ack(tp);
}

/* A RST for a segment that found no connection (RFC 9293 3.10.7.1). */
void
tcp_reply_rst(struct pkt *in, const struct tcphdr *th, size_t datalen)
{
	const struct iphdr *ip = (const struct iphdr *)pkt_l3(in);
	struct tcphdr *r;
	struct pkt *p;
	uint32_t seglen = (uint32_t)datalen;

	if (th->flags & TH_RST)
		return;
	if (!heap_allows(TCP_HLEN))
		return;
	if ((p = pkt_alloc(PKT_HEADROOM, TCP_HLEN)) == NULL)
		return;
	r = (struct tcphdr *)p->data;
	memset(r, 0, TCP_HLEN);
	r->source = th->dest;
	r->dest = th->source;
	r->doff = TCP_HLEN / 4 << 4;
	if (th->flags & TH_ACK) {
		r->seq = th->ack_seq;
		r->flags = TH_RST;
	} else {
		if (th->flags & TH_SYN)
			seglen++;
		if (th->flags & TH_FIN)
			seglen++;
		r->ack_seq = htonl(ntohl(th->seq) + seglen);
		r->flags = TH_RST | TH_ACK;
	}
	NET_COUNT(tcp_rst_out);
	xmit(ip->daddr, ip->saddr, p, NULL);
}
