/*
 * IPv4: the Internet checksum, input checks and dispatch by protocol,
 * output with fragmentation (RFC 791, RFC 1122 section 3.2).
 *
 * Input trusts nothing: a frame shorter than its headers, a header with
 * a bad version, length or checksum, or a total length beyond the frame
 * is dropped and counted (net_stats).  Options are skipped, not
 * interpreted.  A host does not discard a datagram for a low TTL (RFC
 * 1122 3.2.1.7): the TTL matters to routers, and this stack does not
 * forward, so a datagram not addressed to this host is dropped and
 * counted as ip_not_ours.
 *
 * Output routes, builds the header and, when the packet exceeds the
 * route's MTU, cuts it into fragments of a multiple of 8 bytes, each a
 * new packet with its own copy of the header (unless DF, which fails
 * with EMSGSIZE as Linux's does for a datagram socket).
 */
#include "kern/errno.h"
#include "lib/string.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "inet_internal.h"

static uint16_t ip_next_id;	/* atomic */

uint32_t
inet_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
inet_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

uint32_t
inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len_h)
{
	uint32_t s = 0;

	s = inet_sum(&src, 4, s);
	s = inet_sum(&dst, 4, s);
	return s + proto + len_h;
}

/* Hand a checked datagram (p->data at its IP header) to its protocol. */
static void
ip_deliver(struct pkt *p)
{
	struct iphdr *ip = (struct iphdr *)p->data;
	size_t hlen = (size_t)(ip->ver_ihl & 0xf) * 4;

	p->l3off = (uint16_t)(p->data - p->head);
	p->l4off = (uint16_t)(p->l3off + hlen);
	pkt_pull(p, hlen);
	switch (ip->protocol) {
	case IPPROTO_ICMP:
		icmp_input(p);
		break;
	case IPPROTO_UDP:
		udp_input(p);
		break;
	case IPPROTO_TCP:
		tcp_input(p);
		break;
	default:
		NET_COUNT(ip_no_proto);
		p->data = pkt_l3(p);
		p->len += hlen;
		if (!inet_addr_broadcast(ip->daddr))
			icmp_send_error(p, ICMP_DEST_UNREACH,
			    ICMP_PROT_UNREACH);
		pkt_free(p);
		break;
	}
}

void
ip_input(struct netdev *dev, struct pkt *p)
{
	struct iphdr *ip;
	size_t hlen, tot;

	NET_COUNT(ip_in);
	p->dev = dev;
	p->l3off = (uint16_t)(p->data - p->head);
	if (p->len < IP_HLEN) {
		NET_COUNT(ip_bad_len);
		goto drop;
	}
	ip = (struct iphdr *)p->data;
	hlen = (size_t)(ip->ver_ihl & 0xf) * 4;
	if ((ip->ver_ihl >> 4) != 4 || hlen < IP_HLEN) {
		NET_COUNT(ip_bad_header);
		goto drop;
	}
	if (hlen > p->len) {
		NET_COUNT(ip_bad_len);
		goto drop;
	}
	if (inet_fold(inet_sum(ip, hlen, 0)) != 0) {
		NET_COUNT(ip_bad_csum);
		goto drop;
	}
	tot = ntohs(ip->tot_len);
	if (tot < hlen || tot > p->len) {
		NET_COUNT(ip_bad_len);
		goto drop;
	}
	pkt_trim(p, tot);	/* Ethernet pads short frames */
	if (!inet_addr_local(ip->daddr) && !inet_addr_broadcast(ip->daddr)) {
		NET_COUNT(ip_not_ours);
		goto drop;
	}
	if (ntohs(ip->frag_off) & (IP_MF | IP_OFFMASK)) {
		p = ip_frag_input(p);
		if (p == NULL)
			return;
		NET_COUNT(ip_frag_reasm);
	}
	ip_deliver(p);
	return;
drop:
	pkt_free(p);
}

/* Prepend and fill an IP header to p for the given fields. */
static void
ip_build(struct pkt *p, uint32_t src, uint32_t dst, uint8_t proto,
    const struct ip_opts *o, uint16_t id, uint16_t frag_off)
{
	struct iphdr *ip = pkt_push(p, IP_HLEN);

	ip->ver_ihl = 0x45;
	ip->tos = o != NULL ? o->tos : 0;
	ip->tot_len = htons((uint16_t)p->len);
	ip->id = htons(id);
	ip->frag_off = htons(frag_off);
	ip->ttl = o != NULL && o->ttl != 0 ? o->ttl : 64;
	ip->protocol = proto;
	ip->check = 0;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = inet_fold(inet_sum(ip, IP_HLEN, 0));
}

/* Send p's payload as fragments of at most mtu bytes each; takes p. */
static int
ip_fragment(struct pkt *p, const struct route *rt, uint32_t src,
    uint32_t dst, uint8_t proto, const struct ip_opts *o, uint16_t id)
{
	size_t chunk = ((rt->mtu - IP_HLEN) & ~(size_t)7), off, n;
	struct pkt *f;
	int err = 0;

	if (rt->mtu < IP_HLEN + 8) {
		pkt_free(p);
		return -EMSGSIZE;
	}
	for (off = 0; off < p->len && err == 0; off += n) {
		n = p->len - off < chunk ? p->len - off : chunk;
		f = pkt_alloc(PKT_HEADROOM, n);
		if (f == NULL) {
			err = -ENOBUFS;
			break;
		}
		memcpy(f->data, p->data + off, n);
		f->csum = p->csum;
		ip_build(f, src, dst, proto, o, id, (uint16_t)((off >> 3) |
		    (off + n < p->len ? IP_MF : 0)));
		NET_COUNT(ip_out);
		err = ether_output(rt->dev, f, rt->nexthop);
	}
	pkt_free(p);
	return err;
}

int
ip_output(struct pkt *p, uint32_t src, uint32_t dst, uint8_t proto,
    const struct ip_opts *o)
{
	struct route rt;
	uint16_t id;

	if (ip_route(dst, &rt) != 0) {
		NET_COUNT(ip_no_route);
		pkt_free(p);
		return -ENETUNREACH;
	}
	if (src == 0)
		src = rt.src;
	if (p->len + IP_HLEN > IP_MAXPACKET) {
		pkt_free(p);
		return -EMSGSIZE;
	}
	id = __atomic_fetch_add(&ip_next_id, 1, __ATOMIC_RELAXED);
	if (p->len + IP_HLEN > rt.mtu) {
		if (o != NULL && o->df) {
			pkt_free(p);
			return -EMSGSIZE;
		}
		return ip_fragment(p, &rt, src, dst, proto, o, id);
	}
	ip_build(p, src, dst, proto, o, id, o != NULL && o->df ? IP_DF : 0);
	NET_COUNT(ip_out);
	return ether_output(rt.dev, p, rt.nexthop);
}
