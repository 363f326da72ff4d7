/*
 * The IPv4 routing table: a small array searched for the longest
 * matching prefix.  A host has a handful of routes (each device's
 * subnet, a default gateway), so a linear scan is the fastest thing
 * there is; the array is bounded so route_add cannot eat the heap.
 *
 * A destination that is one of this host's own addresses goes out on
 * the loopback device whatever the table says, as Linux's local table
 * does: a packet to the TAP device's own address never reaches the wire.
 */
#include "kern/errno.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "proc/spinlock.h"
#include "inet_internal.h"

#define ROUTES_MAX	64

struct rtentry {
	uint32_t dst, mask;	/* network order */
	unsigned prefix;
	uint32_t gw;		/* 0: on-link */
	struct netdev *dev;
};

static struct spinlock route_lock = SPINLOCK_INIT("route");
static struct rtentry routes[ROUTES_MAX];	/* [route_lock] */
static int nroutes;				/* [route_lock] */

static uint32_t
prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : htonl(~0u << (32 - prefix));
}

int
route_add(uint32_t dst, unsigned prefix, uint32_t gw, struct netdev *dev)
{
	uint32_t mask;
	int i, err = 0;

	if (prefix > 32 || dev == NULL)
		return -EINVAL;
	mask = prefix_mask(prefix);
	dst &= mask;
	spin_lock(&route_lock);
	for (i = 0; i < nroutes; i++)
		if (routes[i].dst == dst && routes[i].prefix == prefix)
			break;
	if (i == nroutes) {
		if (nroutes == ROUTES_MAX)
			err = -ENOBUFS;
		else
			nroutes++;
	}
	if (err == 0)
		routes[i] = (struct rtentry){ dst, mask, prefix, gw, dev };
	spin_unlock(&route_lock);
	return err;
}

void
route_del_connected(struct netdev *dev)
{
	int i;

	spin_lock(&route_lock);
	for (i = 0; i < nroutes;) {
		if (routes[i].dev == dev && routes[i].gw == 0)
			routes[i] = routes[--nroutes];
		else
			i++;
	}
	spin_unlock(&route_lock);
}

int
ip_route(uint32_t dst, struct route *rt)
{
	struct rtentry *best = NULL;
	int i;

	if (inet_addr_local(dst) && netdev_loopback != NULL) {
		rt->dev = netdev_loopback;
		rt->nexthop = dst;
		rt->src = dst;
		rt->mtu = netdev_loopback->mtu;
		return 0;
	}
	spin_lock(&route_lock);
	for (i = 0; i < nroutes; i++) {
		if ((dst & routes[i].mask) != routes[i].dst)
			continue;
		if (best == NULL || routes[i].prefix > best->prefix)
			best = &routes[i];
	}
	if (best != NULL) {
		rt->dev = best->dev;
		rt->nexthop = best->gw != 0 ? best->gw : dst;
		rt->src = best->dev->addr;
		rt->mtu = best->dev->mtu;
	}
	spin_unlock(&route_lock);
	return best != NULL ? 0 : -ENETUNREACH;
}

/* Devices' addresses: walk the registry (a few devices at most). */
struct addr_query {
	uint32_t a;
	struct netdev *found;
	bool bcast;
};

static void
match_addr(struct netdev *nd, void *arg)
{
	struct addr_query *q = arg;

	if (nd->addr == 0)
		return;
	if (q->found == NULL && nd->addr == q->a)
		q->found = nd;
	if (nd->netmask != 0xffffffffu && nd->netmask != 0 &&
	    q->a == (nd->addr | ~nd->netmask))
		q->bcast = true;
}

struct netdev *
inet_dev_of_addr(uint32_t a)
{
	struct addr_query q = { a, NULL, false };

	netdev_foreach(match_addr, &q);
	return q.found;
}

bool
inet_addr_local(uint32_t a)
{
	if ((ntohl(a) >> 24) == 127)
		return true;
	return inet_dev_of_addr(a) != NULL;
}

bool
inet_addr_broadcast(uint32_t a)
{
	struct addr_query q = { a, NULL, false };

	if (a == 0xffffffffu)
		return true;
	netdev_foreach(match_addr, &q);
	return q.bcast;
}
