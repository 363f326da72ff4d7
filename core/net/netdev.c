/*
 * Network devices: the registry, the receive backlog and the network
 * kernel thread ("netrx"), and network start (see net/netdev.h).
 *
 * netdev_rx() may be called from an interrupt handler, so it only
 * queues: the backlog is a list under a spinlock (which saves and
 * disables interrupts), bounded in packets and bytes so a flood cannot
 * eat the heap; a full backlog drops the frame and counts it in the
 * device's rx_dropped.  netrx takes frames off one at a time and runs
 * the protocol layers with no lock held, so they may sleep.
 *
 * Heap: netrx reserves NETRX_RESERVE per frame (reserve_begin() at the
 * top of the loop, where it holds nothing, may wait for memory while the
 * backlog absorbs or drops arrivals), so the layers above allocate
 * without failing: an ARP or ICMP reply, a TCP acknowledgment and the
 * segments it clocks out (tcp_output() stops short of the bound), a new
 * connection for a listener, a reassembled datagram.  The drivers'
 * interrupt handlers, which cannot wait, allocate the frames themselves
 * outside any reservation and drop one when the heap is short.
 *
 * Devices are never unregistered: a struct netdev lives as long as the
 * kernel, and pointers to it need no reference counts.
 */
#include "contract/clock.h"
#include "kern/errno.h"
#include "kern/ktimer.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/reserve.h"
#include "net/inet.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "proc/thread.h"
#include "proc/waitq.h"
#include "inet_internal.h"

#define BACKLOG_MAX_PKTS	2048
#define BACKLOG_MAX_BYTES	(8u << 20)
/*
 * Heap one received frame's processing may use: twice the largest mark
 * measured in the network unit tests (tools/bounds), rounded up to a
 * power of two.  The worst case is a reassembled 64 KiB datagram.
 */
#define NETRX_RESERVE		(256u << 10)

struct net_stats net_stats;

static struct spinlock netdev_lock = SPINLOCK_INIT("netdev");
static struct list devices = LIST_INIT(devices);	/* [netdev_lock] */
static int next_ifindex = 1;				/* [netdev_lock] */

static struct spinlock backlog_lock = SPINLOCK_INIT("netrx");
static struct list backlog = LIST_INIT(backlog);	/* [backlog_lock] */
static size_t backlog_pkts, backlog_bytes;		/* [backlog_lock] */
static struct waitq netrx_wq;

#define STAT_ADD(nd, field, n) \
	__atomic_fetch_add(&(nd)->stats.field, (n), __ATOMIC_RELAXED)

int
netdev_register(struct netdev *nd)
{
	struct netdev *o;
	struct list *it;

	spin_lock(&netdev_lock);
	list_foreach(it, &devices) {
		o = list_entry(it, struct netdev, link);
		if (strncmp(o->name, nd->name, NETDEV_NAME_MAX) == 0) {
			spin_unlock(&netdev_lock);
			return -EEXIST;
		}
	}
	nd->ifindex = next_ifindex++;
	nd->flags |= NETDEV_UP;
	memset(&nd->stats, 0, sizeof(nd->stats));
	list_push_back(&devices, &nd->link);
	spin_unlock(&netdev_lock);
	return 0;
}

struct netdev *
netdev_find(const char *name)
{
	struct netdev *nd, *found = NULL;
	struct list *it;

	spin_lock(&netdev_lock);
	list_foreach(it, &devices) {
		nd = list_entry(it, struct netdev, link);
		if (strncmp(nd->name, name, NETDEV_NAME_MAX) == 0) {
			found = nd;
			break;
		}
	}
	spin_unlock(&netdev_lock);
	return found;
}

struct netdev *
netdev_by_index(int ifindex)
{
	struct netdev *nd, *found = NULL;
	struct list *it;

	spin_lock(&netdev_lock);
	list_foreach(it, &devices) {
		nd = list_entry(it, struct netdev, link);
		if (nd->ifindex == ifindex) {
			found = nd;
			break;
		}
	}
	spin_unlock(&netdev_lock);
	return found;
}

/*
 * Call fn on each device in registration order (for /proc/net/dev and
 * the local-address checks); devices are never removed, so the walk
 * drops the lock around each call.
 */
void
netdev_foreach(void (*fn)(struct netdev *nd, void *arg), void *arg)
{
	struct netdev *nd;
	int i;

	for (i = 1;; i++) {
		nd = netdev_by_index(i);
		if (nd == NULL)
			break;
		fn(nd, arg);
	}
}

void
netdev_rx(struct netdev *nd, struct pkt *p)
{
	bool full;

	p->dev = nd;
	spin_lock(&backlog_lock);
	full = backlog_pkts >= BACKLOG_MAX_PKTS ||
	    backlog_bytes + p->len > BACKLOG_MAX_BYTES;
	if (!full) {
		list_push_back(&backlog, &p->link);
		backlog_pkts++;
		backlog_bytes += p->len;
	}
	spin_unlock(&backlog_lock);
	if (full) {
		STAT_ADD(nd, rx_dropped, 1);
		pkt_free(p);
		return;
	}
	STAT_ADD(nd, rx_packets, 1);
	STAT_ADD(nd, rx_bytes, p->len);
	waitq_wake_one(&netrx_wq);
}

/* The network thread: run each received frame up the protocol layers. */
static void
netrx(void *unused)
{
	struct pkt *p;

	(void)unused;
	for (;;) {
		spin_lock(&backlog_lock);
		while (list_empty(&backlog))
			waitq_wait(&netrx_wq, &backlog_lock);
		p = list_entry(list_pop_front(&backlog), struct pkt, link);
		backlog_pkts--;
		backlog_bytes -= p->len;
		spin_unlock(&backlog_lock);
		list_init(&p->link);
		if (p->stamp_ns == 0)
			p->stamp_ns = clock_ns();
		reserve_begin(NETRX_RESERVE, "netrx");
		if (p->dev->flags & NETDEV_NOARP)
			ip_input(p->dev, p);
		else
			ether_input(p->dev, p);
		reserve_end();
	}
}

/*
 * Hand p to nd's driver, counting it (the stack's one way to a device):
 * 0 or the driver's -errno (p is gone either way).
 */
int
netdev_xmit(struct netdev *nd, struct pkt *p)
{
	size_t len = p->len;
	int err;

	if (!(nd->flags & NETDEV_UP)) {
		STAT_ADD(nd, tx_dropped, 1);
		pkt_free(p);
		return -ENETDOWN;
	}
	p->dev = nd;
	err = nd->ops->xmit(nd, p);
	if (err < 0) {
		STAT_ADD(nd, tx_errors, 1);
		return err;
	}
	STAT_ADD(nd, tx_packets, 1);
	STAT_ADD(nd, tx_bytes, len);
	return 0;
}

int
netdev_set_addr(struct netdev *nd, uint32_t addr, unsigned prefix)
{
	uint32_t mask;

	if (prefix > 32)
		return -EINVAL;
	mask = prefix == 0 ? 0 : htonl(~0u << (32 - prefix));
	route_del_connected(nd);
	nd->addr = addr;
	nd->netmask = mask;
	if (addr == 0)
		return 0;
	return route_add(addr & mask, prefix, 0, nd);
}

void
net_init(void)
{
	static bool started;
	struct thread *t;

	if (started)
		return;
	started = true;
	ktimer_start();
	waitq_init(&netrx_wq, "netrx");
	arp_init();
	ip_frag_init();
	loopback_init();
	t = thread_create("netrx", netrx, NULL);
	if (t == NULL)
		panic("net_init: no memory for netrx");
	thread_detach(t);
}
