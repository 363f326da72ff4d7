/*
 * Network devices (core/net/netdev.c).
 *
 * A driver (the hosted TAP device, loopback, later the Intel 10 GbE NIC)
 * fills a struct netdev and registers it.  Transmit: the stack calls
 * ops->xmit with a whole frame (Ethernet, or a bare IPv4 packet for a
 * device with NETDEV_NOARP such as loopback), handing the packet over.
 * Receive: the driver calls netdev_rx() from any context (its
 * interrupt, a host reader's hosted_irq); the frame is queued and the
 * protocol layers run it later in the network kernel thread ("netrx"),
 * never in interrupt context, so they may take sleeping locks.  A full
 * backlog drops the frame and counts it.
 *
 * Offloads: NETIF_F_RXCSUM says the device checked the TCP/UDP/IP sums
 * of what it delivers (it sets p->csum = PKT_CSUM_VERIFIED per packet);
 * NETIF_F_TXCSUM that it fills the L4 sum of a packet marked
 * PKT_CSUM_PARTIAL; NETIF_F_TSO that it cuts a TCP segment larger than
 * the MTU itself.  Without them the stack does the work in software.
 *
 * Addresses are in network byte order throughout the network code.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include "kern/types.h"
#include "lib/list.h"
#include "proc/spinlock.h"

#define NETDEV_NAME_MAX	16
#define ETH_ALEN	6

/* nd->flags */
#define NETDEV_UP	0x1u
#define NETDEV_LOOPBACK	0x8u
#define NETDEV_NOARP	0x80u

/* nd->features */
#define NETIF_F_RXCSUM	0x1u
#define NETIF_F_TXCSUM	0x2u
#define NETIF_F_TSO	0x4u

struct pkt;
struct netdev;

struct netdev_ops {
	/* Send p (the device owns it now): 0, or -errno (p freed). */
	int (*xmit)(struct netdev *nd, struct pkt *p);
};

struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

struct netdev {
	char name[NETDEV_NAME_MAX];	/* [i] "lo", "tap0", "eth0" */
	uint8_t mac[ETH_ALEN];		/* [i] */
	unsigned mtu;			/* [i] bytes of IP packet */
	unsigned flags;			/* NETDEV_* */
	unsigned features;		/* [i] NETIF_F_* */
	const struct netdev_ops *ops;	/* [i] */
	void *priv;			/* [i] the driver's */
	/* The core's, below. */
	int ifindex;			/* [i] from 1, by registration */
	uint32_t addr, netmask;		/* IPv4, network order; 0: none */
	struct netdev_stats stats;	/* atomic counters */
	struct list link;
};

/*
 * Hand p to nd's driver, counting it in nd->stats (the stack's one way
 * to a device): 0 or -errno; p is gone either way.
 */
int netdev_xmit(struct netdev *nd, struct pkt *p);
/* Call fn on every device, in registration order (no lock held). */
void netdev_foreach(void (*fn)(struct netdev *nd, void *arg), void *arg);

/* Register nd (it comes up at once): 0, or -EEXIST for a used name. */
int netdev_register(struct netdev *nd);
struct netdev *netdev_find(const char *name);
struct netdev *netdev_by_index(int ifindex);
/* A received frame for the stack; any context; takes p. */
void netdev_rx(struct netdev *nd, struct pkt *p);
/*
 * Give nd the address addr/prefix and a route to its subnet (the
 * `biscotti net --addr` path and the boot command line): 0 or -errno.
 */
int netdev_set_addr(struct netdev *nd, uint32_t addr, unsigned prefix);

/* /proc/net/dev and /proc/net/snmp (net_proc.c, for procfs). */
struct seqbuf;
void net_proc_dev(struct seqbuf *sb);
void net_proc_snmp(struct seqbuf *sb);

/* The loopback device "lo" (127.0.0.1/8), made at network start. */
extern struct netdev *netdev_loopback;
/* Start the stack: loopback, the netrx thread, the timers it needs. */
void net_init(void);

#endif
