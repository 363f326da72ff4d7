/*
 * Round-trip estimation and congestion control.
 *
 * RTO (RFC 6298): SRTT and RTTVAR with gains 1/8 and 1/4, RTO = SRTT +
 * max(G, 4 RTTVAR) with G = 1 ms (the timestamp clock), starting at 1 s.
 * The floor is Linux's 200 ms rather than the RFC's 1 s: on a LAN or
 * loopback a 1 s floor turns every lost segment into a second of
 * silence, and Linux's choice has two decades of deployment behind it.
 * The ceiling is 120 s.  Karn's rule (no samples from retransmitted
 * segments unless timestamps tell them apart) and the doubling backoff
 * are the callers' (tcp_input.c, tcp_timer.c).
 *
 * Congestion control is NewReno (RFC 5681, 6582): an initial window of
 * ten segments (RFC 6928), slow start growing by the bytes acknowledged
 * (at most two segments per ACK, RFC 3465), congestion avoidance adding
 * a segment per window's worth of acknowledged bytes, and on a fast
 * retransmit ssthresh = cwnd = max(FlightSize / 2, 2 MSS) while recovery
 * lasts; the pipe estimate of RFC 6675 (tcp_output.c) decides what may
 * be sent meanwhile.  A timeout drops cwnd to one segment.
 */
#include "net/tcp.h"

void
rtt_init(struct tcp_rtt *r)
{
	r->srtt = 0;
	r->rttvar = 0;
	r->rto = TCP_RTO_INIT_NS;
	r->valid = false;
}

void
rtt_sample(struct tcp_rtt *r, uint64_t m)
{
	uint64_t err, g = 1000000ull;

	if (m == 0)
		m = 1;
	if (!r->valid) {
		r->srtt = m;
		r->rttvar = m / 2;
		r->valid = true;
	} else {
		err = m > r->srtt ? m - r->srtt : r->srtt - m;
		r->rttvar = r->rttvar - r->rttvar / 4 + err / 4;
		r->srtt = r->srtt - r->srtt / 8 + m / 8;
	}
	r->rto = r->srtt + (4 * r->rttvar > g ? 4 * r->rttvar : g);
	if (r->rto < TCP_RTO_MIN_NS)
		r->rto = TCP_RTO_MIN_NS;
	if (r->rto > TCP_RTO_MAX_NS)
		r->rto = TCP_RTO_MAX_NS;
}

void
cc_init(struct tcp_cc *c, uint32_t mss)
{
	c->cwnd = TCP_INIT_CWND * mss;
	c->ssthresh = UINT32_MAX;
	c->bytes_acked = 0;
	c->in_recovery = false;
	c->recover = 0;
	c->dupacks = 0;
}

void
cc_on_ack(struct tcp_cc *c, uint32_t acked, uint32_t mss)
{
	uint32_t grow;

	if (c->cwnd < c->ssthresh) {
		grow = acked < 2 * mss ? acked : 2 * mss;
		c->cwnd += grow;
		return;
	}
	c->bytes_acked += acked;
	if (c->bytes_acked >= c->cwnd) {
		c->bytes_acked -= c->cwnd;
		c->cwnd += mss;
	}
}

static uint32_t
half_flight(uint32_t flight, uint32_t mss)
{
	return flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
}

void
cc_enter_recovery(struct tcp_cc *c, uint32_t flight, uint32_t mss,
    uint32_t snd_max)
{
	c->ssthresh = half_flight(flight, mss);
	c->cwnd = c->ssthresh;
	c->bytes_acked = 0;
	c->in_recovery = true;
	c->recover = snd_max;
}

void
cc_exit_recovery(struct tcp_cc *c)
{
	c->in_recovery = false;
	c->cwnd = c->ssthresh;
	c->dupacks = 0;
}

void
cc_on_timeout(struct tcp_cc *c, uint32_t flight, uint32_t mss)
{
	c->ssthresh = half_flight(flight, mss);
	c->cwnd = mss;
	c->bytes_acked = 0;
	c->in_recovery = false;
	c->dupacks = 0;
}
