/*
 * What the IPv4 modules of core/net (ether.c, arp.c, ip.c, ip_frag.c,
 * route.c, icmp.c, udp.c, inet.c, loopback.c) share beyond net/inet.h.
 * Nothing outside core/net includes this.
 */
#ifndef NET_INET_INTERNAL_H
#define NET_INET_INTERNAL_H

#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define IP_HLEN		20		/* without options */
#define IP_MAXPACKET	65535
#define UDP_HLEN	8

#define IP_DF		0x4000
#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff

/*
 * Headers are packed: after a 14-byte Ethernet header the IP header of
 * a received frame sits 2 bytes off a 4-byte boundary, so every access
 * must be one the compiler knows may be unaligned.
 */
struct __attribute__((packed)) iphdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off;
	uint8_t ttl;
	uint8_t protocol;
	uint16_t check;
	uint32_t saddr, daddr;
};

struct __attribute__((packed)) udphdr {
	uint16_t source, dest;
	uint16_t len;
	uint16_t check;
};

struct __attribute__((packed)) icmphdr {
	uint8_t type, code;
	uint16_t checksum;
	uint16_t id, seq;	/* echo; "unused"/MTU for errors */
};

#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12
/* ICMP_DEST_UNREACH codes */
#define ICMP_NET_UNREACH	0
#define ICMP_HOST_UNREACH	1
#define ICMP_PROT_UNREACH	2
#define ICMP_PORT_UNREACH	3
#define ICMP_FRAG_NEEDED	4

void loopback_init(void);
void arp_init(void);
void ip_frag_init(void);

/*
 * ARP (arp.c): the hardware address of ip on dev into mac: 0; or 1 when
 * p was queued until a reply comes (ARP takes p and sends it later); or
 * -errno (p not taken).
 */
int arp_resolve(struct netdev *dev, uint32_t ip, uint8_t *mac, struct pkt *p);
/* The cache's entry for ip on dev (tests): 0 none, or ARP_* with mac. */
#define ARP_INCOMPLETE	1
#define ARP_REACHABLE	2
int arp_cache_state(struct netdev *dev, uint32_t ip, uint8_t *mac);
extern uint64_t arp_reachable_ns, arp_retry_ns;
/* Send an Ethernet frame (p->data at the IP header) to mac on dev. */
int ether_send(struct netdev *dev, struct pkt *p, const uint8_t *mac,
    uint16_t type);

/*
 * Reassembly (ip_frag.c): take the fragment p (p->data at the IP
 * header, lengths checked); the whole datagram once complete (p->data
 * at its IP header, length tot_len), else NULL.
 */
struct pkt *ip_frag_input(struct pkt *p);
/* Datagrams in reassembly now, and the timeout (tests). */
int ip_frag_queues(void);
/* Drop every datagram in reassembly (memory is short): bytes freed. */
size_t ip_frag_evict(void);
extern uint64_t ipfrag_timeout_ns;

/* Forget dev's on-link routes (its address changes). */
void route_del_connected(struct netdev *dev);
/* The device whose address is a (network order), or NULL. */
struct netdev *inet_dev_of_addr(uint32_t a);
/* True when a is one of this host's addresses (127/8 included). */
bool inet_addr_local(uint32_t a);
/* True for a limited or directed broadcast address on a device. */
bool inet_addr_broadcast(uint32_t a);

/* The ICMP error's errno for a socket (ECONNREFUSED...), 0: none. */
int icmp_errno(int type, int code);

#endif
