/*
 * Ethernet II framing: strip and dispatch on the way in, resolve the
 * next hop (arp.c) and prepend the header on the way out.
 *
 * A device accepts frames to its own address, to the broadcast address
 * and to multicast groups (the low bit of the first byte); the rest
 * (a TAP device in promiscuous company) is dropped and counted in the
 * device's rx_dropped.
 */
#include "kern/errno.h"
#include "lib/string.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "inet_internal.h"

static const uint8_t ether_bcast[ETH_ALEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

void
ether_input(struct netdev *dev, struct pkt *p)
{
	uint8_t *eh;
	uint16_t type;

	eh = pkt_pull(p, ETH_HLEN);
	if (eh == NULL) {
		NET_COUNT(eth_short);
		pkt_free(p);
		return;
	}
	if (!(eh[0] & 1) && memcmp(eh, dev->mac, ETH_ALEN) != 0) {
		__atomic_fetch_add(&dev->stats.rx_dropped, 1,
		    __ATOMIC_RELAXED);
		pkt_free(p);
		return;
	}
	type = (uint16_t)(eh[12] << 8 | eh[13]);
	switch (type) {
	case ETH_P_IP:
		ip_input(dev, p);
		break;
	case ETH_P_ARP:
		arp_input(dev, p);
		break;
	default:
		NET_COUNT(eth_unknown_type);
		pkt_free(p);
		break;
	}
}

int
ether_send(struct netdev *dev, struct pkt *p, const uint8_t *mac,
    uint16_t type)
{
	uint8_t *eh = pkt_push(p, ETH_HLEN);

	memcpy(eh, mac, ETH_ALEN);
	memcpy(eh + ETH_ALEN, dev->mac, ETH_ALEN);
	eh[12] = (uint8_t)(type >> 8);
	eh[13] = (uint8_t)type;
	return netdev_xmit(dev, p);
}

int
ether_output(struct netdev *dev, struct pkt *p, uint32_t nexthop)
{
	uint8_t mac[ETH_ALEN];
	int r;

	if (dev->flags & NETDEV_NOARP)
		return netdev_xmit(dev, p);
	if (inet_addr_broadcast(nexthop))
		return ether_send(dev, p, ether_bcast, ETH_P_IP);
	r = arp_resolve(dev, nexthop, mac, p);
	if (r == 1)
		return 0;
	if (r < 0) {
		pkt_free(p);
		return r;
	}
	return ether_send(dev, p, mac, ETH_P_IP);
}
