/*
 * The stack over Ethernet, against a fake device "fake0" (10.0.0.1/24,
 * MTU 576) whose transmit either captures frames for the test to read
 * or reflects them (MACs and IP addresses swapped, as if a peer at
 * 10.0.0.2 sent them back).  The peer's side is hand-built frames fed
 * in with netdev_rx().
 *
 * Covered: ARP request, reply, queueing, ageing, retries ending in
 * EHOSTUNREACH, answers to requests for our address, gratuitous ARP;
 * ICMP echo replies, including a fragmented large ping; UDP through
 * fragmentation and reassembly; reassembly out of order, duplicates,
 * overlaps, oversize and timeout; and malformed frames of every layer
 * dropped and counted in net_stats.
 */
#include "contract/clock.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "mm/reserve.h"
#include "proc/spinlock.h"
#include "test_socket.h"
#include "../../core/net/inet_internal.h"

#define MS		1000000ull
#define US_IP		0x0a000001u	/* 10.0.0.1 */
#define PEER_IP		0x0a000002u
#define GHOST_IP	0x0a000003u	/* never answers */

static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The fake device and what it captured. */
static struct spinlock cap_lock = SPINLOCK_INIT("cap");
static struct list captured = LIST_INIT(captured);
static int ncaptured;
static bool reflect;

/* A 32-bit field of a frame, in host order, wherever it sits. */
static uint32_t
get32(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return ntohl(v);
}

static void
swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

static int
fake_xmit(struct netdev *nd, struct pkt *p)
{
	uint8_t *f = p->data;
	struct iphdr *ip;

	if (reflect && p->len >= ETH_HLEN + IP_HLEN && f[12] == 8 &&
	    f[13] == 0) {
		/* Back from the peer: swap MACs and IP addresses. */
		swap(f, f + 6, 6);
		ip = (struct iphdr *)(f + ETH_HLEN);
		swap((uint8_t *)&ip->saddr, (uint8_t *)&ip->daddr, 4);
		p->csum = PKT_CSUM_NONE;
		netdev_rx(nd, p);
		return 0;
	}
	spin_lock(&cap_lock);
	list_push_back(&captured, &p->link);
	ncaptured++;
	spin_unlock(&cap_lock);
	return 0;
}

static const struct netdev_ops fake_ops = { .xmit = fake_xmit };
static struct netdev fake = {
	.name = "fake0",
	.mtu = 576,
	.ops = &fake_ops,
};

static void
fake_up(void)
{
	memcpy(fake.mac, our_mac, 6);
	ck_assert_int_eq(netdev_register(&fake), 0);
	ck_assert_int_eq(netdev_register(&fake), -EEXIST);
	ck_assert_int_eq(netdev_set_addr(&fake, htonl(US_IP), 24), 0);
	ck_assert_ptr_eq(netdev_find("fake0"), &fake);
	ck_assert_ptr_eq(netdev_by_index(fake.ifindex), &fake);
}

/* The next captured frame, waiting up to 2 s; NULL if none came. */
static struct pkt *
next_frame(void)
{
	uint64_t end = clock_ns() + 2000 * MS;
	struct pkt *p = NULL;

	for (;;) {
		spin_lock(&cap_lock);
		if (!list_empty(&captured)) {
			p = list_entry(list_pop_front(&captured), struct pkt,
			    link);
			ncaptured--;
		}
		spin_unlock(&cap_lock);
		if (p != NULL || clock_ns() > end)
			return p;
		thread_sleep_ns(1 * MS);
	}
}

/* Wait up to 2 s for *counter to reach at least v. */
static bool
wait_count(const uint64_t *counter, uint64_t v)
{
	uint64_t end = clock_ns() + 2000 * MS;

	while (__atomic_load_n(counter, __ATOMIC_RELAXED) < v) {
		if (clock_ns() > end)
			return false;
		thread_sleep_ns(1 * MS);
	}
	return true;
}

/* Feed a frame of len bytes to the stack as received on fake0. */
static void
inject(const void *frame, size_t len)
{
	struct pkt *p = pkt_alloc(PKT_HEADROOM, len);

	ck_assert_ptr_nonnull(p);
	memcpy(p->data, frame, len);
	netdev_rx(&fake, p);
}

static size_t
eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return ETH_HLEN;
}

/* An ARP packet from (sha, spa) about (tha, tip), op 1 or 2. */
static size_t
arp_frame(uint8_t *f, int op, const uint8_t *sha, uint32_t spa,
    const uint8_t *tha, uint32_t tip, const uint8_t *eth_dst)
{
	uint8_t *a = f + eth_hdr(f, eth_dst, sha, ETH_P_ARP);
	uint32_t s = htonl(spa), t = htonl(tip);

	a[0] = 0; a[1] = 1; a[2] = 8; a[3] = 0; a[4] = 6; a[5] = 4;
	a[6] = 0; a[7] = (uint8_t)op;
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &s, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &t, 4);
	return ETH_HLEN + 28;
}

/* An IPv4 frame from the peer to us: header fields, then payload. */
static size_t
ip_frame(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t id, uint16_t frag_off, const void *payload, size_t len)
{
	struct iphdr *ip = (struct iphdr *)(f + eth_hdr(f, our_mac, peer_mac,
	    ETH_P_IP));

	ip->ver_ihl = 0x45;
	ip->tos = 0;
	ip->tot_len = htons((uint16_t)(IP_HLEN + len));
	ip->id = htons(id);
	ip->frag_off = htons(frag_off);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->check = 0;
	ip->saddr = htonl(src);
	ip->daddr = htonl(dst);
	ip->check = inet_fold(inet_sum(ip, IP_HLEN, 0));
	memcpy((uint8_t *)ip + IP_HLEN, payload, len);
	return ETH_HLEN + IP_HLEN + len;
}

/* A UDP datagram (header + data) from the peer, checksum filled. */
static size_t
udp_build(uint8_t *out, uint16_t sport, uint16_t dport, const void *data,
    size_t len)
{
	struct udphdr *uh = (struct udphdr *)out;

	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons((uint16_t)(UDP_HLEN + len));
	uh->check = 0;
	memcpy(out + UDP_HLEN, data, len);
	uh->check = inet_fold(inet_sum(out, UDP_HLEN + len,
	    inet_pseudo_sum(htonl(PEER_IP), htonl(US_IP), IPPROTO_UDP,
	    (uint16_t)(UDP_HLEN + len))));
	if (uh->check == 0)
		uh->check = 0xffff;
	return UDP_HLEN + len;
}

/* No syscall or timer so far charged its reservation past its bound. */
static void
check_no_overruns(void)
{
	static struct reserve_mark marks[256];
	int i, n = reserve_marks(marks, 256);

	for (i = 0; i < n && i < 256; i++)
		ck_assert_msg(marks[i].overruns == 0, "%s overran %zu",
		    marks[i].site, marks[i].bound);
}

static int
udp_sock(void)
{
	long fd = sys(SYS_socket, K_AF_INET, K_SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	return (int)fd;
}

static uaddr_t
sin_addr(uint32_t addr, uint16_t port)
{
	struct ksockaddr_in a;
	uaddr_t u = umem(PG);

	memset(&a, 0, sizeof(a));
	a.sin_family = K_AF_INET;
	a.sin_port = htons(port);
	a.sin_addr = htonl(addr);
	ck_assert_int_eq(copyout(u, &a, sizeof(a)), 0);
	return u;
}

static long
setopt_int_on(int fd, int name)
{
	uaddr_t u = umem(PG);

	poke32(u, 1);
	return sys(SYS_setsockopt, fd, K_SOL_SOCKET, name, u, 4);
}

static long
send_to(int fd, const char *s, uint32_t addr, uint16_t port)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(copyout(u, s, strlen(s)), 0);
	return sys(SYS_sendto, fd, u, strlen(s), 0, sin_addr(addr, port), 16);
}

static int
arp_body(void *arg)
{
	static uint8_t f[2048];
	uint8_t mac[6], zero[6] = { 0 };
	struct pkt *p;
	struct iphdr *ip;
	char buf[32];
	int fd = udp_sock(), cl;
	size_t n;

	(void)arg;
	fake_up();
	arp_reachable_ns = 300 * MS;
	arp_retry_ns = 40 * MS;
	/* A datagram to the peer waits for ARP: a broadcast request. */
	ck_assert_int_eq(send_to(fd, "queued", PEER_IP, 9000), 6);
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(memcmp(p->data, bcast, 6), 0);
	ck_assert_int_eq(p->data[12] << 8 | p->data[13], ETH_P_ARP);
	ck_assert_int_eq(p->data[ETH_HLEN + 7], 1);
	ck_assert_int_eq(memcmp(p->data + ETH_HLEN + 8, our_mac, 6), 0);
	ck_assert_uint_eq(get32(p->data + ETH_HLEN + 24),
	    PEER_IP);
	pkt_free(p);
	ck_assert_int_eq(arp_cache_state(&fake, htonl(PEER_IP), NULL),
	    ARP_INCOMPLETE);
	/* The reply releases the queued datagram to the peer's MAC. */
	n = arp_frame(f, 2, peer_mac, PEER_IP, our_mac, US_IP, our_mac);
	inject(f, n);
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(memcmp(p->data, peer_mac, 6), 0);
	ck_assert_int_eq(p->data[12] << 8 | p->data[13], ETH_P_IP);
	ip = (struct iphdr *)(p->data + ETH_HLEN);
	ck_assert_uint_eq(ntohl(ip->daddr), PEER_IP);
	ck_assert_uint_eq(ntohl(ip->saddr), US_IP);
	ck_assert_int_eq(ip->protocol, IPPROTO_UDP);
	ck_assert_int_eq(memcmp(p->data + ETH_HLEN + IP_HLEN + UDP_HLEN,
	    "queued", 6), 0);
	pkt_free(p);
	ck_assert_int_eq(arp_cache_state(&fake, htonl(PEER_IP), mac),
	    ARP_REACHABLE);
	ck_assert_int_eq(memcmp(mac, peer_mac, 6), 0);
	ck_assert_uint_ge(net_stats.arp_replies, 1);
	/* Resolved: the next one goes at once. */
	ck_assert_int_eq(send_to(fd, "direct", PEER_IP, 9000), 6);
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(memcmp(p->data, peer_mac, 6), 0);
	pkt_free(p);
	/* Ageing: the entry goes after arp_reachable_ns. */
	thread_sleep_ns(500 * MS);
	ck_assert_int_eq(arp_cache_state(&fake, htonl(PEER_IP), NULL), 0);

	/* A request for our address is answered and teaches the cache. */
	n = arp_frame(f, 1, peer_mac, PEER_IP, zero, US_IP, bcast);
	inject(f, n);
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(memcmp(p->data, peer_mac, 6), 0);
	ck_assert_int_eq(p->data[ETH_HLEN + 7], 2);
	ck_assert_int_eq(memcmp(p->data + ETH_HLEN + 8, our_mac, 6), 0);
	ck_assert_uint_eq(get32(p->data + ETH_HLEN + 14),
	    US_IP);
	ck_assert_int_eq(memcmp(p->data + ETH_HLEN + 18, peer_mac, 6), 0);
	pkt_free(p);
	ck_assert_int_eq(arp_cache_state(&fake, htonl(PEER_IP), NULL),
	    ARP_REACHABLE);
	/* A request for someone else is ignored. */
	n = arp_frame(f, 1, peer_mac, PEER_IP, zero, 0x0a000063u, bcast);
	inject(f, n);
	/* Gratuitous ARP: updates the known entry, creates no new one. */
	mac[0] = 2; mac[1] = 9; mac[2] = 9; mac[3] = 9; mac[4] = 9; mac[5] = 9;
	n = arp_frame(f, 1, mac, PEER_IP, zero, PEER_IP, bcast);
	inject(f, n);
	n = arp_frame(f, 1, mac, 0x0a000007u, zero, 0x0a000007u, bcast);
	inject(f, n);
	ck_assert(wait_count(&net_stats.arp_requests, 4));
	thread_sleep_ns(10 * MS);
	ck_assert_int_eq(arp_cache_state(&fake, htonl(PEER_IP), f), ARP_REACHABLE);
	ck_assert_int_eq(memcmp(f, mac, 6), 0);
	ck_assert_int_eq(arp_cache_state(&fake, htonl(0x0a000007u), NULL), 0);
	ck_assert_int_eq(ncaptured, 0);
	/* Malformed ARP: counted. */
	n = arp_frame(f, 7, peer_mac, PEER_IP, zero, US_IP, bcast);
	inject(f, n);
	inject(f, ETH_HLEN + 20);
	ck_assert(wait_count(&net_stats.arp_bad, 2));

	/* Nobody answers: 3 requests, then EHOSTUNREACH to the sender. */
	cl = udp_sock();
	ck_assert_int_eq(sys(SYS_connect, cl, sin_addr(GHOST_IP, 9), 16), 0);
	ck_assert_int_eq(put_str(cl, "void"), 4);
	for (n = 0; n < 3; n++) {
		p = next_frame();
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(p->data[ETH_HLEN + 7], 1);
		ck_assert_uint_eq(get32(p->data + ETH_HLEN + 24),
		    GHOST_IP);
		pkt_free(p);
	}
	ck_assert_int_eq(read_str(cl, buf, 31), -EHOSTUNREACH);
	ck_assert_int_eq(arp_cache_state(&fake, htonl(GHOST_IP), NULL), 0);
	ck_assert_int_eq(ncaptured, 0);
	return 0;
}

START_TEST(test_arp)
{
	sys_run(arp_body);
}
END_TEST

/* Teach the cache the peer's MAC (a request from it for us). */
static void
learn_peer(void)
{
	static uint8_t f[64];
	uint8_t zero[6] = { 0 };
	struct pkt *p;

	inject(f, arp_frame(f, 1, peer_mac, PEER_IP, zero, US_IP, bcast));
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	pkt_free(p);
}

/* Collect IP fragments from captured frames into a whole datagram. */
static size_t
collect(uint8_t *out, size_t max, int *nfrags)
{
	size_t total = 0, got = 0, off, len;
	struct iphdr *ip;
	struct pkt *p;
	uint16_t fo;

	*nfrags = 0;
	while (total == 0 || got < total) {
		p = next_frame();
		ck_assert_ptr_nonnull(p);
		ip = (struct iphdr *)(p->data + ETH_HLEN);
		ck_assert_int_eq(inet_fold(inet_sum(ip, IP_HLEN, 0)), 0);
		ck_assert_uint_le(ntohs(ip->tot_len), fake.mtu);
		fo = ntohs(ip->frag_off);
		off = (size_t)(fo & IP_OFFMASK) * 8;
		len = ntohs(ip->tot_len) - IP_HLEN;
		ck_assert_uint_le(off + len, max);
		memcpy(out + off, (uint8_t *)ip + IP_HLEN, len);
		got += len;
		if (!(fo & IP_MF))
			total = off + len;
		(*nfrags)++;
		pkt_free(p);
	}
	return total;
}

static int
icmp_body(void *arg)
{
	static uint8_t f[2048], msg[4000], back[4000];
	struct icmphdr *ih = (struct icmphdr *)msg;
	struct pkt *p;
	struct iphdr *ip;
	size_t n, len = 3000, off, chunk;
	int nfrags, i;

	(void)arg;
	fake_up();
	learn_peer();
	/* A small ping. */
	memset(msg, 0, sizeof(msg));
	ih->type = ICMP_ECHO;
	ih->id = htons(0x1234);
	ih->seq = htons(7);
	memcpy(msg + 8, "abcdefgh", 8);
	ih->checksum = inet_fold(inet_sum(msg, 16, 0));
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_ICMP, 1, 0, msg, 16));
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(memcmp(p->data, peer_mac, 6), 0);
	ip = (struct iphdr *)(p->data + ETH_HLEN);
	ck_assert_uint_eq(ntohl(ip->saddr), US_IP);
	ck_assert_uint_eq(ntohl(ip->daddr), PEER_IP);
	ck_assert_int_eq(ip->protocol, IPPROTO_ICMP);
	ck_assert_int_eq(ntohs(ip->tot_len), IP_HLEN + 16);
	ih = (struct icmphdr *)((uint8_t *)ip + IP_HLEN);
	ck_assert_int_eq(ih->type, ICMP_ECHOREPLY);
	ck_assert_int_eq(ntohs(ih->id), 0x1234);
	ck_assert_int_eq(ntohs(ih->seq), 7);
	ck_assert_int_eq(memcmp((uint8_t *)ih + 8, "abcdefgh", 8), 0);
	ck_assert_int_eq(inet_fold(inet_sum(ih, 16, 0)), 0);
	pkt_free(p);
	ck_assert_uint_eq(net_stats.icmp_echo_replies, 1);
	/* A bad ICMP checksum: dropped, counted, unanswered. */
	ih = (struct icmphdr *)msg;
	ih->checksum ^= 0x100;
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_ICMP, 2, 0, msg, 16));
	ck_assert(wait_count(&net_stats.icmp_bad, 1));

	/* A 3000-byte ping in 512-byte fragments, last first. */
	ih->type = ICMP_ECHO;
	ih->seq = htons(8);
	ih->checksum = 0;
	for (i = 8; i < (int)len; i++)
		msg[i] = (uint8_t)(i * 13);
	ih->checksum = inet_fold(inet_sum(msg, len, 0));
	chunk = 512;
	for (off = (len - 1) / chunk * chunk;; off -= chunk) {
		n = MIN(chunk, len - off);
		inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_ICMP, 99,
		    (uint16_t)((off / 8) | (off + n < len ? IP_MF : 0)),
		    msg + off, n));
		if (off == 0)
			break;
	}
	n = collect(back, sizeof(back), &nfrags);
	ck_assert_uint_eq(n, len);
	ck_assert_int_ge(nfrags, 6);	/* 3000 bytes through MTU 576 */
	ck_assert_int_eq(back[0], ICMP_ECHOREPLY);
	ck_assert_int_eq(memcmp(back + 4, msg + 4, len - 4), 0);
	ck_assert_int_eq(inet_fold(inet_sum(back, len, 0)), 0);
	ck_assert_uint_ge(net_stats.ip_frag_reasm, 1);
	ck_assert_uint_eq(net_stats.icmp_echo_replies, 2);
	/* An unknown protocol: ICMP protocol unreachable. */
	inject(f, ip_frame(f, PEER_IP, US_IP, 200, 3, 0, "xxxxxxxx", 8));
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ip = (struct iphdr *)(p->data + ETH_HLEN);
	ih = (struct icmphdr *)((uint8_t *)ip + IP_HLEN);
	ck_assert_int_eq(ih->type, ICMP_DEST_UNREACH);
	ck_assert_int_eq(ih->code, ICMP_PROT_UNREACH);
	pkt_free(p);
	ck_assert_uint_ge(net_stats.ip_no_proto, 1);
	/* A datagram to a closed port: ICMP port unreachable quoting it. */
	n = udp_build(msg, 4444, 5555, "nobody", 6);
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 4, 0, msg, n));
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ip = (struct iphdr *)(p->data + ETH_HLEN);
	ih = (struct icmphdr *)((uint8_t *)ip + IP_HLEN);
	ck_assert_int_eq(ih->type, ICMP_DEST_UNREACH);
	ck_assert_int_eq(ih->code, ICMP_PORT_UNREACH);
	ck_assert_int_eq((((uint8_t *)ih)[8 + IP_HLEN + 2] << 8 | ((uint8_t *)ih)[8 + IP_HLEN + 3]),
	    5555);
	pkt_free(p);
	/* A flood to closed ports: the errors are rate limited. */
	{
		uint64_t before = net_stats.icmp_errors_out;
		uint64_t seen = net_stats.udp_no_port + 300;

		for (i = 0; i < 300; i++) {
			n = udp_build(msg, 4444, 5556, "flood", 5);
			inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP,
			    (uint16_t)(100 + i), 0, msg, n));
		}
		ck_assert(wait_count(&net_stats.udp_no_port, seen));
		ck_assert_uint_lt(net_stats.icmp_errors_out - before, 200);
		ck_assert_uint_ge(net_stats.icmp_errors_out - before, 1);
		while ((p = next_frame()) != NULL)
			pkt_free(p);
	}
	return 0;
}

START_TEST(test_icmp)
{
	sys_run(icmp_body);
}
END_TEST

/* UDP to the peer in fragments, reflected back and reassembled. */
static int
frag_body(void *arg)
{
	static uint8_t pat[20000], got[20000];
	struct ksockaddr_in from;
	uaddr_t u = umem(68 * 1024), v = umem(68 * 1024), fu = umem(PG);
	int a = udp_sock(), b = udp_sock(), i;
	size_t len = 20000;
	uint64_t reasm;

	(void)arg;
	fake_up();
	learn_peer();
	for (i = 0; i < (int)len; i++)
		pat[i] = (uint8_t)(i ^ (i >> 7));
	ck_assert_int_eq(copyout(u, pat, len), 0);
	ck_assert_int_eq(sys(SYS_bind, b, sin_addr(US_IP, 9100), 16), 0);
	ck_assert_int_eq(sys(SYS_bind, a, sin_addr(0, 9101), 16), 0);
	reflect = true;
	reasm = net_stats.ip_frag_reasm;
	/* Out as 10.0.0.1:9101 -> 10.0.0.2:9100; back 10.0.0.2 -> us. */
	ck_assert_int_eq(sys(SYS_sendto, a, u, len, 0, sin_addr(PEER_IP, 9100),
	    16), (long)len);
	poke32(fu + 64, 16);
	ck_assert_int_eq(sys(SYS_recvfrom, b, v, 68 * 1024, 0, fu, fu + 64),
	    (long)len);
	ck_assert_int_eq(copyin(got, v, len), 0);
	ck_assert_int_eq(memcmp(got, pat, len), 0);
	ck_assert_int_eq(copyin(&from, fu, sizeof(from)), 0);
	ck_assert_uint_eq(ntohl(from.sin_addr), PEER_IP);
	ck_assert_uint_eq(ntohs(from.sin_port), 9101);
	ck_assert_uint_eq(net_stats.ip_frag_reasm, reasm + 1);
	/* DF-style refusal is ip_output's; a 64 KiB datagram fragments too. */
	ck_assert_int_eq(sys(SYS_sendto, a, u, 65507, 0,
	    sin_addr(PEER_IP, 9100), 16), 65507);
	ck_assert_int_eq(sys(SYS_recvfrom, b, v, 32 * 1024, K_MSG_TRUNC, 0, 0),
	    65507);
	reflect = false;
	check_no_overruns();
	return 0;
}

START_TEST(test_fragmentation)
{
	sys_run(frag_body);
}
END_TEST

/* Reassembly of hand-built fragments: the good and the hostile. */
static int
reasm_body(void *arg)
{
	static uint8_t f[2048], dg[1200], big[1600];
	uaddr_t v = umem(PG);
	int fd = udp_sock();
	size_t n;
	uint64_t dropped;
	char buf[2048];

	(void)arg;
	fake_up();
	ipfrag_timeout_ns = 400 * MS;
	ck_assert_int_eq(sys(SYS_bind, fd, sin_addr(US_IP, 9200), 16), 0);
	memset(buf, 'q', sizeof(buf));
	n = udp_build(dg, 1, 9200, buf, 1000);	/* 1008 bytes */
	/* In order with a duplicate in the middle: delivered once. */
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 10, IP_MF, dg, 504));
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 10, IP_MF, dg, 504));
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 10, 504 / 8,
	    dg + 504, n - 504));
	ck_assert_int_eq(sys(SYS_recvfrom, fd, v, PG, 0, 0, 0), 1000);
	ck_assert_int_eq(ip_frag_queues(), 0);

	/* Overlap (not an exact duplicate): the datagram is dropped. */
	dropped = net_stats.ip_frag_dropped;
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 11, IP_MF, dg, 504));
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 11, 496 / 8,
	    dg + 496, n - 496));
	ck_assert(wait_count(&net_stats.ip_frag_dropped, dropped + 1));
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 11, 504 / 8,
	    dg + 504, n - 504));
	thread_sleep_ns(20 * MS);
	ck_assert_int_eq(sys(SYS_recvfrom, fd, v, PG, K_MSG_DONTWAIT, 0, 0),
	    -EAGAIN);
	ck_assert_int_eq(ip_frag_queues(), 1);	/* the late tail waits */

	/* Past 64 KiB: the offset 65528 with 16 bytes. */
	dropped = net_stats.ip_frag_dropped;
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 12, 65528 / 8,
	    big, 16));
	ck_assert(wait_count(&net_stats.ip_frag_dropped, dropped + 1));
	/* A middle fragment not a multiple of 8 bytes. */
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 13, IP_MF, big, 13));
	ck_assert(wait_count(&net_stats.ip_frag_dropped, dropped + 2));
	/* Two last fragments that disagree about the end. */
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 14, 64, big, 8));
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 14, 128, big, 8));
	ck_assert(wait_count(&net_stats.ip_frag_dropped, dropped + 3));

	/* The timeout drops what never completes. */
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 15, IP_MF, dg, 504));
	thread_sleep_ns(2500 * MS);
	ck_assert_int_eq(ip_frag_queues(), 0);
	/* At most 32 datagrams in reassembly: the rest are dropped. */
	dropped = net_stats.ip_frag_dropped;
	for (n = 0; n < 40; n++)
		inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP,
		    (uint16_t)(200 + n), IP_MF, dg, 8));
	ck_assert(wait_count(&net_stats.ip_frag_dropped, dropped + 8));
	ck_assert_int_eq(ip_frag_queues(), 32);
	return 0;
}

START_TEST(test_reassembly)
{
	sys_run(reasm_body);
}
END_TEST

/* Malformed frames of every layer: dropped, counted, nothing breaks. */
static int
malformed_body(void *arg)
{
	static uint8_t f[2048], dg[64];
	struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);
	struct net_stats s0 = net_stats;
	uaddr_t v = umem(PG);
	int fd = udp_sock();
	size_t n;

	(void)arg;
	fake_up();
	ck_assert_int_eq(sys(SYS_bind, fd, sin_addr(US_IP, 9300), 16), 0);
	/* Truncated Ethernet header. */
	eth_hdr(f, our_mac, peer_mac, ETH_P_IP);
	inject(f, 10);
	ck_assert(wait_count(&net_stats.eth_short, s0.eth_short + 1));
	/* Unknown ethertype; a frame for another MAC. */
	eth_hdr(f, our_mac, peer_mac, 0x86dd);
	inject(f, 60);
	ck_assert(wait_count(&net_stats.eth_unknown_type,
	    s0.eth_unknown_type + 1));
	eth_hdr(f, peer_mac, peer_mac, ETH_P_IP);
	inject(f, 60);
	ck_assert(wait_count(&fake.stats.rx_dropped, 1));
	/* Truncated IP header. */
	n = udp_build(dg, 1, 9300, "ok", 2);
	ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n);
	inject(f, ETH_HLEN + 12);
	ck_assert(wait_count(&net_stats.ip_bad_len, s0.ip_bad_len + 1));
	/* Version 6 in an IPv4 frame; IHL 4. */
	ip->ver_ihl = 0x65;
	inject(f, ETH_HLEN + IP_HLEN + n);
	ip->ver_ihl = 0x44;
	inject(f, ETH_HLEN + IP_HLEN + n);
	ck_assert(wait_count(&net_stats.ip_bad_header,
	    s0.ip_bad_header + 2));
	/* IHL beyond the frame (15 words, 28 bytes there). */
	ip->ver_ihl = 0x4f;
	inject(f, ETH_HLEN + 28);
	ck_assert(wait_count(&net_stats.ip_bad_len, s0.ip_bad_len + 2));
	/* Bad header checksum. */
	ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n);
	ip->check ^= 0x1;
	inject(f, ETH_HLEN + IP_HLEN + n);
	ck_assert(wait_count(&net_stats.ip_bad_csum, s0.ip_bad_csum + 1));
	/* Total length beyond the frame; below the header. */
	ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n);
	inject(f, ETH_HLEN + IP_HLEN + n - 4);
	ip->tot_len = htons(12);
	ip->check = 0;
	ip->check = inet_fold(inet_sum(ip, IP_HLEN, 0));
	inject(f, ETH_HLEN + IP_HLEN + n);
	ck_assert(wait_count(&net_stats.ip_bad_len, s0.ip_bad_len + 4));
	/* Not for us. */
	inject(f, ip_frame(f, PEER_IP, 0x0a000063u, IPPROTO_UDP, 1, 0, dg, n));
	ck_assert(wait_count(&net_stats.ip_not_ours, s0.ip_not_ours + 1));
	/* UDP: short header, a length past the datagram, bad checksum. */
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, 6));
	dg[5] = 200;
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n));
	dg[5] = 4;
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n));
	ck_assert(wait_count(&net_stats.udp_bad, s0.udp_bad + 3));
	n = udp_build(dg, 1, 9300, "ok", 2);
	dg[8] ^= 0xff;
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n));
	ck_assert(wait_count(&net_stats.udp_bad_csum, s0.udp_bad_csum + 1));
	ck_assert_int_eq(sys(SYS_recvfrom, fd, v, PG, K_MSG_DONTWAIT, 0, 0),
	    -EAGAIN);
	/* IP options are skipped (IHL 6: one NOP word). */
	n = udp_build(dg, 1, 9300, "opt", 3);
	ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n);
	memmove(f + ETH_HLEN + 24, f + ETH_HLEN + IP_HLEN, n);
	memset(f + ETH_HLEN + IP_HLEN, 1, 4);
	ip->ver_ihl = 0x46;
	ip->tot_len = htons((uint16_t)(24 + n));
	ip->check = 0;
	ip->check = inet_fold(inet_sum(ip, 24, 0));
	inject(f, ETH_HLEN + 24 + n);
	ck_assert_int_eq(sys(SYS_recvfrom, fd, v, PG, 0, 0, 0), 3);
	/* A zero checksum means none: accepted. */
	n = udp_build(dg, 1, 9300, "ok", 2);
	dg[6] = dg[7] = 0;
	inject(f, ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n));
	/* Ethernet padding after the datagram is cut off. */
	n = udp_build(dg, 1, 9300, "pad", 3);
	memset(f, 0, sizeof(f));
	ip_frame(f, PEER_IP, US_IP, IPPROTO_UDP, 1, 0, dg, n);
	inject(f, 60 + 20);
	ck_assert_int_eq(sys(SYS_recvfrom, fd, v, PG, 0, 0, 0), 2);
	ck_assert_int_eq(sys(SYS_recvfrom, fd, v, PG, 0, 0, 0), 3);
	/* Random garbage of many lengths: never a crash. */
	{
		uint32_t seed = 1;
		int i, j;

		for (i = 0; i < 500; i++) {
			n = (size_t)(i % 120);
			eth_hdr(f, our_mac, peer_mac, i & 1 ? ETH_P_IP :
			    ETH_P_ARP);
			for (j = ETH_HLEN; j < (int)n; j++) {
				seed = seed * 1103515245u + 12345u;
				f[j] = (uint8_t)(seed >> 16);
			}
			if (n > ETH_HLEN)
				f[ETH_HLEN] = (uint8_t)(0x45 + (i % 3));
			inject(f, n);
		}
	}
	thread_sleep_ns(50 * MS);
	ck_assert_uint_ge(net_stats.ip_in, s0.ip_in + 10);
	return 0;
}

START_TEST(test_malformed)
{
	sys_run(malformed_body);
}
END_TEST

/* Longest prefix match, a default gateway, and DF refusing to split. */
static int
route_body(void *arg)
{
	struct route rt;
	struct iphdr *ip;
	struct pkt *p;
	int fd = udp_sock();

	(void)arg;
	fake_up();
	ck_assert_int_eq(ip_route(htonl(0x08080808u), &rt), -ENETUNREACH);
	ck_assert_int_eq(send_to(fd, "x", 0x08080808u, 53), -ENETUNREACH);
	ck_assert_int_eq(route_add(0, 0, htonl(PEER_IP), &fake), 0);
	ck_assert_int_eq(route_add(htonl(0xc0a80000u), 16, htonl(GHOST_IP),
	    &fake), 0);
	ck_assert_int_eq(route_add(0, 33, 0, &fake), -EINVAL);
	ck_assert_int_eq(ip_route(htonl(0x08080808u), &rt), 0);
	ck_assert_ptr_eq(rt.dev, &fake);
	ck_assert_uint_eq(rt.nexthop, htonl(PEER_IP));
	ck_assert_uint_eq(rt.src, htonl(US_IP));
	ck_assert_uint_eq(rt.mtu, 576);
	ck_assert_int_eq(ip_route(htonl(0xc0a80101u), &rt), 0);
	ck_assert_uint_eq(rt.nexthop, htonl(GHOST_IP));
	/* On the subnet: the destination itself. */
	ck_assert_int_eq(ip_route(htonl(0x0a000042u), &rt), 0);
	ck_assert_uint_eq(rt.nexthop, htonl(0x0a000042u));
	/* A new address replaces the old subnet's route. */
	ck_assert_int_eq(netdev_set_addr(&fake, htonl(0x0b000001u), 8), 0);
	ck_assert_int_eq(ip_route(htonl(0x0a000042u), &rt), 0);
	ck_assert_uint_eq(rt.nexthop, htonl(PEER_IP));	/* the default */
	ck_assert_int_eq(ip_route(htonl(0x0b0000aau), &rt), 0);
	ck_assert_uint_eq(rt.nexthop, htonl(0x0b0000aau));
	ck_assert_int_eq(netdev_set_addr(&fake, htonl(US_IP), 24), 0);
	/* Our own address goes through lo. */
	ck_assert_int_eq(ip_route(htonl(US_IP), &rt), 0);
	ck_assert_ptr_eq(rt.dev, netdev_loopback);
	/* Off-link traffic goes to the gateway's MAC. */
	learn_peer();
	ck_assert_int_eq(send_to(fd, "far", 0x08080808u, 53), 3);
	p = next_frame();
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(memcmp(p->data, peer_mac, 6), 0);
	ip = (struct iphdr *)(p->data + ETH_HLEN);
	ck_assert_uint_eq(ntohl(ip->daddr), 0x08080808u);
	ck_assert_int_eq(ip->ttl, 64);
	pkt_free(p);
	/* DF and too big for the MTU: EMSGSIZE, nothing sent. */
	{
		struct ip_opts o = { 0, 0, true };

		p = pkt_alloc(PKT_HEADROOM, 1000);
		memset(p->data, 0, 1000);
		ck_assert_int_eq(ip_output(p, 0, htonl(PEER_IP), 200, &o),
		    -EMSGSIZE);
		p = pkt_alloc(PKT_HEADROOM, 100);
		memset(p->data, 0, 100);
		o.ttl = 9;
		ck_assert_int_eq(ip_output(p, 0, htonl(PEER_IP), 200, &o), 0);
		p = next_frame();
		ck_assert_ptr_nonnull(p);
		ip = (struct iphdr *)(p->data + ETH_HLEN);
		ck_assert_int_eq(ntohs(ip->frag_off), IP_DF);
		ck_assert_int_eq(ip->ttl, 9);
		pkt_free(p);
	}
	ck_assert_int_eq(ncaptured, 0);
	return 0;
}

/* A subnet broadcast reaches every socket on its port. */
static int
bcast_body(void *arg)
{
	static uint8_t f[256], dg[64];
	uaddr_t v = umem(PG);
	int a = udp_sock(), b = udp_sock(), c = udp_sock();
	size_t n;

	(void)arg;
	fake_up();
	ck_assert_int_eq(setopt_int_on(a, SO_REUSEADDR), 0);
	ck_assert_int_eq(setopt_int_on(b, SO_REUSEADDR), 0);
	ck_assert_int_eq(sys(SYS_bind, a, sin_addr(0, 7900), 16), 0);
	ck_assert_int_eq(sys(SYS_bind, b, sin_addr(0, 7900), 16), 0);
	ck_assert_int_eq(sys(SYS_bind, c, sin_addr(0, 7901), 16), 0);
	n = udp_build(dg, 1, 7900, "all", 3);
	/* udp_build summed for US_IP: redo the sum for the broadcast. */
	dg[6] = dg[7] = 0;
	inject(f, ip_frame(f, PEER_IP, 0x0a0000ffu, IPPROTO_UDP, 1, 0, dg, n));
	ck_assert_int_eq(sys(SYS_recvfrom, a, v, PG, 0, 0, 0), 3);
	ck_assert_int_eq(sys(SYS_recvfrom, b, v, PG, 0, 0, 0), 3);
	ck_assert_int_eq(sys(SYS_recvfrom, c, v, PG, K_MSG_DONTWAIT, 0, 0),
	    -EAGAIN);
	/* Nobody on the port: no ICMP error about a broadcast. */
	n = udp_build(dg, 1, 7999, "void", 4);
	dg[6] = dg[7] = 0;
	inject(f, ip_frame(f, PEER_IP, 0xffffffffu, IPPROTO_UDP, 2, 0, dg, n));
	thread_sleep_ns(50 * MS);
	ck_assert_int_eq(ncaptured, 0);
	return 0;
}

START_TEST(test_broadcast)
{
	sys_run(bcast_body);
}
END_TEST

START_TEST(test_route)
{
	sys_run(route_body);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_route);
	tcase_add_test(tc, test_broadcast);
	tcase_add_test(tc, test_arp);
	tcase_add_test(tc, test_icmp);
	tcase_add_test(tc, test_fragmentation);
	tcase_add_test(tc, test_reassembly);
	tcase_add_test(tc, test_malformed);
}

int
main(void)
{
	return run_suite("net_eth", add_tests);
}
