/*
 * The hosted network device: a Linux TAP interface as a netdev
 * (hosted.h, "Network devices").
 *
 * The TAP file descriptor carries whole Ethernet frames (IFF_TAP, and
 * IFF_NO_PI so no packet-information header comes first).  Two paths:
 *
 * Receive.  A host reader thread blocks in read(2) on the descriptor and
 * copies each frame into a ring of fixed slots, then posts the device's
 * hosted_irq.  The reader is no vCPU, so it may not allocate kernel
 * memory or call netdev_rx(); the irq handler, which runs on a vCPU with
 * interrupts off, drains the ring into pkts and hands them to the stack.
 * It takes at most RX_BATCH frames per run and posts itself again when
 * more wait, so a flood does not keep one vCPU in interrupt context.  A
 * full ring makes the reader wait (the host's own TAP queue holds frames
 * meanwhile, and drops when that fills, as a NIC's ring would); a failed
 * pkt_alloc drops the frame and counts it in rx_dropped.
 *
 * Transmit.  xmit runs on a vCPU in whatever thread sent (a syscall, the
 * netrx thread, a timer) and write(2)s the frame to the descriptor.  A
 * TAP write does not wait on the network: it queues the frame on the
 * host's side of the link or drops it, so this is short.
 *
 * Impairment.  hosted_tap_netem() puts a netem engine (netem.c) in
 * either path: received frames go through it before the ring, sent ones
 * before the write.
 *
 * Checksums: the host's tun driver completes any checksum Linux left to
 * the device before it hands us the frame, and expects complete ones from
 * us, so the device offers no offloads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hosted.h"
#include "net/netdev.h"
#include "net/pkt.h"
#include "netem.h"

#define TAP_MTU		1500
#define FRAME_MAX	2048		/* a slot: 14 + 1500 + VLAN room */
#define RX_SLOTS	1024		/* ring size, a power of two */
#define RX_BATCH	64		/* frames per irq run */
/*
 * Room in front of a received frame, for replies that reuse its pkt;
 * the 2 puts the IP header, 14 bytes in, on a 4-byte boundary, which
 * the stack's header structs need (Linux's NET_IP_ALIGN).
 */
#define RX_HEADROOM	(64 + 2)

struct rx_slot {
	uint16_t len;
	uint8_t data[FRAME_MAX];
};

struct tap {
	struct netdev nd;
	int fd;
	int stop_pipe[2];		/* the reader's wake-up at stop */
	pthread_t reader;
	volatile int stopping;
	struct hosted_irq irq;
	/* The ring: producers (reader, rx netem) under put_mu; one consumer. */
	pthread_mutex_t put_mu;
	uint64_t head;			/* [put_mu] written; read atomically */
	uint64_t tail;			/* the irq handler's; read atomically */
	struct rx_slot *slots;
	/* Impairments, when asked for. */
	struct netem *rx_netem, *tx_netem;
};

static void
sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Put one frame in the ring and raise the irq; wait while it is full
 * (a host thread: the reader or the rx netem thread).
 */
static void
rx_put(void *arg, const uint8_t *frame, size_t len)
{
	struct tap *t = arg;
	uint64_t head;

	if (len > FRAME_MAX)
		return;
	pthread_mutex_lock(&t->put_mu);
	for (;;) {
		head = t->head;
		if (head - __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE) <
		    RX_SLOTS)
			break;
		if (t->stopping) {
			pthread_mutex_unlock(&t->put_mu);
			return;
		}
		hosted_irq_post(&t->irq);
		sleep_us(50);
	}
	t->slots[head % RX_SLOTS].len = (uint16_t)len;
	memcpy(t->slots[head % RX_SLOTS].data, frame, len);
	__atomic_store_n(&t->head, head + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->put_mu);
	if (!t->stopping)
		hosted_irq_post(&t->irq);
}

/* The device interrupt: hand up to RX_BATCH frames to the stack. */
static void
tap_irq(void *arg)
{
	struct tap *t = arg;
	uint64_t tail = t->tail, head;
	struct rx_slot *s;
	struct pkt *p;
	int n;

	head = __atomic_load_n(&t->head, __ATOMIC_ACQUIRE);
	for (n = 0; n < RX_BATCH && tail != head; n++, tail++) {
		s = &t->slots[tail % RX_SLOTS];
		p = pkt_alloc(RX_HEADROOM, s->len);
		if (p == NULL) {
			__atomic_fetch_add(&t->nd.stats.rx_dropped, 1,
			    __ATOMIC_RELAXED);
			continue;
		}
		memcpy(p->data, s->data, s->len);
		p->dev = &t->nd;
		netdev_rx(&t->nd, p);
	}
	__atomic_store_n(&t->tail, tail, __ATOMIC_RELEASE);
	if (tail != head && !t->stopping)
		hosted_irq_post(&t->irq);
}

/* The host reader: frames from the TAP descriptor into the ring. */
static void *
tap_reader(void *arg)
{
	struct tap *t = arg;
	uint8_t frame[FRAME_MAX];
	struct pollfd pfd[2] = {
		{ .fd = t->fd, .events = POLLIN },
		{ .fd = t->stop_pipe[0], .events = POLLIN },
	};
	ssize_t n;

	while (!t->stopping) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		n = read(t->fd, frame, sizeof(frame));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* EBADFD/EIO: the link is gone; stop reading. */
			break;
		}
		if (n < 14) {
			__atomic_fetch_add(&t->nd.stats.rx_errors, 1,
			    __ATOMIC_RELAXED);
			continue;
		}
		if (t->rx_netem != NULL)
			netem_submit(t->rx_netem, frame, (size_t)n);
		else
			rx_put(t, frame, (size_t)n);
	}
	return NULL;
}

/* Write one frame to the link (a vCPU, or the tx netem thread). */
static int
tap_write(struct tap *t, const uint8_t *frame, size_t len)
{
	ssize_t n;

	do
		n = write(t->fd, frame, len);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -EIO;
}

static void
tx_deliver(void *arg, const uint8_t *frame, size_t len)
{
	tap_write(arg, frame, len);
}

static int
tap_xmit(struct netdev *nd, struct pkt *p)
{
	struct tap *t = nd->priv;
	int err = 0;

	if (t->stopping)
		err = -ENETDOWN;
	else if (t->tx_netem != NULL)
		netem_submit(t->tx_netem, p->data, p->len);
	else
		err = tap_write(t, p->data, p->len);
	pkt_free(p);
	return err;
}

static const struct netdev_ops tap_ops = { .xmit = tap_xmit };

/* Open or create TAP interface ifname on the host: the fd or -errno. */
static int
tap_attach(const char *ifname)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* A locally administered unicast MAC, different per process. */
static void
make_mac(uint8_t mac[ETH_ALEN])
{
	struct timespec ts;
	uint32_t x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec;
	mac[0] = 0x02;
	mac[1] = 0xb1;
	mac[2] = (uint8_t)(x >> 24);
	mac[3] = (uint8_t)(x >> 16);
	mac[4] = (uint8_t)(x >> 8);
	mac[5] = (uint8_t)x;
}

int
hosted_tap_open(const char *ifname, struct netdev **out)
{
	struct tap *t;
	int fd, err;

	if (strlen(ifname) == 0 || strlen(ifname) >= IFNAMSIZ ||
	    strlen(ifname) >= NETDEV_NAME_MAX)
		return -EINVAL;
	if ((fd = tap_attach(ifname)) < 0)
		return fd;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->slots = calloc(RX_SLOTS, sizeof(*t->slots))) ==
	    NULL || pipe2(t->stop_pipe, O_CLOEXEC) < 0) {
		err = t == NULL || t->slots == NULL ? -ENOMEM : -errno;
		goto out_free;
	}
	t->fd = fd;
	pthread_mutex_init(&t->put_mu, NULL);
	t->irq.handler = tap_irq;
	t->irq.arg = t;
	t->irq.vcpu = 1;	/* off the first vCPU, which init starts on */
	snprintf(t->nd.name, sizeof(t->nd.name), "%s", ifname);
	make_mac(t->nd.mac);
	t->nd.mtu = TAP_MTU;
	t->nd.ops = &tap_ops;
	t->nd.priv = t;
	if ((err = netdev_register(&t->nd)) < 0)
		goto out_pipe;
	/* Registered devices live as long as the kernel: no undo past here. */
	err = pthread_create(&t->reader, NULL, tap_reader, t);
	if (err != 0) {
		t->stopping = 1;
		t->nd.flags &= ~NETDEV_UP;
		return -err;
	}
	*out = &t->nd;
	return 0;
out_pipe:
	close(t->stop_pipe[0]);
	close(t->stop_pipe[1]);
out_free:
	if (t != NULL)
		free(t->slots);
	free(t);
	close(fd);
	return err;
}

int
hosted_tap_netem(struct netdev *nd, const char *spec, unsigned dirs,
    uint64_t seed, char *err, size_t errlen)
{
	struct tap *t = nd->priv;
	struct netem_spec s;
	struct netem *ne;
	int e;

	if (netem_parse(spec, &s, err, errlen) < 0)
		return -EINVAL;
	if (dirs & HOSTED_TAP_TX) {
		if ((ne = calloc(1, sizeof(*ne))) == NULL)
			return -ENOMEM;
		if ((e = netem_start(ne, &s, seed, tx_deliver, t)) < 0) {
			free(ne);
			return e;
		}
		__atomic_store_n(&t->tx_netem, ne, __ATOMIC_RELEASE);
	}
	if (dirs & HOSTED_TAP_RX) {
		if ((ne = calloc(1, sizeof(*ne))) == NULL)
			return -ENOMEM;
		if ((e = netem_start(ne, &s, seed * 31 + 7, rx_put, t)) < 0) {
			free(ne);
			return e;
		}
		__atomic_store_n(&t->rx_netem, ne, __ATOMIC_RELEASE);
	}
	return 0;
}

void
hosted_tap_stats(struct netdev *nd, char *buf, size_t len)
{
	struct tap *t = nd->priv;
	size_t n = 0;

	buf[0] = '\0';
	if (t->rx_netem != NULL)
		n += (size_t)snprintf(buf + n, len - n, "netem rx: %lu in, "
		    "%lu lost, %lu duplicated, %lu reordered; ",
		    (unsigned long)t->rx_netem->in,
		    (unsigned long)t->rx_netem->dropped,
		    (unsigned long)t->rx_netem->duplicated,
		    (unsigned long)t->rx_netem->reordered);
	if (t->tx_netem != NULL && n < len)
		snprintf(buf + n, len - n, "netem tx: %lu in, %lu lost, "
		    "%lu duplicated, %lu reordered",
		    (unsigned long)t->tx_netem->in,
		    (unsigned long)t->tx_netem->dropped,
		    (unsigned long)t->tx_netem->duplicated,
		    (unsigned long)t->tx_netem->reordered);
}

void
hosted_tap_stop(struct netdev *nd)
{
	struct tap *t = nd->priv;
	char c = 0;

	if (t->stopping)
		return;
	t->stopping = 1;
	nd->flags &= ~NETDEV_UP;
	if (write(t->stop_pipe[1], &c, 1) < 0)
		perror("tap: stop");
	pthread_join(t->reader, NULL);
	if (t->rx_netem != NULL)
		netem_stop(t->rx_netem);
	if (t->tx_netem != NULL)
		netem_stop(t->tx_netem);
	/* Closing the last descriptor of a non-persistent TAP removes it. */
	close(t->fd);
	t->fd = -1;
}
