/*
 * `biscotti net` (net_cli.c) and its built-in programs, shared between
 * platform/hosted/cli/net_*.c.
 *
 * The programs are hosted user programs (hosted.h, "User programs and
 * syscalls"): C functions running in init's user thread that use the
 * network only through the kernel's own socket syscalls, so what Linux
 * peers see is biscotti's stack, not the host's.  Their pointers for
 * the kernel are user addresses: net_user.c keeps a scratch mapping and
 * copies buffers through it, so the programs themselves work on host
 * memory and call u_*() wrappers that look like the libc calls they
 * stand for (returning a value or a negative errno).
 *
 * Host files (what httpd serves, what get writes) are read and written
 * with the host's own calls: they are the host's, not the kernel's.
 */
#ifndef HOSTED_CLI_NET_H
#define HOSTED_CLI_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux x86-64's values, as the kernel's ABI has them. */
#define K_AF_INET	2
#define K_SOCK_STREAM	1
#define K_SOCK_DGRAM	2
#define K_SOCK_NONBLOCK	0x800
#define K_SOCK_CLOEXEC	0x80000
#define K_SOL_SOCKET	1
#define K_SO_REUSEADDR	2
#define K_SO_SNDBUF	7
#define K_SO_RCVBUF	8
#define K_SO_RCVTIMEO	20
#define K_IPPROTO_TCP	6
#define K_TCP_NODELAY	1
#define K_TCP_INFO	11
#define K_MSG_NOSIGNAL	0x4000
#define K_EPOLLIN	0x001u
#define K_EPOLLOUT	0x004u
#define K_EPOLLERR	0x008u
#define K_EPOLLHUP	0x010u
#define K_EPOLLRDHUP	0x2000u
#define K_EPOLL_CTL_ADD	1
#define K_EPOLL_CTL_DEL	2
#define K_EPOLL_CTL_MOD	3
#define K_EAGAIN	11
#define K_EINTR		4
#define K_EINPROGRESS	115
#define K_EFAULT	14

/* struct epoll_event: packed on x86-64. */
struct k_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

/*
 * The part of Linux's struct tcp_info the programs read (its layout,
 * from include/uapi/linux/tcp.h; the kernel fills the whole struct).
 */
struct k_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd;
	uint32_t advmss, reordering, rcv_rtt, rcv_space, total_retrans;
};

/* net_user.c: the scratch mapping and the syscall wrappers. */
int u_init(void);
long u_socket(int type);
long u_close(int fd);
long u_bind(int fd, uint32_t addr, uint16_t port);	/* network order */
long u_listen(int fd, int backlog);
long u_accept(int fd, int flags);
long u_connect(int fd, uint32_t addr, uint16_t port);
long u_send(int fd, const void *buf, size_t len);
long u_recv(int fd, void *buf, size_t len);
long u_sendto(int fd, const void *buf, size_t len, uint32_t addr,
    uint16_t port);
long u_recvfrom(int fd, void *buf, size_t len, uint32_t *addr,
    uint16_t *port);
long u_setsockopt_int(int fd, int level, int opt, int v);
long u_getsockopt(int fd, int level, int opt, void *val, size_t len);
long u_tcp_info(int fd, struct k_tcp_info *ti);
long u_epoll_create(void);
long u_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t data);
long u_epoll_wait(int ep, struct k_epoll_event *ev, int max, int timeout_ms);
long u_shutdown(int fd, int how);
/* An errno's name for messages ("ECONNREFUSED"). */
const char *u_strerror(long err);

/* net_cli.c */
/* Set by SIGINT or SIGTERM: servers check it and return. */
bool net_stopping(void);
/* "A.B.C.D" into network order: 0, or -1 when malformed. */
int net_parse_ipv4(const char *s, uint32_t *addr);
/* A port number 1..65535 (0 too when zero_ok): it, or -1. */
int net_parse_port(const char *s, bool zero_ok);
/* Milliseconds on the host's monotonic clock. */
uint64_t net_now_ms(void);

/* net_link.c: the host side of the link, through libnl. */
int net_link_configure(const char *ifname, const char *peer_cidr,
    char *err, size_t errlen);

/* The built-in programs: argv[0] is the program's name. */
int net_httpd(int argc, char **argv);
int net_echo(int argc, char **argv);
int net_discard(int argc, char **argv);
int net_get(int argc, char **argv);
int net_udpsend(int argc, char **argv);
int net_udpecho_client(int argc, char **argv);

/* A cwnd trace: one line per change of a connection's TCP_INFO. */
struct cwnd_trace;
struct cwnd_trace *cwnd_trace_open(const char *path);
void cwnd_trace_sample(struct cwnd_trace *ct, int conn, int fd);
void cwnd_trace_close(struct cwnd_trace *ct);

#endif
