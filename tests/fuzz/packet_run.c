/*
 * One packet-fuzzer input on a freshly booted deterministic kernel
 * (packet_fuzz.h has the input format).
 *
 * Init registers a fake Ethernet device, fz0 (10.0.0.2/24, MTU 1500),
 * opens a listening TCP socket on port 80 and a UDP socket on port 7,
 * then hands the input's frames one by one to netdev_rx(), exactly as a
 * driver's interrupt would, and lets the network thread run them (a
 * virtual millisecond's sleep, or what the record's flags ask for, so
 * timers fire too).  Between frames it serves its sockets the way a
 * small server would -- accepts connections, echoes what arrives on
 * them and on the UDP socket -- so the input can drive the stack's
 * output paths, ARP resolution and the TCP state machine, not only its
 * input checks.
 *
 * What fails a run (abort(), a crash to AFL): a sanitizer report or a
 * panic, as anywhere; a frame the stack transmits that is malformed
 * (not ARP or IPv4, a bad IPv4 header checksum, a length that
 * disagrees with the frame, larger than the MTU); and drop counters
 * that do not add up at the end: every frame the device received must
 * be accounted for by exactly one Ethernet-level outcome (too short,
 * not for us, unknown type, ARP, IPv4), and no reason's count may
 * exceed what reached its layer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract/usercopy.h"
#include "hosted.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "packet_fuzz.h"
#include "sys/syscall.h"

#define sys(...)	hosted_syscall(__VA_ARGS__)

#define MAX_CONNS	8
#define RX_HEADROOM	(64 + 2)	/* as a driver: IP header aligned */
#define K_SOCK_NONBLOCK	0x800
#define K_MSG_DONTWAIT	0x40
#define K_MSG_NOSIGNAL	0x4000

static const struct pf_options *opt;
static const uint8_t *input;
static size_t input_len;

static struct {
	uint64_t fed;			/* frames given to netdev_rx */
	uint64_t sent;			/* frames the stack transmitted */
	uint32_t ack_next;		/* TCP: our last seq + len, network order */
	int lfd, ufd, conns[MAX_CONNS], nconns;
	uaddr_t buf;			/* user scratch: 64 KiB + addresses */
} S;

static struct netdev fz;

static void
fail(const char *what)
{
	fflush(stdout);
	fprintf(stderr, "packet fuzz: %s\n", what);
	abort();
}

/* The Internet checksum, written here afresh to check the stack's. */
static uint32_t
sum16(const uint8_t *d, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)d[i] << 8 | d[i + 1];
	if (len & 1)
		s += (uint32_t)d[len - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
pf_fix(uint8_t *f, size_t len, unsigned flags, uint32_t ack)
{
	size_t ihl, tot, l4len;
	uint8_t *ip = f + 14, *l4;
	uint32_t s;
	int csum_at = -1;

	if (len < 34 || get16(f + 12) != 0x0800)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || 14 + ihl > len)
		return;
	tot = get16(ip + 2);
	if (tot < ihl || tot > len - 14)
		tot = len - 14;
	l4 = ip + ihl;
	l4len = tot - ihl;
	if ((flags & PF_FIX_ACK) && ip[9] == 6 && l4len >= 20 && ack != 0)
		memcpy(l4 + 8, &ack, 4);
	if ((flags & PF_FIX_L4) && !(get16(ip + 6) & 0x3fff)) {
		if (ip[9] == 6 && l4len >= 20)
			csum_at = 16;
		else if (ip[9] == 17 && l4len >= 8)
			csum_at = 6;
		else if (ip[9] == 1 && l4len >= 4)
			csum_at = 2;
	}
	if (csum_at >= 0) {
		put16(l4 + csum_at, 0);
		s = 0;
		if (ip[9] != 1) {
			s = sum16(ip + 12, 8, 0) + ip[9] + (uint32_t)l4len;
		}
		s = fold(sum16(l4, l4len, s));
		if (ip[9] == 17 && s == 0)
			s = 0xffff;
		put16(l4 + csum_at, (uint16_t)s);
	}
	if (flags & PF_FIX_IP) {
		put16(ip + 10, 0);
		put16(ip + 10, fold(sum16(ip, ihl, 0)));
	}
}

/* A frame the stack sends must be well formed; note TCP's next seq. */
static void
check_tx(const uint8_t *f, size_t len)
{
	size_t ihl, tot, doff, dlen;
	const uint8_t *ip = f + 14, *tcp;
	uint32_t seq;

	if (len < 14 || len > 14 + fz.mtu)
		fail("transmitted frame of a bad size");
	if (get16(f + 12) == 0x0806) {
		if (len < 14 + 28)
			fail("transmitted ARP frame too short");
		return;
	}
	if (get16(f + 12) != 0x0800)
		fail("transmitted frame neither IPv4 nor ARP");
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (len < 34 || ip[0] >> 4 != 4 || ihl < 20 || 14 + ihl > len)
		fail("transmitted IPv4 header malformed");
	if (fold(sum16(ip, ihl, 0)) != 0)
		fail("transmitted IPv4 header checksum wrong");
	tot = get16(ip + 2);
	if (tot < ihl || tot > len - 14)
		fail("transmitted IPv4 total length disagrees with the frame");
	if (ip[9] != 6 || (get16(ip + 6) & 0x3fff) || tot - ihl < 20)
		return;
	tcp = ip + ihl;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tot - ihl)
		fail("transmitted TCP header length wrong");
	dlen = tot - ihl - doff;
	memcpy(&seq, tcp + 4, 4);
	seq = ntohl(seq) + (uint32_t)dlen + (tcp[13] & 0x02 ? 1 : 0) +
	    (tcp[13] & 0x01 ? 1 : 0);
	S.ack_next = htonl(seq);
}

static int
fz_xmit(struct netdev *nd, struct pkt *p)
{
	S.sent++;
	check_tx(p->data, p->len);
	pkt_free(p);
	return 0;
}

static const struct netdev_ops fz_ops = { .xmit = fz_xmit };

static long
sock_on(int type, uint16_t port)
{
	struct ksockaddr_in a = { .sin_family = AF_INET,
	    .sin_port = htons(port) };
	long fd = sys(SYS_socket, AF_INET, type | K_SOCK_NONBLOCK, 0);

	if (fd < 0)
		return fd;
	if (copyout(S.buf, &a, sizeof(a)) < 0 ||
	    sys(SYS_bind, fd, S.buf, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && sys(SYS_listen, fd, 8) < 0)) {
		sys(SYS_close, fd);
		return -1;
	}
	return fd;
}

/* Serve the sockets as a small echo server would. */
static void
serve(void)
{
	uaddr_t data = S.buf + 4096, addr = S.buf, alen = S.buf + 256;
	uint32_t len = sizeof(struct ksockaddr_in);
	long fd, n;
	int i;

	while (S.lfd >= 0 && S.nconns < MAX_CONNS &&
	    (fd = sys(SYS_accept4, S.lfd, 0, 0, K_SOCK_NONBLOCK)) >= 0)
		S.conns[S.nconns++] = (int)fd;
	for (i = 0; i < S.nconns; i++) {
		n = sys(SYS_recvfrom, S.conns[i], data, 4096, K_MSG_DONTWAIT,
		    0, 0);
		if (n > 0)
			sys(SYS_sendto, S.conns[i], data, n, K_MSG_DONTWAIT |
			    K_MSG_NOSIGNAL, 0, 0);
		else if (n == 0 || (n < 0 && n != -11)) {
			sys(SYS_close, S.conns[i]);
			S.conns[i--] = S.conns[--S.nconns];
		}
	}
	if (S.ufd < 0 || copyout(alen, &len, sizeof(len)) < 0)
		return;
	n = sys(SYS_recvfrom, S.ufd, data, 65536 - 4096, K_MSG_DONTWAIT, addr,
	    alen);
	if (n >= 0)
		sys(SYS_sendto, S.ufd, data, n, K_MSG_DONTWAIT, addr,
		    sizeof(struct ksockaddr_in));
}

static void
sleep_ms(long ms)
{
	sys(SYS_poll, 0, 0, ms);
}

/* Every frame fed has exactly one Ethernet-level outcome; and so on. */
static void
check_counters(void)
{
	struct net_stats *s = &net_stats;
	uint64_t outcomes, arrived;

	outcomes = s->eth_short + fz.stats.rx_dropped + s->eth_unknown_type +
	    s->arp_bad + s->arp_requests + s->arp_replies + s->ip_in;
	arrived = fz.stats.rx_packets + netdev_loopback->stats.rx_packets;
	if (opt->trace) {
		printf("frames: %lu fed, %lu received, %lu sent; outcomes: "
		    "eth_short %lu, not ours %lu, unknown type %lu, arp %lu, "
		    "ip_in %lu (lo %lu)\n", (unsigned long)S.fed,
		    (unsigned long)fz.stats.rx_packets, (unsigned long)S.sent,
		    (unsigned long)s->eth_short,
		    (unsigned long)fz.stats.rx_dropped,
		    (unsigned long)s->eth_unknown_type,
		    (unsigned long)(s->arp_bad + s->arp_requests +
		    s->arp_replies), (unsigned long)s->ip_in,
		    (unsigned long)netdev_loopback->stats.rx_packets);
		printf("ip: bad_len %lu bad_header %lu bad_csum %lu not_ours "
		    "%lu reasm %lu frag_dropped %lu; icmp_in %lu udp_in %lu "
		    "tcp_in %lu tcp_bad %lu tcp_bad_csum %lu tcp_no_conn %lu "
		    "tcp_rst_out %lu\n", (unsigned long)s->ip_bad_len,
		    (unsigned long)s->ip_bad_header,
		    (unsigned long)s->ip_bad_csum,
		    (unsigned long)s->ip_not_ours,
		    (unsigned long)s->ip_frag_reasm,
		    (unsigned long)s->ip_frag_dropped,
		    (unsigned long)s->icmp_in, (unsigned long)s->udp_in,
		    (unsigned long)s->tcp_in, (unsigned long)s->tcp_bad,
		    (unsigned long)s->tcp_bad_csum,
		    (unsigned long)s->tcp_no_conn,
		    (unsigned long)s->tcp_rst_out);
	}
	if (fz.stats.rx_packets != S.fed)
		fail("the device counted another number of frames than fed");
	if (outcomes != arrived)
		fail("Ethernet outcomes do not add up to the frames received");
	if (s->ip_bad_len + s->ip_bad_header + s->ip_bad_csum +
	    s->ip_not_ours > s->ip_in)
		fail("more IPv4 drops than IPv4 packets");
	if (s->icmp_in + s->udp_in + s->tcp_in > s->ip_in)
		fail("more transport arrivals than IPv4 packets");
	if (s->udp_bad + s->udp_bad_csum + s->udp_no_port +
	    s->udp_rcvbuf_full > s->udp_in)
		fail("more UDP drops than UDP datagrams");
}

static void
feed(const uint8_t *rec, size_t len, unsigned flags)
{
	uint8_t frame[PF_FRAME_MAX];
	struct pkt *p;
	unsigned shift = flags >> PF_SLEEP_SHIFT;

	memcpy(frame, rec, len);
	pf_fix(frame, len, flags, S.ack_next);
	if (opt->trace)
		printf("frame %lu: %zu bytes, flags %#x, type %#06x\n",
		    (unsigned long)S.fed, len, flags,
		    len >= 14 ? get16(frame + 12) : 0);
	p = pkt_alloc(RX_HEADROOM, len);
	if (p == NULL)
		fail("pkt_alloc failed on a small input");
	memcpy(p->data, frame, len);
	S.fed++;
	netdev_rx(&fz, p);
	sleep_ms(shift ? 1L << shift : 1);
	serve();
}

static int
pf_init(void *unused)
{
	static const uint8_t mac[ETH_ALEN] = PF_OUR_MAC;
	size_t off = 0, len;
	unsigned flags;
	int n = 0, i;
	long r;

	(void)unused;
	snprintf(fz.name, sizeof(fz.name), "fz0");
	memcpy(fz.mac, mac, ETH_ALEN);
	fz.mtu = 1500;
	fz.ops = &fz_ops;
	if (netdev_register(&fz) < 0 ||
	    netdev_set_addr(&fz, htonl(PF_OUR_IP), 24) < 0)
		fail("cannot set up fz0");
	r = sys(SYS_mmap, 0, 65536, 3, 0x22, -1, 0);
	if (r < 0 && r > -4096)
		fail("no user memory");
	S.buf = (uaddr_t)r;
	S.lfd = (int)sock_on(SOCK_STREAM, PF_TCP_PORT);
	S.ufd = (int)sock_on(SOCK_DGRAM, PF_UDP_PORT);
	while (off + PF_HDR <= input_len && n++ < PF_MAX_FRAMES) {
		len = (size_t)(input[off] | input[off + 1] << 8);
		flags = input[off + 2];
		off += PF_HDR;
		if (len > input_len - off)
			len = input_len - off;
		if (len > PF_FRAME_MAX)
			len = PF_FRAME_MAX;
		feed(input + off, len, flags);
		off += len;
	}
	/* Let the stack answer, then close everything, then settle. */
	sleep_ms(20);
	serve();
	for (i = 0; i < S.nconns; i++)
		sys(SYS_close, S.conns[i]);
	if (S.lfd >= 0)
		sys(SYS_close, S.lfd);
	if (S.ufd >= 0)
		sys(SYS_close, S.ufd);
	sleep_ms(20);
	check_counters();
	if (opt->trace)
		printf("ok\n");
	/* As the syscall fuzzer does: leave from here (run.c says why). */
	fflush(stdout);
	fflush(stderr);
	_exit(0);
}

int
pf_run(const uint8_t *data, size_t size, const struct pf_options *o)
{
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 32u << 20,
	    .quiet = !o->trace, .deterministic = true };

	opt = o;
	input = data;
	input_len = size;
	memset(&S, 0, sizeof(S));
	return hosted_run_init(&cfg, pf_init, NULL);
}
