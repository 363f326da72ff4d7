/*
 * TCP input: segment arrival (RFC 9293 3.10.7), in the netrx thread.
 *
 * tcp_input checks what the wire cannot be trusted with (length, data
 * offset, checksum, option lengths: dropped and counted), finds the
 * connection and takes its lock, then follows the RFC's order: LISTEN
 * and SYN-SENT have their own steps; every other state checks the
 * sequence number (PAWS first, RFC 7323), then RST (RFC 5961: only an
 * exact match resets, an in-window one earns a challenge ACK), SYN
 * (a challenge ACK), ACK (window update, RTT sample, congestion
 * control, SACK scoreboard, duplicate ACKs and fast retransmit, the
 * state changes our FIN's ACK causes), the data (in order onto the
 * receive queue, out of order onto the reassembly queue, which the
 * SACK blocks we send describe) and FIN.  Unacceptable segments are
 * answered with an ACK and counted (tcp_out_of_window).
 *
 * Received data stays in the packets it came in: p->data and p->len
 * cover the bytes not yet read, cb[0] holds the sequence number of the
 * first of them and cb[1] whether a FIN followed them.  The window
 * offered is rcv_space less what both queues hold (tcp_rcv_window).
 *
 * Urgent data is not treated specially: the urgent pointer is ignored
 * and the bytes arrive inline, in order, as with SO_OOBINLINE.
 */
#include "contract/clock.h"
#include "kern/errno.h"
#include "kern/random.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/pkt.h"
#include "net/tcp.h"
#include "inet_internal.h"

/* A segment's fields in host order. */
struct seg {
	uint32_t seq, ack, len, wnd;	/* len: data bytes */
	uint8_t flags;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	struct tcp_opts o;
};

static uint32_t
seg_space(const struct seg *s)
{
	return s->len + ((s->flags & TH_SYN) ? 1 : 0) +
	    ((s->flags & TH_FIN) ? 1 : 0);
}

/*
 * Settle what the peer's SYN offered against what ours did (window
 * scale, SACK, timestamps), the send MSS (the peer's, the route's MTU
 * less 40, TCP_MAXSEG, TCP_SEG_CAP) and the initial window.
 */
static void
negotiate(struct tcp_sock *tp, const struct tcp_opts *o)
{
	struct route rt;
	uint32_t mss;

	tp->ws_ok = tp->ws_ok && o->ws_ok;
	tp->snd_ws = tp->ws_ok ? o->ws : 0;
	tp->rcv_ws = tp->ws_ok ? tp->rcv_ws : 0;
	tp->sack_ok = tp->sack_ok && o->sack_ok;
	tp->ts_ok = tp->ts_ok && o->ts_ok;
	if (tp->ts_ok) {
		tp->ts_recent = o->tsval;
		tp->ts_recent_age = clock_ns();
	}
	tp->peer_mss = o->mss_ok ? o->mss : TCP_MSS_DEFAULT;
	if (tp->mtu == 0)
		tp->mtu = ip_route(tp->faddr, &rt) == 0 ? rt.mtu : 576;
	mss = MIN((uint32_t)tp->peer_mss, tp->mtu - 40);
	if (tp->user_mss != 0)
		mss = MIN(mss, tp->user_mss);
	mss = MIN(mss, (uint32_t)TCP_SEG_CAP);
	tp->mss = MAX(mss, (uint32_t)TCP_MIN_MSS);
	cc_init(&tp->cc, tp->mss);
}

/* The out-of-order queue as SACK blocks, the newest arrival's first. */
void
tcp_ooo_sack(struct tcp_sock *tp, struct tcp_sack_block *out, int *n,
    int max)
{
	struct tcp_sack_block r[16];
	struct list *it;
	struct pkt *p;
	uint32_t s, e;
	int nr = 0, i, first = -1;

	list_foreach(it, &tp->oooq) {
		p = list_entry(it, struct pkt, link);
		s = (uint32_t)p->cb[0];
		e = s + (uint32_t)p->len;
		if (nr > 0 && SEQ_LEQ(s, r[nr - 1].end)) {
			r[nr - 1].end = SEQ_MAX(r[nr - 1].end, e);
			continue;
		}
		if (nr == 16)
			break;
		r[nr].start = s;
		r[nr++].end = e;
	}
	*n = 0;
	for (i = 0; i < nr; i++)
		if (SEQ_GEQ(tp->ooo_last, r[i].start) &&
		    SEQ_LT(tp->ooo_last, r[i].end))
			first = i;
	if (first >= 0 && *n < max)
		out[(*n)++] = r[first];
	for (i = nr - 1; i >= 0 && *n < max; i--)
		if (i != first)
			out[(*n)++] = r[i];
}

/* An in-order FIN: the peer's stream ends. */
static void
take_fin(struct tcp_sock *tp)
{
	tp->rcv_nxt++;
	tp->fin_rcvd = true;
	tp->shut |= TCP_RCV_SHUT;
	tp->ack_now = true;
	switch (tp->state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		tcp_set_state(tp, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		if (tp->snd_una == tp->snd_max && tp->fin_queued &&
		    SEQ_GT(tp->snd_max, tp->sseq + tp->slen))
			tcp_enter_timewait(tp);
		else
			tcp_set_state(tp, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		tcp_enter_timewait(tp);
		break;
	case TCP_TIME_WAIT:
		tcp_enter_timewait(tp);		/* restart 2MSL */
		break;
	default:
		break;
	}
	tcp_wake(tp);
}

/* Move what the out-of-order queue now continues onto the receive queue. */
static void
ooo_drain(struct tcp_sock *tp)
{
	struct pkt *p;
	uint32_t s, e;
	bool fin;

	while (!list_empty(&tp->oooq)) {
		p = list_first_entry(&tp->oooq, struct pkt, link);
		s = (uint32_t)p->cb[0];
		if (SEQ_GT(s, tp->rcv_nxt))
			break;
		list_remove(&p->link);
		tp->oooq_bytes -= (uint32_t)p->len;
		e = s + (uint32_t)p->len;
		fin = p->cb[1] != 0;
		if (SEQ_LT(e, tp->rcv_nxt) ||
		    (e == tp->rcv_nxt && !fin) || tp->fin_rcvd) {
			tp->rcv_mem -= p->size;
			pkt_free(p);
			continue;
		}
		pkt_pull(p, tp->rcv_nxt - s);
		p->cb[0] = tp->rcv_nxt;
		tp->rcv_nxt += (uint32_t)p->len;
		if (p->len > 0) {
			tp->rcvq_bytes += (uint32_t)p->len;
			list_push_back(&tp->rcvq, &p->link);
		} else {
			tp->rcv_mem -= p->size;
			pkt_free(p);
		}
		if (fin)
			take_fin(tp);
	}
}

/*
 * Room for p in the queues: the window bounds the bytes, and this the
 * memory, so a peer sending tiny segments cannot hold a packet buffer
 * per byte of window.
 */
static bool
mem_room(struct tcp_sock *tp, const struct pkt *p)
{
	return tp->rcv_mem + p->size <= 4 * (size_t)tp->rcv_space + 65536;
}

/* Keep p's data beyond rcv_nxt for later; true when p was taken. */
static bool
ooo_insert(struct tcp_sock *tp, struct pkt *p, uint32_t seq, bool fin)
{
	struct list *it;
	struct pkt *q;
	uint32_t e = seq + (uint32_t)p->len, qs;

	if (tp->oooq_bytes + p->len > tp->rcv_space || !mem_room(tp, p)) {
		NET_COUNT(tcp_rcv_dropped);
		return false;
	}
	list_foreach(it, &tp->oooq) {
		q = list_entry(it, struct pkt, link);
		qs = (uint32_t)q->cb[0];
		if (SEQ_LEQ(qs, seq) && SEQ_GEQ(qs + (uint32_t)q->len, e) &&
		    !fin)
			return false;	/* a duplicate */
		if (SEQ_GT(qs, seq))
			break;
	}
	p->cb[0] = seq;
	p->cb[1] = fin;
	list_insert_between(&p->link, it->prev, it);
	tp->oooq_bytes += (uint32_t)p->len;
	tp->rcv_mem += p->size;
	tp->ooo_last = seq;
	return true;
}

/*
 * The data of an acceptable segment: trimmed to what is new and fits
 * the window offered, then queued in order or out of order.  True when
 * p was taken; s->len and s->flags say what is left of the segment.
 */
static bool
take_data(struct tcp_sock *tp, struct pkt *p, struct seg *s)
{
	uint32_t over, room;
	bool fin = (s->flags & TH_FIN) != 0;

	if (SEQ_LT(s->seq, tp->rcv_nxt)) {
		over = tp->rcv_nxt - s->seq;
		if (over > s->len) {
			s->len = 0;
			s->flags &= (uint8_t)~TH_FIN;
			return false;
		}
		if (over == s->len) {
			s->seq = tp->rcv_nxt;	/* only the FIN is new */
			s->len = 0;
			return false;
		}
		pkt_pull(p, over);
		s->seq = tp->rcv_nxt;
		s->len -= over;
	}
	room = SEQ_GT(tp->rcv_adv, s->seq) ? tp->rcv_adv - s->seq : 0;
	if (s->len > room) {
		/* Beyond the window we offered: keep what fits. */
		pkt_trim(p, room);
		s->len = room;
		fin = false;
		s->flags &= (uint8_t)~TH_FIN;
		if (room == 0)
			return false;
	}
	if (s->seq != tp->rcv_nxt) {
		tp->ack_now = true;
		return ooo_insert(tp, p, s->seq, fin);
	}
	if (tp->rcvq_bytes + tp->oooq_bytes + s->len >
	    tp->rcv_space + tp->mss || !mem_room(tp, p)) {
		s->len = 0;
		s->flags &= (uint8_t)~TH_FIN;
		tp->ack_now = true;
		NET_COUNT(tcp_rcv_dropped);
		return false;		/* over the buffer: drop, ACK */
	}
	p->cb[0] = s->seq;
	tp->rcv_nxt += s->len;
	tp->rcvq_bytes += s->len;
	tp->rcv_mem += p->size;
	list_push_back(&tp->rcvq, &p->link);
	if (!list_empty(&tp->oooq)) {
		tp->ack_now = true;	/* a hole filled: say so at once */
		ooo_drain(tp);
	}
	if (s->len >= tp->mss - 64 || s->len >= 536)
		tp->unacked_segs++;
	else
		tp->unacked_segs += tp->unacked_segs == 0 ? 1 : 0;
	if (tp->unacked_segs >= 2)
		tp->ack_now = true;
	tcp_wake(tp);
	return true;
}

/* RFC 9293 3.10.7.4, first check: is the segment in the window? */
static bool
acceptable(struct tcp_sock *tp, const struct seg *s)
{
	uint32_t wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ?
	    tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t n = seg_space(s);

	if (n == 0) {
		if (wnd == 0)
			return s->seq == tp->rcv_nxt;
		return SEQ_LEQ(tp->rcv_nxt, s->seq) &&
		    SEQ_LT(s->seq, tp->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return (SEQ_LEQ(tp->rcv_nxt, s->seq) &&
	    SEQ_LT(s->seq, tp->rcv_nxt + wnd)) ||
	    (SEQ_LEQ(tp->rcv_nxt, s->seq + n - 1) &&
	    SEQ_LT(s->seq + n - 1, tp->rcv_nxt + wnd));
}

/* A RST that matched exactly: the connection ends. [T] */
static void
take_reset(struct tcp_sock *tp)
{
	int err = ECONNRESET;

	if (tp->state == TCP_SYN_RECV && tp->parent != NULL) {
		tcp_done(tp);	/* a half-open child just goes */
		return;
	}
	if (tp->state == TCP_SYN_RECV)
		err = ECONNREFUSED;
	else if (tp->state == TCP_CLOSE_WAIT)
		err = EPIPE;
	else if (tp->state == TCP_TIME_WAIT || tp->state == TCP_LAST_ACK ||
	    tp->state == TCP_CLOSING)
		err = 0;
	if (err != 0)
		tcp_set_error(tp, err);
	tcp_done(tp);
}

/* Duplicate ACKs and the decision to retransmit fast. [T] */
static void
dup_ack(struct tcp_sock *tp)
{
	tp->cc.dupacks++;
	if (tp->cc.in_recovery || tp->cc.dupacks != 3)
		return;
	if (SEQ_LT(tp->snd_una, tp->cc.recover) && tp->cc.recover != 0)
		return;		/* RFC 6582: one reduction per window */
	cc_enter_recovery(&tp->cc, tcp_flight(tp), tp->mss, tp->snd_max);
	NET_COUNT(tcp_fast_retrans);
	tcp_trace(tp, "fast retransmit");
	tp->rexmit_hi = tp->snd_una;
	if (tcp_retransmit(tp, tp->snd_una, tp->mss) == 0)
		tp->rexmit_hi = tp->snd_una + tp->mss;
	tcp_arm_rexmt(tp);
}

/* An ACK of new data. [T] */
static void
new_ack(struct tcp_sock *tp, const struct seg *s)
{
	uint32_t acked = s->ack - tp->snd_una, data_end, dacked;
	uint32_t ts;

	if (tp->ts_ok && s->o.ts_ok && s->o.tsecr != 0) {
		ts = (uint32_t)tcp_now_ms() + tp->ts_off - s->o.tsecr;
		if (ts < 600000)
			rtt_sample(&tp->rtt, (uint64_t)ts * 1000000ull);
	} else if (tp->rtt_timing && SEQ_GEQ(s->ack, tp->rtt_seq)) {
		rtt_sample(&tp->rtt, clock_ns() - tp->rtt_start);
		tp->rtt_timing = false;
	}
	tp->rexmit_count = 0;
	tp->retrans_out = 0;
	data_end = tp->sseq + tp->slen;
	dacked = SEQ_GT(s->ack, data_end) ? tp->slen :
	    (SEQ_GT(s->ack, tp->sseq) ? s->ack - tp->sseq : 0);
	tp->shead = tp->ssize ? (tp->shead + dacked) % tp->ssize : 0;
	tp->slen -= dacked;
	tp->sseq += dacked;
	tp->snd_una = s->ack;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	sack_score_ack(&tp->score, tp->snd_una);
	if (tp->cc.in_recovery) {
		if (SEQ_GEQ(s->ack, tp->cc.recover)) {
			cc_exit_recovery(&tp->cc);
			tcp_trace(tp, "recovered");
		} else {
			/* Partial ACK (RFC 6582): the next hole goes now. */
			if (tp->score.n == 0) {
				tcp_retransmit(tp, tp->snd_una, tp->mss);
				tp->rexmit_hi = tp->snd_una + tp->mss;
			}
			tp->cc.dupacks = 0;
		}
	} else {
		tp->cc.dupacks = 0;
		cc_on_ack(&tp->cc, acked, tp->mss);
	}
	if (tp->snd_una == tp->snd_max)
		ktimer_cancel(&tp->t_rexmt);
	else
		tcp_arm_rexmt(tp);
	if (dacked > 0)
		tcp_wake(tp);	/* room in the ring */
}

/* Our FIN is acknowledged: the states that follow. [T] */
static void
fin_acked(struct tcp_sock *tp)
{
	switch (tp->state) {
	case TCP_FIN_WAIT1:
		tcp_set_state(tp, TCP_FIN_WAIT2);
		if (tp->orphan)
			ktimer_arm(&tp->t_wait,
			    clock_ns() + TCP_FIN_TIMEOUT_NS);
		tcp_wake(tp);
		break;
	case TCP_CLOSING:
		tcp_enter_timewait(tp);
		break;
	case TCP_LAST_ACK:
		tcp_done(tp);
		break;
	default:
		break;
	}
}

/* The ACK field (RFC 9293 3.10.7.4, fifth check): false to drop. [T] */
static bool
take_ack(struct tcp_sock *tp, struct pkt *p, struct seg *s)
{
	uint32_t wnd = s->wnd << tp->snd_ws;
	bool was_zero = tp->snd_wnd == 0;
	int i;

	if (tp->state == TCP_SYN_RECV) {
		if (!SEQ_GT(s->ack, tp->snd_una) ||
		    SEQ_GT(s->ack, tp->snd_max)) {
			tcp_reply_rst(p, (const struct tcphdr *)pkt_l4(p),
			    s->len);
			return false;
		}
		tp->snd_wnd = wnd;
		tp->max_wnd = MAX(tp->max_wnd, wnd);
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = s->ack;
		tp->snd_una = s->ack;
		tp->sseq = tp->iss + 1;
		tp->rexmit_count = 0;
		ktimer_cancel(&tp->t_rexmt);
		if (tp->parent != NULL) {
			tcp_child_established(tp);
			if (tp->state != TCP_ESTABLISHED)
				return false;	/* no room: the ACK is dropped */
		} else {
			tcp_set_state(tp, TCP_ESTABLISHED);
			tp->was_synced = true;
			tcp_wake(tp);
		}
		tcp_arm_keepalive(tp);
		return true;
	}
	if (SEQ_GT(s->ack, tp->snd_max)) {
		tp->ack_now = true;	/* acks what we never sent */
		return false;
	}
	if (SEQ_LT(s->ack, tp->snd_una - MAX(tp->max_wnd, 65535u)))
		return false;		/* RFC 5961 5.2: far too old */
	for (i = 0; i < s->o.nsack && tp->sack_ok; i++) {
		NET_COUNT(tcp_sack_blocks_in);
		sack_score_add(&tp->score, tp->snd_una, tp->snd_max,
		    s->o.sack[i].start, s->o.sack[i].end);
	}
	if (SEQ_GT(s->ack, tp->snd_una))
		new_ack(tp, s);
	else if (s->ack == tp->snd_una && s->len == 0 &&
	    !(s->flags & (TH_SYN | TH_FIN)) && tp->snd_una != tp->snd_max &&
	    (wnd == tp->snd_wnd || s->o.nsack > 0))
		dup_ack(tp);
	if (SEQ_LT(tp->snd_wl1, s->seq) || (tp->snd_wl1 == s->seq &&
	    SEQ_LEQ(tp->snd_wl2, s->ack))) {
		tp->snd_wnd = wnd;
		tp->max_wnd = MAX(tp->max_wnd, wnd);
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = s->ack;
		if (was_zero != (wnd == 0))
			tcp_trace(tp, "peer window");
		if (was_zero && wnd > 0 && tp->persist) {
			ktimer_cancel(&tp->t_rexmt);
			tp->persist = false;
			tp->rtt.rto = MAX(tp->rtt.rto / 2, TCP_RTO_MIN_NS);
		}
	}
	if (tp->fin_queued && tp->snd_una == tp->snd_max &&
	    SEQ_GT(tp->snd_max, tp->sseq + tp->slen))
		fin_acked(tp);
	return tp->state != TCP_CLOSE;
}

/* The synchronized states (and SYN-RECEIVED): true when p was taken. */
static bool
input_synced(struct tcp_sock *tp, struct pkt *p, struct seg *s)
{
	bool taken = false;

	if (tp->state == TCP_SYN_RECV && (s->flags & TH_SYN) &&
	    !(s->flags & TH_ACK) && s->seq == tp->irs) {
		tcp_send_syn(tp);	/* our SYN-ACK was lost */
		return false;
	}
	if (tp->ts_ok && s->o.ts_ok && !(s->flags & TH_RST) &&
	    SEQ_LT(s->o.tsval, tp->ts_recent) &&
	    clock_ns() - tp->ts_recent_age < 24ull * 86400 * 1000000000ull) {
		NET_COUNT(tcp_out_of_window);	/* PAWS */
		tcp_send_ack(tp);
		return false;
	}
	if (!acceptable(tp, s)) {
		NET_COUNT(tcp_out_of_window);
		if (!(s->flags & TH_RST))
			tcp_send_ack(tp);
		return false;
	}
	tp->last_rcv_ns = clock_ns();
	tp->probes = 0;
	if (s->flags & TH_RST) {
		if (s->seq == tp->rcv_nxt)
			take_reset(tp);
		else
			tcp_send_ack(tp);	/* challenge ACK */
		return false;
	}
	if (s->flags & TH_SYN) {
		tcp_send_ack(tp);		/* challenge ACK, RFC 5961 4 */
		return false;
	}
	if (!(s->flags & TH_ACK))
		return false;
	if (tp->ts_ok && s->o.ts_ok && SEQ_GEQ(s->o.tsval, tp->ts_recent) &&
	    SEQ_LEQ(s->seq, tp->rcv_nxt)) {
		tp->ts_recent = s->o.tsval;
		tp->ts_recent_age = clock_ns();
	}
	if (!take_ack(tp, p, s))
		goto out;
	if (s->len > 0 || (s->flags & TH_FIN)) {
		switch (tp->state) {
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT1:
		case TCP_FIN_WAIT2:
			if (tp->orphan && s->len > 0 &&
			    SEQ_GT(s->seq + s->len, tp->rcv_nxt)) {
				/* Data for a closed socket: abort. */
				tcp_send_rst_for(tp);
				tcp_done(tp);
				goto out;
			}
			if (s->len > 0)
				taken = take_data(tp, p, s);
			else if (SEQ_LT(s->seq, tp->rcv_nxt))
				s->flags &= (uint8_t)~TH_FIN;	/* old */
			if ((s->flags & TH_FIN) && !tp->fin_rcvd &&
			    s->seq + s->len == tp->rcv_nxt)
				take_fin(tp);
			break;
		default:
			/* CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the
			 * peer retransmits: say where we are. */
			tp->ack_now = true;
			if (tp->state == TCP_TIME_WAIT && (s->flags & TH_FIN))
				tcp_enter_timewait(tp);
			break;
		}
	}
out:
	if (tp->state == TCP_CLOSE)
		return taken;
	tcp_output(tp);
	if (tp->ack_now)
		tcp_send_ack(tp);
	else if (tp->unacked_segs > 0)
		tcp_arm_delack(tp);
	return taken;
}

/* SYN-SENT (RFC 9293 3.10.7.3). */
static void
input_syn_sent(struct tcp_sock *tp, struct pkt *p, struct seg *s)
{
	bool ack_ok = false;

	if (s->flags & TH_ACK) {
		if (SEQ_LEQ(s->ack, tp->iss) || SEQ_GT(s->ack, tp->snd_max)) {
			tcp_reply_rst(p, (const struct tcphdr *)pkt_l4(p),
			    s->len);
			return;
		}
		ack_ok = true;
	}
	if (s->flags & TH_RST) {
		if (ack_ok) {
			tcp_set_error(tp, ECONNREFUSED);
			tcp_done(tp);
		}
		return;
	}
	if (!(s->flags & TH_SYN))
		return;
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	negotiate(tp, &s->o);
	tp->last_rcv_ns = clock_ns();
	tp->snd_wnd = s->wnd;		/* a SYN's window is not scaled */
	tp->max_wnd = s->wnd;
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = s->ack;
	if (!ack_ok) {
		tcp_set_state(tp, TCP_SYN_RECV);	/* simultaneous open */
		tp->snd_nxt = tp->iss;
		tcp_send_syn(tp);
		return;
	}
	if (tp->rexmit_count == 0 && !tp->ts_ok)
		rtt_sample(&tp->rtt, clock_ns() - tp->rtt_start);
	else if (tp->ts_ok && s->o.tsecr != 0)
		rtt_sample(&tp->rtt, (uint64_t)((uint32_t)tcp_now_ms() +
		    tp->ts_off - s->o.tsecr) * 1000000ull);
	tp->snd_una = s->ack;
	tp->sseq = tp->iss + 1;
	tp->rexmit_count = 0;
	ktimer_cancel(&tp->t_rexmt);
	tcp_set_state(tp, TCP_ESTABLISHED);
	tp->was_synced = true;
	tcp_arm_keepalive(tp);
	tcp_send_ack(tp);
	tcp_output(tp);
	tcp_wake(tp);
}

/* LISTEN (RFC 9293 3.10.7.2): a SYN makes a child in SYN-RECEIVED. */
static void
input_listen(struct tcp_sock *l, struct pkt *p, struct seg *s)
{
	struct tcp_sock *c;
	bool full;

	if (s->flags & TH_RST)
		return;
	if (s->flags & TH_ACK) {
		tcp_reply_rst(p, (const struct tcphdr *)pkt_l4(p), s->len);
		return;
	}
	if (!(s->flags & TH_SYN))
		return;
	spin_lock(&tcp_listen_lock);
	full = l->naccept > l->backlog ||
	    l->nsyn >= MAX(2 * l->backlog, 16);
	spin_unlock(&tcp_listen_lock);
	if (full) {
		NET_COUNT(tcp_listen_drops);	/* the SYN is dropped */
		return;
	}
	c = tcp_alloc();
	c->laddr = s->daddr;
	c->lport = s->dport;
	c->faddr = s->saddr;
	c->fport = s->sport;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = tcp_isn(c->laddr, c->lport, c->faddr, c->fport);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->sseq = c->iss + 1;
	c->ws_ok = c->sack_ok = c->ts_ok = true;
	c->rcv_ws = TCP_WSCALE_OURS;
	random_bytes(&c->ts_off, sizeof(c->ts_off));
	c->user_mss = l->user_mss;
	c->ipo = l->ipo;
	c->nodelay = l->nodelay;
	c->keepidle = l->keepidle;
	c->keepintvl = l->keepintvl;
	c->keepcnt = l->keepcnt;
	c->keepalive = l->keepalive;
	c->reuse = l->reuse;
	c->rcv_space = l->rcv_space;
	c->ssize = l->ssize;
	c->trace = l->trace;
	negotiate(c, &s->o);
	c->snd_wnd = s->wnd;
	c->max_wnd = s->wnd;
	c->last_rcv_ns = clock_ns();
	tcp_set_state(c, TCP_SYN_RECV);
	if (tcp_hash_child(c) != 0) {
		tcp_put(c);
		return;
	}
	spin_lock(&tcp_listen_lock);
	c->parent = l;
	c->on_synq = true;
	list_push_back(&l->synq, &c->q_link);
	l->nsyn++;
	spin_unlock(&tcp_listen_lock);
	NET_COUNT(tcp_passive_opens);
	mutex_lock(&c->lock);
	c->rtt_start = clock_ns();
	tcp_send_syn(c);
	mutex_unlock(&c->lock);
}

/* Check the header and fill s: 0, or -1 to drop (counted). */
static int
parse(struct pkt *p, struct seg *s, struct tcphdr **thp)
{
	const struct iphdr *ip = (const struct iphdr *)pkt_l3(p);
	struct tcphdr *th;
	size_t hlen;
	uint32_t sum;

	if (p->len < TCP_HLEN) {
		NET_COUNT(tcp_bad);
		return -1;
	}
	th = (struct tcphdr *)p->data;
	hlen = (size_t)(th->doff >> 4) * 4;
	if (hlen < TCP_HLEN || hlen > p->len) {
		NET_COUNT(tcp_bad);
		return -1;
	}
	if (p->csum != PKT_CSUM_VERIFIED) {
		sum = inet_pseudo_sum(ip->saddr, ip->daddr, IPPROTO_TCP,
		    (uint16_t)p->len);
		if (inet_fold(inet_sum(p->data, p->len, sum)) != 0) {
			NET_COUNT(tcp_bad_csum);
			return -1;
		}
	}
	if (tcp_parse_options((uint8_t *)(th + 1), hlen - TCP_HLEN,
	    (th->flags & TH_SYN) != 0, &s->o) != 0) {
		NET_COUNT(tcp_bad_opts);
		return -1;
	}
	s->seq = ntohl(th->seq);
	s->ack = ntohl(th->ack_seq);
	s->wnd = ntohs(th->window);
	s->flags = th->flags;
	s->saddr = ip->saddr;
	s->daddr = ip->daddr;
	s->sport = th->source;
	s->dport = th->dest;
	if (ip->daddr == 0xffffffffu || (ntohl(ip->daddr) >> 28) == 14) {
		NET_COUNT(tcp_bad);	/* broadcast or multicast */
		return -1;
	}
	pkt_pull(p, hlen);
	s->len = (uint32_t)p->len;
	*thp = th;
	return 0;
}

void
tcp_input(struct pkt *p)
{
	struct tcp_sock *tp;
	struct tcphdr *th;
	struct seg s;
	bool taken = false;

	NET_COUNT(tcp_in);
	if (parse(p, &s, &th) != 0) {
		pkt_free(p);
		return;
	}
	tp = tcp_lookup(s.saddr, s.sport, s.daddr, s.dport);
	if (tp == NULL) {
		NET_COUNT(tcp_no_conn);
		tcp_reply_rst(p, th, s.len);
		pkt_free(p);
		return;
	}
	mutex_lock(&tp->lock);
	switch (tp->state) {
	case TCP_LISTEN:
		input_listen(tp, p, &s);
		break;
	case TCP_SYN_SENT:
		input_syn_sent(tp, p, &s);
		break;
	case TCP_CLOSE:
		NET_COUNT(tcp_no_conn);
		tcp_reply_rst(p, th, s.len);
		break;
	default:
		taken = input_synced(tp, p, &s);
		break;
	}
	mutex_unlock(&tp->lock);
	tcp_put(tp);
	if (!taken)
		pkt_free(p);
}

/* An ICMP error about a segment we sent (inner: its IP header on). */
void
tcp_icmp_error(const uint8_t *inner, size_t len, int type, int code)
{
	const struct iphdr *ip = (const struct iphdr *)inner;
	const struct tcphdr *th;
	struct tcp_sock *tp;
	size_t hlen;
	int err;

	if (len < sizeof(*ip))
		return;
	hlen = (size_t)(ip->ver_ihl & 0xf) * 4;
	if (hlen < sizeof(*ip) || len < hlen + 8)
		return;
	th = (const struct tcphdr *)(inner + hlen);
	tp = tcp_lookup(ip->daddr, th->dest, ip->saddr, th->source);
	if (tp == NULL)
		return;
	mutex_lock(&tp->lock);
	if (tp->state == TCP_LISTEN || tp->state == TCP_CLOSE)
		goto out;
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		goto out;	/* path MTU: the route's MTU already bounds MSS */
	}
	err = icmp_errno(type, code);
	if (err == 0)
		goto out;
	if (tp->state == TCP_SYN_SENT && (err == ECONNREFUSED ||
	    tp->rexmit_count > 0)) {
		tcp_set_error(tp, err);
		tcp_done(tp);
	}
out:
	mutex_unlock(&tp->lock);
	tcp_put(tp);
}
