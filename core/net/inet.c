/*
 * The AF_INET family: socket(2) dispatch by type, and what UDP and TCP
 * share about addresses and IP-level options.
 *
 * create() follows Linux's inet_create: a type with no protocol at all
 * (SOCK_SEQPACKET) is ESOCKTNOSUPPORT, a known type with the wrong
 * protocol EPROTONOSUPPORT, and SOCK_RAW needs privilege (EPERM) and is
 * not implemented past that.
 *
 * Addresses are struct sockaddr_in: shorter than 16 bytes is EINVAL,
 * another family EAFNOSUPPORT (bind and sendto also take AF_UNSPEC, as
 * Linux does for old programs).
 */
#include "kern/errno.h"
#include "lib/string.h"
#include "net/inet.h"
#include "net/socket.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "inet_internal.h"

bool
inet_privileged(void)
{
	struct proc *p = proc_current();
	bool root;

	if (p == NULL)
		return true;
	spin_lock(&proc_lock);
	root = p->cred.euid == 0;
	spin_unlock(&proc_lock);
	return root;
}

static int
inet_create(struct socket *so, int type, int protocol)
{
	switch (type) {
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		so->protocol = IPPROTO_UDP;
		return udp_create(so, IPPROTO_UDP);
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		so->protocol = IPPROTO_TCP;
		return tcp_create(so, IPPROTO_TCP);
	case SOCK_RAW:
		if (!inet_privileged())
			return -EPERM;
		return -EPROTONOSUPPORT;
	default:
		return -ESOCKTNOSUPPORT;
	}
}

const struct net_family inet_family = {
	.family = AF_INET,
	.create = inet_create,
};

int
inet_addr_in(const struct ksockaddr *a, size_t len, bool unspec_ok,
    uint32_t *addr, uint16_t *port)
{
	struct ksockaddr_in sin;

	if (len < sizeof(sin))
		return -EINVAL;
	memcpy(&sin, a, sizeof(sin));
	if (sin.sin_family != AF_INET &&
	    !(unspec_ok && sin.sin_family == AF_UNSPEC))
		return -EAFNOSUPPORT;
	*addr = sin.sin_addr;
	*port = sin.sin_port;
	return 0;
}

void
inet_addr_out(struct ksockaddr *a, size_t *len, uint32_t addr, uint16_t port)
{
	struct ksockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = port;
	sin.sin_addr = addr;
	memset(a, 0, sizeof(*a));
	memcpy(a, &sin, sizeof(sin));
	*len = sizeof(sin);
}

/* An option value as an int: Linux takes a lone byte for these too. */
static int
opt_int(const void *val, size_t len, int *v)
{
	uint8_t b;

	if (len >= sizeof(int)) {
		memcpy(v, val, sizeof(int));
		return 0;
	}
	if (len >= 1) {
		memcpy(&b, val, 1);
		*v = b;
		return 0;
	}
	return -EINVAL;
}

int
inet_ip_setsockopt(struct ip_opts *o, int name, const void *val, size_t len)
{
	int v, err;

	if ((err = opt_int(val, len, &v)) != 0)
		return err;
	switch (name) {
	case IP_TOS:
		o->tos = (uint8_t)v;
		return 0;
	case IP_TTL:
		if (v == -1)
			v = 0;	/* back to the default */
		else if (v < 1 || v > 255)
			return -EINVAL;
		o->ttl = (uint8_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int
inet_ip_getsockopt(const struct ip_opts *o, int name, void *val, size_t *len)
{
	int v;

	switch (name) {
	case IP_TOS:
		v = o->tos;
		break;
	case IP_TTL:
		v = o->ttl != 0 ? o->ttl : IP_DEFAULT_TTL;
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (*len < sizeof(int)) {
		/* Linux answers a short buffer with one byte. */
		if (*len == 0)
			return -EINVAL;
		*len = 1;
		*(uint8_t *)val = (uint8_t)v;
		return 0;
	}
	*len = sizeof(int);
	memcpy(val, &v, sizeof(v));
	return 0;
}
