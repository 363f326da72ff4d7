/*
 * The loopback device "lo": what is sent on it is received on it.
 *
 * It carries bare IPv4 packets (NETDEV_NOARP: no Ethernet header, no
 * ARP) and vouches for their checksums, so the receive side skips the
 * software sums of what this host just built.  Transmit puts the packet
 * on the receive backlog, so the protocol input runs later in netrx and
 * never inside the sender's call (no lock taken on the way out is held
 * on the way in).
 */
#include "kern/printk.h"
#include "lib/string.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "inet_internal.h"

struct netdev *netdev_loopback;

static int
loopback_xmit(struct netdev *nd, struct pkt *p)
{
	p->csum = PKT_CSUM_VERIFIED;
	p->stamp_ns = 0;
	netdev_rx(nd, p);
	return 0;
}

static const struct netdev_ops loopback_ops = {
	.xmit = loopback_xmit,
};

static struct netdev loopback_dev = {
	.name = "lo",
	.mtu = 65536,
	.flags = NETDEV_LOOPBACK | NETDEV_NOARP,
	.features = NETIF_F_RXCSUM | NETIF_F_TXCSUM,
	.ops = &loopback_ops,
};

void
loopback_init(void)
{
	if (netdev_register(&loopback_dev) != 0)
		panic("loopback_init: cannot register lo");
	netdev_loopback = &loopback_dev;
	if (netdev_set_addr(&loopback_dev, htonl(INADDR_LOOPBACK_H), 8) != 0)
		panic("loopback_init: cannot address lo");
}
