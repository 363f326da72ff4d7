/*
 * The built-in programs' syscall wrappers (net.h): each copies its
 * host-memory arguments into a scratch mapping of the calling process,
 * issues the syscall with the user addresses, and copies results back.
 *
 * One scratch mapping serves the whole program: the programs are single
 * threaded (one epoll loop each), so a call's scratch is free again when
 * it returns.  The first page holds small arguments (addresses, option
 * values, lengths); the rest is the data area.  A send or receive moves
 * at most U_DATA bytes per call and reports a short count, as a socket
 * may anyway, so the callers' loops handle it.
 */
#include <string.h>

#include "contract/usercopy.h"
#include "hosted.h"
#include "net.h"
#include "sys/syscall.h"

#define U_ARGS		4096
#define U_DATA		(256u * 1024)
#define K_PROT_RW	3
#define K_MAP_PRIVATE_ANON	0x22

#define sys(...)	hosted_syscall(__VA_ARGS__)

/* struct sockaddr_in */
struct k_sin {
	uint16_t family, port;
	uint32_t addr;
	uint8_t zero[8];
};

static uaddr_t scratch;		/* U_ARGS + U_DATA bytes */
#define ARG(off)	(scratch + (off))
#define DATA		(scratch + U_ARGS)

int
u_init(void)
{
	long r = sys(SYS_mmap, 0, U_ARGS + U_DATA, K_PROT_RW,
	    K_MAP_PRIVATE_ANON, -1, 0);

	if (r < 0 && r > -4096)
		return (int)r;
	scratch = (uaddr_t)r;
	return 0;
}

static long
put_sin(uaddr_t at, uint32_t addr, uint16_t port)
{
	struct k_sin s = { .family = K_AF_INET, .port = port, .addr = addr };

	return copyout(at, &s, sizeof(s));
}

long
u_socket(int type)
{
	return sys(SYS_socket, K_AF_INET, type, 0);
}

long
u_close(int fd)
{
	return sys(SYS_close, fd);
}

long
u_bind(int fd, uint32_t addr, uint16_t port)
{
	if (put_sin(ARG(0), addr, port) < 0)
		return -K_EFAULT;
	return sys(SYS_bind, fd, ARG(0), sizeof(struct k_sin));
}

long
u_listen(int fd, int backlog)
{
	return sys(SYS_listen, fd, backlog);
}

long
u_accept(int fd, int flags)
{
	return sys(SYS_accept4, fd, 0, 0, flags);
}

long
u_connect(int fd, uint32_t addr, uint16_t port)
{
	if (put_sin(ARG(0), addr, port) < 0)
		return -K_EFAULT;
	return sys(SYS_connect, fd, ARG(0), sizeof(struct k_sin));
}

long
u_send(int fd, const void *buf, size_t len)
{
	if (len > U_DATA)
		len = U_DATA;
	if (copyout(DATA, buf, len) < 0)
		return -K_EFAULT;
	return sys(SYS_sendto, fd, DATA, len, K_MSG_NOSIGNAL, 0, 0);
}

long
u_recv(int fd, void *buf, size_t len)
{
	long n;

	if (len > U_DATA)
		len = U_DATA;
	n = sys(SYS_recvfrom, fd, DATA, len, 0, 0, 0);
	if (n > 0 && copyin(buf, DATA, (size_t)n) < 0)
		return -K_EFAULT;
	return n;
}

long
u_sendto(int fd, const void *buf, size_t len, uint32_t addr, uint16_t port)
{
	if (len > U_DATA)
		len = U_DATA;
	if (copyout(DATA, buf, len) < 0 || put_sin(ARG(0), addr, port) < 0)
		return -K_EFAULT;
	return sys(SYS_sendto, fd, DATA, len, 0, ARG(0),
	    sizeof(struct k_sin));
}

long
u_recvfrom(int fd, void *buf, size_t len, uint32_t *addr, uint16_t *port)
{
	struct k_sin s;
	uint32_t slen = sizeof(s);
	long n;

	if (len > U_DATA)
		len = U_DATA;
	if (copyout(ARG(64), &slen, sizeof(slen)) < 0)
		return -K_EFAULT;
	n = sys(SYS_recvfrom, fd, DATA, len, 0, ARG(0), ARG(64));
	if (n < 0)
		return n;
	if (copyin(buf, DATA, (size_t)n) < 0 || copyin(&s, ARG(0),
	    sizeof(s)) < 0)
		return -K_EFAULT;
	*addr = s.addr;
	*port = s.port;
	return n;
}

long
u_setsockopt_int(int fd, int level, int opt, int v)
{
	if (copyout(ARG(0), &v, sizeof(v)) < 0)
		return -K_EFAULT;
	return sys(SYS_setsockopt, fd, level, opt, ARG(0), sizeof(v));
}

long
u_getsockopt(int fd, int level, int opt, void *val, size_t len)
{
	uint32_t l = (uint32_t)len;
	long r;

	if (len > U_ARGS - 64 || copyout(ARG(0), &l, sizeof(l)) < 0)
		return -K_EFAULT;
	r = sys(SYS_getsockopt, fd, level, opt, ARG(64), ARG(0));
	if (r < 0)
		return r;
	if (copyin(&l, ARG(0), sizeof(l)) < 0 || l > len ||
	    copyin(val, ARG(64), l) < 0)
		return -K_EFAULT;
	return l;
}

long
u_tcp_info(int fd, struct k_tcp_info *ti)
{
	memset(ti, 0, sizeof(*ti));
	return u_getsockopt(fd, K_IPPROTO_TCP, K_TCP_INFO, ti, sizeof(*ti));
}

long
u_epoll_create(void)
{
	return sys(SYS_epoll_create1, 0);
}

long
u_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct k_epoll_event e = { .events = events, .data = data };

	if (copyout(ARG(0), &e, sizeof(e)) < 0)
		return -K_EFAULT;
	return sys(SYS_epoll_ctl, ep, op, fd, ARG(0));
}

long
u_epoll_wait(int ep, struct k_epoll_event *ev, int max, int timeout_ms)
{
	long n;

	if ((size_t)max * sizeof(*ev) > U_DATA)
		max = (int)(U_DATA / sizeof(*ev));
	n = sys(SYS_epoll_wait, ep, DATA, max, timeout_ms);
	if (n > 0 && copyin(ev, DATA, (size_t)n * sizeof(*ev)) < 0)
		return -K_EFAULT;
	return n;
}

long
u_shutdown(int fd, int how)
{
	return sys(SYS_shutdown, fd, how);
}

const char *
u_strerror(long err)
{
	return errno_name(err < 0 ? -err : err);
}
