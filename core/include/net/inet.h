/*
 * IPv4 and its transports, as the protocol modules see each other
 * (core/net: ether.c, arp.c, ip.c, route.c, icmp.c, udp.c, tcp_*.c,
 * inet.c).  Everything is in network byte order unless named _h.
 *
 * Receive: netdev_rx -> (netrx thread) ether_input -> arp_input or
 * ip_input, which checks, reassembles and delivers by protocol number
 * with p->data at the transport header: icmp_input, udp_input,
 * tcp_input.  A malformed frame is dropped and counted in net_stats
 * (the reason's own counter), never trusted.
 *
 * Send: a transport builds its header in front of the payload and calls
 * ip_output, which routes, prepends the IP header, fragments to the
 * device's MTU (unless DF) and hands the frame to ether_output, which
 * resolves the next hop with ARP (queueing the packet until a reply).
 *
 * The AF_INET family (inet.c) is one row of socket.c's family table; its
 * create() hands SOCK_DGRAM to udp_create and SOCK_STREAM to tcp_create.
 */
#ifndef NET_INET_H
#define NET_INET_H

#include "kern/types.h"
#include "net/socket.h"

/* Network errnos socket.h lacks, with Linux x86-64's values. */
#ifndef ENETDOWN
#define ENETDOWN	100
#endif
#ifndef ENETUNREACH
#define ENETUNREACH	101
#endif
#ifndef EHOSTDOWN
#define EHOSTDOWN	112
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH	113
#endif

#define IPPROTO_IP	0
#define IPPROTO_ICMP	1
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17

#define INADDR_ANY		0u
#define INADDR_LOOPBACK_H	0x7f000001u

struct pkt;
struct netdev;

/* struct sockaddr_in, as user space lays it out. */
struct ksockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port;
	uint32_t sin_addr;
	uint8_t sin_zero[8];
};

static inline uint16_t htons(uint16_t v) { return __builtin_bswap16(v); }
static inline uint16_t ntohs(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t htonl(uint32_t v) { return __builtin_bswap32(v); }
static inline uint32_t ntohl(uint32_t v) { return __builtin_bswap32(v); }

/* The Internet checksum (RFC 1071): fold sum + data into 16 bits. */
uint32_t inet_sum(const void *data, size_t len, uint32_t sum);
uint16_t inet_fold(uint32_t sum);	/* ~folded: the header's value */
/* The pseudo-header sum of TCP and UDP. */
uint32_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t len_h);

/*
 * Where a packet to dst goes: the device, the next hop (dst itself on a
 * connected subnet), the source address to use, the path MTU.
 * 0 or -ENETUNREACH.
 */
struct route {
	struct netdev *dev;
	uint32_t nexthop, src;
	unsigned mtu;
};
int ip_route(uint32_t dst, struct route *rt);
/* Add a route dst/prefix via gw (0: on-link) on dev: 0 or -errno. */
int route_add(uint32_t dst, unsigned prefix, uint32_t gw, struct netdev *dev);

/*
 * Send p (p->data = the transport header and payload) from src (0: the
 * route's) to dst with protocol proto; takes p.  df: don't fragment.
 * 0, or -ENETUNREACH, -EHOSTUNREACH, -EMSGSIZE (df and too large),
 * -ENOBUFS.
 */
struct ip_opts {
	uint8_t ttl;		/* 0: the default, 64 */
	uint8_t tos;
	bool df;
};
int ip_output(struct pkt *p, uint32_t src, uint32_t dst, uint8_t proto,
    const struct ip_opts *o);

/* Link layer: send an IP packet to nexthop on dev (ARP as needed). */
int ether_output(struct netdev *dev, struct pkt *p, uint32_t nexthop);
void ether_input(struct netdev *dev, struct pkt *p);
void arp_input(struct netdev *dev, struct pkt *p);
void ip_input(struct netdev *dev, struct pkt *p);

/*
 * Transport input, in the netrx thread: p->data at the transport header,
 * pkt_l3(p) the IP header; the handler owns p.
 */
void icmp_input(struct pkt *p);
void udp_input(struct pkt *p);
void tcp_input(struct pkt *p);
/*
 * An ICMP error (type, code) arrived about a packet this host sent;
 * inner is the quoted IP header and at least 8 bytes of its payload.
 * TCP and UDP turn it into a socket error (ECONNREFUSED for a port
 * unreachable, EHOSTUNREACH...) or a path-MTU change.
 */
void udp_icmp_error(const uint8_t *inner, size_t len, int type, int code);
void tcp_icmp_error(const uint8_t *inner, size_t len, int type, int code);
/* Send an ICMP error about the received packet p (not taken). */
void icmp_send_error(struct pkt *p, int type, int code);

/*
 * struct sockaddr_in in and out (inet.c): a's address and port (network
 * order), 0 or -EINVAL (short), -EAFNOSUPPORT (another family;
 * AF_UNSPEC passes when unspec_ok); and the address getname reports.
 */
int inet_addr_in(const struct ksockaddr *a, size_t len, bool unspec_ok,
    uint32_t *addr, uint16_t *port);
void inet_addr_out(struct ksockaddr *a, size_t *len, uint32_t addr,
    uint16_t port);
/* IPPROTO_IP-level options (IP_TOS, IP_TTL) kept in o: as setsockopt. */
#define IP_TOS		1
#define IP_TTL		2
#define IP_DEFAULT_TTL	64
int inet_ip_setsockopt(struct ip_opts *o, int name, const void *val,
    size_t len);
int inet_ip_getsockopt(const struct ip_opts *o, int name, void *val,
    size_t *len);
/* Root, as far as binding a port below 1024 and raw sockets go. */
bool inet_privileged(void);

/* The AF_INET socket constructors (inet.c dispatches to them). */
int udp_create(struct socket *so, int protocol);
int tcp_create(struct socket *so, int protocol);
extern const struct net_family inet_family;

/*
 * Why packets were dropped, counted (/proc/net/snmp-style, and the
 * packet fuzzer's assertions): each module adds its own fields here.
 */
struct net_stats {
	uint64_t eth_short, eth_unknown_type;
	uint64_t arp_bad, arp_requests, arp_replies;
	uint64_t ip_in, ip_bad_header, ip_bad_csum, ip_bad_len, ip_not_ours,
	    ip_frag_reasm, ip_frag_dropped, ip_no_proto, ip_out, ip_no_route;
	uint64_t icmp_in, icmp_bad, icmp_echo_replies, icmp_errors_out;
	uint64_t udp_in, udp_bad, udp_bad_csum, udp_no_port, udp_rcvbuf_full,
	    udp_out;
	uint64_t tcp_in, tcp_bad, tcp_bad_csum, tcp_bad_opts, tcp_no_conn,
	    tcp_out_of_window, tcp_rst_out, tcp_out, tcp_retrans,
	    tcp_fast_retrans, tcp_timeouts, tcp_active_opens,
	    tcp_passive_opens, tcp_sack_blocks_in, tcp_rcv_dropped,
	    tcp_listen_drops;
};
extern struct net_stats net_stats;	/* atomic increments */
#define NET_COUNT(field) \
	__atomic_fetch_add(&net_stats.field, 1, __ATOMIC_RELAXED)

#endif
