/*
 * ICMP (RFC 792, RFC 1122 section 3.2.2): echo replies, and errors in
 * both directions.
 *
 * In: an echo request is answered with the same identifier, sequence
 * and data (a large ping arrives reassembled and its reply leaves in
 * fragments through ip_output).  An error quotes the IP header and at
 * least 8 bytes of a datagram this host sent; the quoted protocol's
 * handler turns it into a socket error.
 *
 * Out: errors about a received datagram, never about an ICMP error, a
 * broadcast, a fragment other than the first, or a datagram from no
 * one (RFC 1122 3.2.2).  They are rate limited with a token bucket
 * (ICMP_RATE a second, bursts of ICMP_BURST), except to this host's
 * own addresses, as Linux exempts loopback: a local sender learns of a
 * closed port at once.
 */
#include "contract/clock.h"
#include "lib/string.h"
#include "net/inet.h"
#include "net/pkt.h"
#include "proc/spinlock.h"
#include "inet_internal.h"

#define ICMP_RATE	1000	/* errors a second */
#define ICMP_BURST	50
#define ICMP_QUOTE_MAX	(576 - IP_HLEN - 8)	/* RFC 1812 4.3.2.3 */

#ifndef EPROTO
#define EPROTO		71
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP	95
#endif

static struct spinlock icmp_rate_lock = SPINLOCK_INIT("icmp-rate");
static uint64_t icmp_tokens = ICMP_BURST;	/* [icmp_rate_lock] */
static uint64_t icmp_stamp;			/* [icmp_rate_lock] */

int
icmp_errno(int type, int code)
{
	if (type == ICMP_TIME_EXCEEDED)
		return EHOSTUNREACH;
	if (type == ICMP_PARAMETERPROB)
		return EPROTO;
	if (type != ICMP_DEST_UNREACH)
		return 0;
	switch (code) {
	case ICMP_NET_UNREACH:
	case 6: case 9: case 11:
		return ENETUNREACH;
	case ICMP_PROT_UNREACH:
		return ENOPROTOOPT;
	case ICMP_PORT_UNREACH:
		return ECONNREFUSED;
	case ICMP_FRAG_NEEDED:
		return EMSGSIZE;
	case 5:
		return EOPNOTSUPP;
	case 7:
		return EHOSTDOWN;
	default:
		return EHOSTUNREACH;
	}
}

/* May an error go out now?  Takes a token (see the essay). */
static bool
icmp_rate_allow(uint32_t dst)
{
	uint64_t now = clock_ns(), add;
	bool ok;

	if (inet_addr_local(dst))
		return true;
	spin_lock(&icmp_rate_lock);
	add = (now - icmp_stamp) / (1000000000ull / ICMP_RATE);
	if (add > 0) {
		icmp_tokens = icmp_tokens + add > ICMP_BURST ? ICMP_BURST :
		    icmp_tokens + add;
		icmp_stamp = now;
	}
	ok = icmp_tokens > 0;
	if (ok)
		icmp_tokens--;
	spin_unlock(&icmp_rate_lock);
	return ok;
}

void
icmp_send_error(struct pkt *p, int type, int code)
{
	const uint8_t *l3 = pkt_l3(p);
	const struct iphdr *ip = (const struct iphdr *)l3;
	size_t avail = (size_t)(p->data + p->len - l3), n, hlen;
	struct icmphdr *ih;
	struct pkt *q;
	uint32_t src;

	if (avail < IP_HLEN)
		return;
	hlen = (size_t)(ip->ver_ihl & 0xf) * 4;
	n = ntohs(ip->tot_len);
	if (n > avail)
		n = avail;
	if (hlen < IP_HLEN || n < hlen)
		return;
	if (ntohs(ip->frag_off) & IP_OFFMASK)
		return;
	if (ip->saddr == 0 || inet_addr_broadcast(ip->saddr) ||
	    (ntohl(ip->saddr) >> 28) == 0xe || inet_addr_broadcast(ip->daddr) ||
	    (ntohl(ip->daddr) >> 28) == 0xe)
		return;
	if (ip->protocol == IPPROTO_ICMP) {
		/* Never an error about an error (only echo and its reply). */
		if (n < hlen + 1 || (l3[hlen] != ICMP_ECHO &&
		    l3[hlen] != ICMP_ECHOREPLY))
			return;
	}
	if (!icmp_rate_allow(ip->saddr))
		return;
	if (n > ICMP_QUOTE_MAX)
		n = ICMP_QUOTE_MAX;
	q = pkt_alloc(PKT_HEADROOM, sizeof(*ih) + n);
	if (q == NULL)
		return;
	ih = (struct icmphdr *)q->data;
	memset(ih, 0, sizeof(*ih));
	ih->type = (uint8_t)type;
	ih->code = (uint8_t)code;
	memcpy(q->data + sizeof(*ih), l3, n);
	ih->checksum = inet_fold(inet_sum(q->data, q->len, 0));
	src = inet_addr_local(ip->daddr) ? ip->daddr : 0;
	NET_COUNT(icmp_errors_out);
	ip_output(q, src, ip->saddr, IPPROTO_ICMP, NULL);
}

/* Answer the echo request p (p->data at its ICMP header). */
static void
icmp_echo(struct pkt *p)
{
	const struct iphdr *ip = (const struct iphdr *)pkt_l3(p);
	struct icmphdr *ih;
	struct pkt *r;

	if (inet_addr_broadcast(ip->daddr) || (ntohl(ip->daddr) >> 28) == 0xe)
		return;
	r = pkt_alloc(PKT_HEADROOM, p->len);
	if (r == NULL)
		return;
	memcpy(r->data, p->data, p->len);
	ih = (struct icmphdr *)r->data;
	ih->type = ICMP_ECHOREPLY;
	ih->code = 0;
	ih->checksum = 0;
	ih->checksum = inet_fold(inet_sum(r->data, r->len, 0));
	NET_COUNT(icmp_echo_replies);
	ip_output(r, ip->daddr, ip->saddr, IPPROTO_ICMP, NULL);
}

/* Hand the error p quotes to the protocol that sent the datagram. */
static void
icmp_error_in(struct pkt *p, int type, int code)
{
	const uint8_t *inner = p->data + sizeof(struct icmphdr);
	size_t len = p->len - sizeof(struct icmphdr), hlen;

	if (len < IP_HLEN || (inner[0] >> 4) != 4) {
		NET_COUNT(icmp_bad);
		return;
	}
	hlen = (size_t)(inner[0] & 0xf) * 4;
	if (hlen < IP_HLEN || len < hlen + 8) {
		NET_COUNT(icmp_bad);
		return;
	}
	if (inner[9] == IPPROTO_UDP)
		udp_icmp_error(inner, len, type, code);
	else if (inner[9] == IPPROTO_TCP)
		tcp_icmp_error(inner, len, type, code);
}

void
icmp_input(struct pkt *p)
{
	struct icmphdr *ih = (struct icmphdr *)p->data;

	NET_COUNT(icmp_in);
	if (p->len < sizeof(*ih) || (p->csum != PKT_CSUM_VERIFIED &&
	    inet_fold(inet_sum(p->data, p->len, 0)) != 0)) {
		NET_COUNT(icmp_bad);
		goto out;
	}
	switch (ih->type) {
	case ICMP_ECHO:
		icmp_echo(p);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		icmp_error_in(p, ih->type, ih->code);
		break;
	default:
		break;
	}
out:
	pkt_free(p);
}
