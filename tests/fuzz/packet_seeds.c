/*
 * The packet fuzzer's seeds (tests/fuzz/packet-seeds/), built here from
 * well-formed frames so that each is easy to read and to regenerate
 * (`fuzz-packet-replay --make-seeds DIR`):
 *
 *	arp		a request for our address, a reply, a malformed one
 *	ping		ARP, an echo request, a fragmented one (2 pieces)
 *	udp		a datagram to the echo port, one to a closed port
 *	tcp		SYN (MSS, SACK-permitted, timestamps, window scale),
 *			ACK, data, FIN, as a client's handshake and close
 *	tcp-rst		SYN to a closed port; a SYN then RST
 *	frag-overlap	overlapping and duplicate fragments
 *
 * Frames come from the peer (10.0.0.1, 02:00:00:00:00:01) to us; their
 * checksums are left to the records' PF_FIX_* flags.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "packet_fuzz.h"

struct seed {
	uint8_t buf[16384];
	size_t len;
};

static const uint8_t our_mac[6] = PF_OUR_MAC, peer_mac[6] = PF_PEER_MAC;

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Append a record: the frame f of len bytes with flags. */
static void
record(struct seed *s, const uint8_t *f, size_t len, unsigned flags)
{
	s->buf[s->len] = (uint8_t)len;
	s->buf[s->len + 1] = (uint8_t)(len >> 8);
	s->buf[s->len + 2] = (uint8_t)flags;
	memcpy(s->buf + s->len + PF_HDR, f, len);
	s->len += PF_HDR + len;
}

static size_t
eth(uint8_t *f, const uint8_t *dst, unsigned type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, type);
	return 14;
}

static size_t
arp(uint8_t *f, unsigned op, uint32_t tpa)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t n = eth(f, op == 1 ? bcast : our_mac, 0x0806);

	put16(f + n, 1);
	put16(f + n + 2, 0x0800);
	f[n + 4] = 6;
	f[n + 5] = 4;
	put16(f + n + 6, op);
	memcpy(f + n + 8, peer_mac, 6);
	put32(f + n + 14, PF_PEER_IP);
	memcpy(f + n + 18, op == 1 ? (const uint8_t *)"\0\0\0\0\0\0" :
	    our_mac, 6);
	put32(f + n + 24, tpa);
	return n + 28;
}

/* An IPv4 header for payload bytes of proto; frag is the flags+offset. */
static size_t
ipv4(uint8_t *f, unsigned proto, size_t payload, unsigned id, unsigned frag)
{
	size_t n = eth(f, our_mac, 0x0800);

	f[n] = 0x45;
	f[n + 1] = 0;
	put16(f + n + 2, (unsigned)(20 + payload));
	put16(f + n + 4, id);
	put16(f + n + 6, frag);
	f[n + 8] = 64;
	f[n + 9] = (uint8_t)proto;
	put16(f + n + 10, 0);
	put32(f + n + 12, PF_PEER_IP);
	put32(f + n + 16, PF_OUR_IP);
	return n + 20;
}

static size_t
icmp_echo(uint8_t *f, size_t data, unsigned id, unsigned frag)
{
	size_t n = ipv4(f, 1, 8 + data, id, frag), i;

	f[n] = 8;
	f[n + 1] = 0;
	put16(f + n + 2, 0);
	put16(f + n + 4, 0x1234);
	put16(f + n + 6, 1);
	for (i = 0; i < data; i++)
		f[n + 8 + i] = (uint8_t)i;
	return n + 8 + data;
}

static size_t
udp(uint8_t *f, unsigned dport, const char *msg)
{
	size_t len = strlen(msg), n = ipv4(f, 17, 8 + len, 7, 0x4000);

	put16(f + n, 40000);
	put16(f + n + 2, dport);
	put16(f + n + 4, (unsigned)(8 + len));
	put16(f + n + 6, 0);
	memcpy(f + n + 8, msg, len);
	return n + 8 + len;
}

/* A TCP segment from port 40001 with flags, seq, and optional data. */
static size_t
tcp(uint8_t *f, unsigned dport, unsigned flags, uint32_t seq, bool opts,
    const char *data)
{
	size_t dl = data ? strlen(data) : 0, hl = opts ? 40 : 20;
	size_t n = ipv4(f, 6, hl + dl, 9, 0x4000);
	uint8_t *t = f + n;

	memset(t, 0, hl);
	put16(t, 40001);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, 0);		/* PF_FIX_ACK fills it */
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = (uint8_t)flags;
	put16(t + 14, 65535);
	if (opts) {
		/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7 */
		static const uint8_t o[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10,
		    0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
		memcpy(t + 20, o, sizeof(o));
	}
	if (dl)
		memcpy(t + hl, data, dl);
	return n + hl + dl;
}

#define FIX	(PF_FIX_IP | PF_FIX_L4)
#define SYN	0x02
#define ACK	0x10
#define PSH	0x08
#define FIN	0x01
#define RST	0x04

static int
write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(s->buf, 1, s->len, f) !=
	    s->len || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		return -1;
	}
	return 0;
}

int
pf_make_seeds(const char *dir)
{
	static struct seed s;
	uint8_t f[PF_FRAME_MAX];
	size_t n;
	int count = 0;

	memset(&s, 0, sizeof(s));
	record(&s, f, arp(f, 1, PF_OUR_IP), 0);
	record(&s, f, arp(f, 2, PF_OUR_IP), 0);
	n = arp(f, 1, PF_OUR_IP);
	f[14 + 4] = 5;				/* a bad hardware length */
	record(&s, f, n, 0);
	count += write_seed(dir, "arp", &s) == 0;

	memset(&s, 0, sizeof(s));
	record(&s, f, arp(f, 2, PF_OUR_IP), 0);
	record(&s, f, icmp_echo(f, 56, 1, 0), FIX);
	/* 1200 data bytes in two fragments: 8 + 592, then 600. */
	n = icmp_echo(f, 1200, 2, 0);
	{
		uint8_t whole[PF_FRAME_MAX], part[PF_FRAME_MAX];
		size_t hdr = 34, first = 600;

		pf_fix(f, n, PF_FIX_L4, 0);	/* the sum over the whole */
		memcpy(whole, f, n);
		memcpy(part, whole, hdr + first);
		put16(part + 16, (unsigned)(20 + first));
		put16(part + 20, 0x2000);	/* MF, offset 0 */
		record(&s, part, hdr + first, PF_FIX_IP);
		memcpy(part, whole, hdr);
		memcpy(part + hdr, whole + hdr + first, n - hdr - first);
		put16(part + 16, (unsigned)(20 + n - hdr - first));
		put16(part + 20, first / 8);
		record(&s, part, n - first, PF_FIX_IP);
	}
	count += write_seed(dir, "ping", &s) == 0;

	memset(&s, 0, sizeof(s));
	record(&s, f, arp(f, 2, PF_OUR_IP), 0);
	record(&s, f, udp(f, PF_UDP_PORT, "hello, echo"), FIX);
	record(&s, f, udp(f, 9999, "nobody home"), FIX);
	count += write_seed(dir, "udp", &s) == 0;

	memset(&s, 0, sizeof(s));
	record(&s, f, arp(f, 2, PF_OUR_IP), 0);
	record(&s, f, tcp(f, PF_TCP_PORT, SYN, 1000, true, NULL), FIX);
	record(&s, f, tcp(f, PF_TCP_PORT, ACK, 1001, false, NULL),
	    FIX | PF_FIX_ACK);
	record(&s, f, tcp(f, PF_TCP_PORT, ACK | PSH, 1001, false,
	    "GET / HTTP/1.0\r\n\r\n"), FIX | PF_FIX_ACK);
	record(&s, f, tcp(f, PF_TCP_PORT, ACK, 1019, false, NULL),
	    FIX | PF_FIX_ACK | 3 << PF_SLEEP_SHIFT);
	record(&s, f, tcp(f, PF_TCP_PORT, ACK | FIN, 1019, false, NULL),
	    FIX | PF_FIX_ACK);
	record(&s, f, tcp(f, PF_TCP_PORT, ACK, 1020, false, NULL),
	    FIX | PF_FIX_ACK);
	count += write_seed(dir, "tcp", &s) == 0;

	memset(&s, 0, sizeof(s));
	record(&s, f, arp(f, 2, PF_OUR_IP), 0);
	record(&s, f, tcp(f, 81, SYN, 5000, false, NULL), FIX);
	record(&s, f, tcp(f, PF_TCP_PORT, SYN, 7000, true, NULL), FIX);
	record(&s, f, tcp(f, PF_TCP_PORT, RST, 7001, false, NULL), FIX);
	count += write_seed(dir, "tcp-rst", &s) == 0;

	memset(&s, 0, sizeof(s));
	record(&s, f, arp(f, 2, PF_OUR_IP), 0);
	n = udp(f, PF_UDP_PORT, "0123456789abcdef0123456789abcdef");
	put16(f + 20, 0x2000);				/* MF, offset 0 */
	record(&s, f, n, PF_FIX_IP);
	put16(f + 20, 0x0002);				/* offset 16, overlaps */
	record(&s, f, n, PF_FIX_IP);
	put16(f + 20, 0x0002);				/* a duplicate */
	record(&s, f, n, PF_FIX_IP);
	count += write_seed(dir, "frag-overlap", &s) == 0;
	return count;
}
