/*
 * TCP over a lossy link: a test network device ("lossy0", 10.77.0.1/24,
 * MTU 1500, no checksum offload) whose transmit swaps the IPv4 source
 * and destination and hands the packet back to the stack, after a
 * seeded rule drops, duplicates, reorders or black-holes it.  A client
 * connecting to 10.77.0.2:P therefore reaches our own listener on
 * 10.77.0.1:P, and its peer's answers come back the same way, so both
 * ends of the connection cross the lossy link (the swap keeps the IP
 * and TCP checksums valid: the sums are symmetric in the two
 * addresses).
 *
 * Checked: bulk transfers complete with exact data under loss,
 * duplication and reordering, and the counters show retransmissions,
 * fast retransmits and SACK blocks; the congestion window is seen to
 * grow and to back off; a black hole forces retransmission timeouts; a
 * zero window is probed and reopens; keepalive gives up with ETIMEDOUT
 * when the peer is gone; simultaneous open and close (first SYNs or
 * FINs black-holed, so the retransmissions cross); malformed segments (bad checksum, bad data
 * offset, bad option lengths) and out-of-window ones are dropped and
 * counted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "contract/clock.h"
#include "kern/ktimer.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "net/tcp.h"
#include "proc/spinlock.h"
#include "test_tcp.h"

#define LOCAL_H		0x0a4d0001u	/* 10.77.0.1 */
#define REMOTE_H	0x0a4d0002u	/* 10.77.0.2: ourselves, mirrored */

/* The link's rules, per mille. */
static struct lossy {
	struct spinlock lock;
	unsigned drop, dup, reorder;
	bool blackhole;
	uint64_t rng;
	struct pkt *held;		/* reordering: goes after the next */
	struct ktimer flush;		/* ... or after 2 ms */
	uint64_t dropped, duplicated, reordered;
} link = { .lock = SPINLOCK_INIT("lossy") };

static unsigned
rnd(void)
{
	link.rng = link.rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(link.rng >> 33) % 1000;
}

static void
swap_addrs(struct pkt *p)
{
	uint32_t a, b;

	memcpy(&a, p->data + 12, 4);
	memcpy(&b, p->data + 16, 4);
	memcpy(p->data + 12, &b, 4);
	memcpy(p->data + 16, &a, 4);
}

static bool
is_syn(const struct pkt *p)
{
	size_t ihl = (size_t)(p->data[0] & 0xf) * 4;

	return p->len > ihl + 13 && (p->data[ihl + 13] & TH_SYN);
}

static void
flush_held(void *arg)
{
	struct netdev *nd = arg;
	struct pkt *h;

	spin_lock(&link.lock);
	h = link.held;
	link.held = NULL;
	spin_unlock(&link.lock);
	if (h != NULL)
		netdev_rx(nd, h);
}

static int
lossy_xmit(struct netdev *nd, struct pkt *p)
{
	struct pkt *dup = NULL, *later = NULL;
	bool drop;

	swap_addrs(p);
	p->csum = PKT_CSUM_NONE;
	spin_lock(&link.lock);
	drop = link.blackhole || (!is_syn(p) && rnd() < link.drop);
	if (drop) {
		link.dropped++;
		spin_unlock(&link.lock);
		pkt_free(p);
		return 0;
	}
	if (rnd() < link.dup) {
		link.duplicated++;
		dup = pkt_copy(p);
	}
	later = link.held;
	link.held = NULL;
	if (later == NULL && rnd() < link.reorder) {
		link.reordered++;
		link.held = p;
		p = NULL;
	}
	spin_unlock(&link.lock);
	if (p != NULL)
		netdev_rx(nd, p);
	if (dup != NULL)
		netdev_rx(nd, dup);
	if (later != NULL)
		netdev_rx(nd, later);
	if (p == NULL)
		ktimer_arm(&link.flush, clock_ns() + 2000000ull);
	return 0;
}

static const struct netdev_ops lossy_ops = { .xmit = lossy_xmit };
static struct netdev lossy_dev = {
	.name = "lossy0",
	.mtu = 1500,
	.flags = NETDEV_NOARP,
	.ops = &lossy_ops,
};

static void
lossy_up(unsigned drop, unsigned dup, unsigned reorder, uint64_t seed)
{
	link.drop = drop;
	link.dup = dup;
	link.reorder = reorder;
	link.rng = seed;
	link.blackhole = false;
	ktimer_init(&link.flush, flush_held, &lossy_dev);
	ck_assert_int_eq(netdev_register(&lossy_dev), 0);
	ck_assert_int_eq(netdev_set_addr(&lossy_dev, htonl(LOCAL_H), 24), 0);
}

struct tinfo {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd;
	uint32_t advmss, reordering, rcv_rtt, rcv_space, total_retrans;
};

static void
info(int fd, struct tinfo *ti)
{
	uaddr_t u = umem(PG);

	poke32(u + 512, sizeof(*ti));
	ck_assert_int_eq(sys(SYS_getsockopt, fd, K_IPPROTO_TCP, K_TCP_INFO,
	    u, u + 512), 0);
	ck_assert_int_eq(copyin(ti, u, sizeof(*ti)), 0);
}

/* A connection across the link: client c, accepted end s. */
static void
lossy_pair(int *c, int *s)
{
	int l = tsock(0);
	uint16_t port;

	ck_assert_int_eq(sys(SYS_bind, l, sin_addr(LOCAL_H, 0), 16), 0);
	ck_assert_int_eq(sys(SYS_listen, l, 4), 0);
	port = local_port(l);
	*c = tsock(0);
	ck_assert_int_eq(sys(SYS_connect, *c, sin_addr(REMOTE_H, port), 16), 0);
	*s = (int)sys(SYS_accept, l, 0, 0);
	ck_assert_int_ge(*s, 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
}

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 13 + (i >> 10));
}

/* The shared page the sender reports through. */
struct report {
	uint32_t max_cwnd, min_ssthresh, total_retrans;
};

struct bulk {
	int fd;
	size_t bytes;
	uaddr_t report;
	int blackhole_at;	/* percent of the way, or -1 */
};

static int
bulk_send(void *arg)
{
	struct bulk *b = arg;
	struct tinfo ti;
	struct report r = { 0, 0x7fffffff, 0 };
	uaddr_t u = umem(16384);
	uint8_t buf[16384];
	size_t off = 0, i, n;
	long w;

	while (off < b->bytes) {
		n = MIN(sizeof(buf), b->bytes - off);
		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		ck_assert_int_eq(copyout(u, buf, n), 0);
		w = sys(SYS_write, b->fd, u, n);
		ck_assert_int_eq(w, (long)n);
		off += n;
		info(b->fd, &ti);
		r.max_cwnd = MAX(r.max_cwnd, ti.snd_cwnd);
		r.min_ssthresh = MIN(r.min_ssthresh, ti.snd_ssthresh);
		/* ">=": 16 KiB steps need not land on the exact percent. */
		if (b->blackhole_at >= 0 &&
		    off * 100 / b->bytes >= (size_t)b->blackhole_at &&
		    !link.blackhole) {
			link.blackhole = true;
			nap(700);
			link.blackhole = false;
			b->blackhole_at = -1;
		}
	}
	info(b->fd, &ti);
	r.total_retrans = ti.total_retrans;
	ck_assert_int_eq(copyout(b->report, &r, sizeof(r)), 0);
	ck_assert_int_eq(sys(SYS_shutdown, b->fd, 1), 0);
	return 0;
}

/* Receive and check bytes from fd until EOF. */
static void
bulk_recv(int fd, size_t bytes)
{
	uaddr_t u = umem(65536);
	uint8_t *buf = malloc(65536);
	size_t got = 0, i;
	long r;

	for (;;) {
		r = sys(SYS_read, fd, u, 65536);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		ck_assert_int_eq(copyin(buf, u, (size_t)r), 0);
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != pattern(got + i))
				ck_abort_msg("byte %zu", got + i);
		got += (size_t)r;
	}
	ck_assert_uint_eq(got, bytes);
	free(buf);
}

static int
lossy_bulk_body(void *arg)
{
	struct bulk b = { .bytes = 2 * MiB, .blackhole_at = -1 };
	struct report r;
	uint64_t retrans0, fast0, sack0;
	long pid;
	int c, s;

	(void)arg;
	lossy_up(20, 10, 30, 42);	/* 2% loss, 1% dup, 3% reorder */
	retrans0 = net_stats.tcp_retrans;
	fast0 = net_stats.tcp_fast_retrans;
	sack0 = net_stats.tcp_sack_blocks_in;
	lossy_pair(&c, &s);
	b.fd = c;
	b.report = ushared(PG);
	pid = hosted_fork(bulk_send, &b);
	bulk_recv(s, b.bytes);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(copyin(&r, b.report, sizeof(r)), 0);
	ck_assert_uint_gt(link.dropped, 0);
	ck_assert_uint_gt(net_stats.tcp_retrans, retrans0);
	ck_assert_uint_gt(net_stats.tcp_fast_retrans, fast0);
	ck_assert_uint_gt(net_stats.tcp_sack_blocks_in, sack0);
	/* The window grew past its start and was cut back. */
	ck_assert_uint_gt(r.max_cwnd, 10);
	ck_assert_uint_lt(r.min_ssthresh, 0x7fffffff);
	ck_assert_uint_gt(r.total_retrans, 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_lossy_bulk)
{
	sys_run_on(2, lossy_bulk_body);
	no_overrun();
}
END_TEST

static int
blackhole_body(void *arg)
{
	struct bulk b = { .bytes = 1 * MiB, .blackhole_at = 30 };
	uint64_t timeouts0;
	long pid;
	int c, s;

	(void)arg;
	lossy_up(0, 0, 0, 7);
	timeouts0 = net_stats.tcp_timeouts;
	lossy_pair(&c, &s);
	b.fd = c;
	b.report = ushared(PG);
	pid = hosted_fork(bulk_send, &b);
	bulk_recv(s, b.bytes);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_uint_gt(net_stats.tcp_timeouts, timeouts0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_blackhole_rto)
{
	sys_run_on(2, blackhole_body);
	no_overrun();
}
END_TEST

static int
zero_window_body(void *arg)
{
	uaddr_t u = umem(65536);
	struct bulk b = { .bytes = 1 * MiB, .blackhole_at = -1 };
	long pid;
	int c, s;

	(void)arg;
	lossy_up(0, 0, 0, 9);
	lossy_pair(&c, &s);
	b.fd = c;
	b.report = ushared(PG);
	pid = hosted_fork(bulk_send, &b);
	/* Read nothing for a while: the window closes, the sender probes. */
	nap(1500);
	ck_assert_int_gt(sys(SYS_recvfrom, s, u, 1, K_MSG_PEEK, 0, 0), 0);
	bulk_recv(s, b.bytes);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_zero_window)
{
	sys_run_on(2, zero_window_body);
	no_overrun();
}
END_TEST

static int
keepalive_body(void *arg)
{
	uaddr_t u = umem(PG);
	struct tinfo ti;
	int c, s;

	(void)arg;
	lossy_up(0, 0, 0, 11);
	lossy_pair(&c, &s);
	ck_assert_int_eq(setint(c, K_SOL_SOCKET, K_SO_KEEPALIVE, 1), 0);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_KEEPINTVL, 1), 0);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_KEEPCNT, 2), 0);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_KEEPIDLE, 1), 0);
	/* While the peer answers, probes keep the connection. */
	nap(2500);
	info(c, &ti);
	ck_assert_int_eq(ti.state, TCP_ESTABLISHED);
	/* Peer gone: idle 1 s, two probes a second apart, then the end. */
	link.blackhole = true;
	ck_assert_int_eq(sys(SYS_recvfrom, c, u, 16, 0, 0, 0), -ETIMEDOUT);
	info(c, &ti);
	ck_assert_int_eq(ti.state, TCP_CLOSE);
	link.blackhole = false;
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_keepalive_timeout)
{
	sys_run_on(2, keepalive_body);
	no_overrun();
}
END_TEST

/* A segment from 10.77.0.2:sport to 10.77.0.1:dport, as the link delivers. */
static void
inject(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t doff_words, const uint8_t *opts, size_t olen, bool bad_sum)
{
	struct pkt *p = pkt_alloc(PKT_HEADROOM, 20 + 20 + olen + 4);
	uint8_t *ip = p->data, *th = ip + 20;
	uint32_t src = htonl(REMOTE_H), dst = htonl(LOCAL_H), sum;
	uint16_t len = (uint16_t)(20 + olen + 4), v;

	memset(ip, 0, p->len);
	ip[0] = 0x45;
	v = htons((uint16_t)p->len);
	memcpy(ip + 2, &v, 2);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	v = inet_fold(inet_sum(ip, 20, 0));
	memcpy(ip + 10, &v, 2);
	v = htons(sport);
	memcpy(th, &v, 2);
	v = htons(dport);
	memcpy(th + 2, &v, 2);
	seq = htonl(seq);
	ack = htonl(ack);
	memcpy(th + 4, &seq, 4);
	memcpy(th + 8, &ack, 4);
	th[12] = (uint8_t)(doff_words << 4);
	th[13] = TH_ACK;
	th[14] = 0xff;
	memcpy(th + 20, opts, olen);
	memcpy(th + 20 + olen, "junk", 4);
	sum = inet_pseudo_sum(src, dst, IPPROTO_TCP, len);
	v = inet_fold(inet_sum(th, len, sum));
	if (bad_sum)
		v ^= 0x5a5a;
	memcpy(th + 16, &v, 2);
	netdev_rx(&lossy_dev, p);
}

static int
malformed_body(void *arg)
{
	static const uint8_t good[] = { 1, 1, 1, 1 };
	static const uint8_t bad_len[] = { 8, 1, 1, 1 };
	static const uint8_t past[] = { 1, 1, 2, 9 };
	struct net_stats before;
	char buf[16];
	uaddr_t u = umem(PG);
	uint16_t cport, sport;
	int c, s;

	(void)arg;
	lossy_up(0, 0, 0, 13);
	lossy_pair(&c, &s);
	cport = local_port(c);
	sport = local_port(s);
	before = net_stats;
	inject(cport, sport, 1, 1, 6, good, 4, true);		/* checksum */
	inject(cport, sport, 1, 1, 4, good, 4, false);		/* doff < 5 */
	inject(cport, sport, 1, 1, 15, good, 4, false);		/* doff > len */
	inject(cport, sport, 1, 1, 6, bad_len, 4, false);	/* opt len 1 */
	inject(cport, sport, 1, 1, 6, past, 4, false);		/* runs off */
	/* Well formed, but far outside the window: dropped, ACKed. */
	inject(cport, sport, 0x12345678, 1, 6, good, 4, false);
	nap(100);
	ck_assert_uint_ge(net_stats.tcp_bad_csum, before.tcp_bad_csum + 1);
	ck_assert_uint_ge(net_stats.tcp_bad, before.tcp_bad + 2);
	ck_assert_uint_ge(net_stats.tcp_bad_opts, before.tcp_bad_opts + 2);
	ck_assert_uint_ge(net_stats.tcp_out_of_window,
	    before.tcp_out_of_window + 1);
	/* None of it reached the reader; the connection still works. */
	ck_assert_int_eq(sys(SYS_recvfrom, s, u, 16, K_MSG_DONTWAIT, 0, 0),
	    -EAGAIN);
	ck_assert_int_eq(copyout(u, "fine", 4), 0);
	ck_assert_int_eq(sys(SYS_write, c, u, 4), 4);
	ck_assert_int_eq(sys(SYS_read, s, u + 64, 16), 4);
	ck_assert_int_eq(copyin(buf, u + 64, 4), 0);
	ck_assert_int_eq(memcmp(buf, "fine", 4), 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_malformed)
{
	sys_run_on(2, malformed_body);
	no_overrun();
}
END_TEST

/* Both FINs are lost once, so each arrives in FIN-WAIT-1: CLOSING, then
 * TIME-WAIT on both sides (RFC 9293 figure 13). */
static int
simclose_body(void *arg)
{
	uaddr_t u = umem(PG);
	struct tinfo ti;
	int c, s;

	(void)arg;
	lossy_up(0, 0, 0, 17);
	lossy_pair(&c, &s);
	link.blackhole = true;
	ck_assert_int_eq(sys(SYS_shutdown, c, 1), 0);
	ck_assert_int_eq(sys(SYS_shutdown, s, 1), 0);
	nap(50);
	link.blackhole = false;
	/* The retransmitted FINs cross. */
	ck_assert_int_eq(sys(SYS_read, c, u, 16), 0);
	ck_assert_int_eq(sys(SYS_read, s, u, 16), 0);
	nap(200);
	info(c, &ti);
	ck_assert_int_eq(ti.state, TCP_TIME_WAIT);
	info(s, &ti);
	ck_assert_int_eq(ti.state, TCP_TIME_WAIT);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_simultaneous_close)
{
	sys_run_on(2, simclose_body);
	no_overrun();
}
END_TEST

/* Two sockets connect to each other; their first SYNs are lost, so the
 * retransmitted ones cross: SYN-SENT, SYN-RECEIVED, ESTABLISHED. */
static int
simopen_body(void *arg)
{
	struct tinfo ti;
	uaddr_t u = umem(PG);
	uint16_t pa, pb;
	int a, b;

	(void)arg;
	lossy_up(0, 0, 0, 19);
	a = tsock(0);
	b = tsock(0);
	ck_assert_int_eq(sys(SYS_bind, a, sin_addr(LOCAL_H, 0), 16), 0);
	ck_assert_int_eq(sys(SYS_bind, b, sin_addr(LOCAL_H, 0), 16), 0);
	pa = local_port(a);
	pb = local_port(b);
	ck_assert_int_eq(sys(SYS_fcntl, a, 4, 0x800), 0);
	ck_assert_int_eq(sys(SYS_fcntl, b, 4, 0x800), 0);
	link.blackhole = true;
	/* a (10.77.0.1:pa) to 10.77.0.2:pb reaches b's port as if from
	 * 10.77.0.2:pa, and b connects to exactly that. */
	ck_assert_int_eq(sys(SYS_connect, a, sin_addr(REMOTE_H, pb), 16),
	    -EINPROGRESS);
	ck_assert_int_eq(sys(SYS_connect, b, sin_addr(REMOTE_H, pa), 16),
	    -EINPROGRESS);
	ck_assert_int_eq(sys(SYS_connect, b, sin_addr(REMOTE_H, pa), 16),
	    -EALREADY);
	nap(100);
	link.blackhole = false;
	nap(2500);
	info(a, &ti);
	ck_assert_int_eq(ti.state, TCP_ESTABLISHED);
	info(b, &ti);
	ck_assert_int_eq(ti.state, TCP_ESTABLISHED);
	ck_assert_int_eq(copyout(u, "hi", 2), 0);
	ck_assert_int_eq(sys(SYS_write, a, u, 2), 2);
	nap(100);
	ck_assert_int_eq(sys(SYS_read, b, u + 64, 16), 2);
	ck_assert_int_eq(sys(SYS_close, a), 0);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	return 0;
}

START_TEST(test_simultaneous_open)
{
	sys_run_on(2, simopen_body);
	no_overrun();
}
END_TEST

#define ADD(tc, t) do { \
	const char *only = getenv("TCP_TEST"); \
	if (only == NULL || strcmp(only, #t + 5) == 0) \
		tcase_add_test(tc, t); \
} while (0)

static void
add_tests(TCase *tc)
{
	ADD(tc, test_lossy_bulk);
	ADD(tc, test_blackhole_rto);
	ADD(tc, test_zero_window);
	ADD(tc, test_keepalive_timeout);
	ADD(tc, test_malformed);
	ADD(tc, test_simultaneous_close);
	ADD(tc, test_simultaneous_open);
}

int
main(void)
{
	return run_suite("tcp_lossy", add_tests);
}
