/*
 * TCP internals, shared by core/net/tcp*.c: tcp.c (sockets and their
 * methods), tcp_conn.c (the connection table, ports, ISNs, lifetime),
 * tcp_input.c (segment arrival, RFC 9293 section 3.10.7), tcp_output.c
 * (segments, windows, Nagle, options out), tcp_opt.c (options in),
 * tcp_timer.c (retransmission, delayed ACK, persist, keepalive,
 * TIME-WAIT), tcp_cc.c (RTO estimator and NewReno) and tcp_sack.c (both
 * SACK scoreboards).  Nothing outside core/net includes this.
 *
 * Locking.  Each connection has a sleeping mutex, tp->lock, guarding
 * every field marked [T]: the netrx thread (input), the softclock thread
 * (timers) and user threads (syscalls) all take it, and may send
 * segments and allocate while holding it (ip_output never calls back
 * into TCP: loopback queues its frames for netrx).  Sleepers wait on
 * tp->wq under the small spinlock tp->wlock, which also guards tp->so
 * [W], so a waker never touches a socket that is being freed.  The
 * listen queues of every listener and each child's parent pointer are
 * under the one spinlock tcp_listen_lock [Q]; the connection table is
 * under tcp_table_lock [H].  Order: a listener's tp->lock, then a
 * child's tp->lock, then tcp_listen_lock / tcp_table_lock / tp->wlock
 * (spinlocks, innermost, never two at once).
 *
 * Lifetime: struct tcp_sock is reference counted (atomic): the socket
 * holds one until release, the table one while the connection is hashed,
 * a listener queue one for each child on it, and every thread one while
 * it works on it.  The last tcp_put() cancels the timers and frees it;
 * a tcb whose count dropped to zero is CLOSED and unhashed, so a timer
 * that fires late finds nothing to do.
 */
#ifndef NET_TCP_H
#define NET_TCP_H

#include "kern/ktimer.h"
#include "lib/list.h"
#include "net/inet.h"
#include "proc/mutex.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"

/* Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4). */
#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))

/* The header. */
struct tcphdr {
	uint16_t source, dest;
	uint32_t seq, ack_seq;
	uint8_t doff;		/* data offset in words, high nibble */
	uint8_t flags;
	uint16_t window;
	uint16_t check;
	uint16_t urg_ptr;
};
#define TCP_HLEN	20
#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20

/* Options (RFC 9293, 7323, 2018). */
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOPT_WSCALE		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_SACK		5
#define TCPOPT_TIMESTAMP	8
#define TCP_MAX_WSCALE		14
#define TCP_SACK_MAX		4	/* blocks one segment can carry */

struct tcp_sack_block {
	uint32_t start, end;	/* [start, end) */
};

/* What a segment's options said (tcp_opt.c). */
struct tcp_opts {
	bool mss_ok, ws_ok, sack_ok, ts_ok;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	int nsack;
	struct tcp_sack_block sack[TCP_SACK_MAX];
};
/* Parse len bytes of options: 0, or -1 when malformed (drop the segment). */
int tcp_parse_options(const uint8_t *p, size_t len, bool syn,
    struct tcp_opts *o);

/* States, numbered as Linux's (TCP_INFO's tcpi_state reports them). */
enum tcp_state {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT,
	TCP_SYN_RECV,
	TCP_FIN_WAIT1,
	TCP_FIN_WAIT2,
	TCP_TIME_WAIT,
	TCP_CLOSE,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_LISTEN,
	TCP_CLOSING,
};

/* Tunables (Linux's defaults where Linux has one). */
#define TCP_MSS_DEFAULT		536		/* RFC 9293 without the option */
#define TCP_SEG_CAP		7800	/* payload of one packet: see tcp_output.c */
#define TCP_MIN_MSS		88
#define TCP_INIT_CWND		10		/* segments, RFC 6928 */
#define TCP_RTO_MIN_NS		(200 * 1000000ull)
#define TCP_RTO_INIT_NS		(1000 * 1000000ull)
#define TCP_RTO_MAX_NS		(120 * 1000000000ull)
#define TCP_DELACK_NS		(40 * 1000000ull)
#define TCP_TIMEWAIT_NS		(60 * 1000000000ull)	/* 2MSL */
#define TCP_FIN_TIMEOUT_NS	(60 * 1000000000ull)
#define TCP_SYN_RETRIES		6
#define TCP_SYNACK_RETRIES	5
#define TCP_RETRIES2		15
#define TCP_KEEPIDLE_S		7200
#define TCP_KEEPINTVL_S		75
#define TCP_KEEPCNT_DEF		9
#define TCP_WSCALE_OURS		7
#define TCP_PORT_LO		32768	/* ip_local_port_range */
#define TCP_PORT_HI		60999
#define TCP_SNDBUF_MAX		(256 * 1024)	/* a send ring's largest size */

/* Shutdown bits, as Linux's sk_shutdown. */
#define TCP_RCV_SHUT	1
#define TCP_SEND_SHUT	2

/* The sender's SACK scoreboard: what the peer said it holds beyond snd_una. */
#define TCP_SCORE_MAX	16
struct tcp_scoreboard {
	int n;
	struct tcp_sack_block b[TCP_SCORE_MAX];	/* sorted, disjoint */
};
void sack_score_add(struct tcp_scoreboard *sb, uint32_t una, uint32_t nxt,
    uint32_t start, uint32_t end);
void sack_score_ack(struct tcp_scoreboard *sb, uint32_t una);
uint32_t sack_score_bytes(const struct tcp_scoreboard *sb);
uint32_t sack_score_high(const struct tcp_scoreboard *sb, uint32_t una);
/* The first byte at or after from, below limit, that is not SACKed: its
 * run length in *len (0: none). */
uint32_t sack_next_hole(const struct tcp_scoreboard *sb, uint32_t from,
    uint32_t limit, uint32_t *len);
/* Unsacked bytes in [from, to). */
uint32_t sack_unsacked(const struct tcp_scoreboard *sb, uint32_t from,
    uint32_t to);

/* The RTO estimator (RFC 6298), in ns. */
struct tcp_rtt {
	uint64_t srtt, rttvar, rto;
	bool valid;			/* a first sample was taken */
};
void rtt_init(struct tcp_rtt *r);
void rtt_sample(struct tcp_rtt *r, uint64_t m);

/* Congestion control state (NewReno, RFC 5681/6582, with SACK loss
 * recovery after RFC 6675). */
struct tcp_cc {
	uint32_t cwnd, ssthresh;	/* bytes */
	uint32_t bytes_acked;		/* congestion avoidance's count */
	bool in_recovery;
	uint32_t recover;		/* snd_max when recovery began */
	int dupacks;
};
void cc_init(struct tcp_cc *c, uint32_t mss);
/* acked new bytes arrived (not in recovery). */
void cc_on_ack(struct tcp_cc *c, uint32_t acked, uint32_t mss);
/* Loss by fast retransmit: enter recovery with flight bytes in flight. */
void cc_enter_recovery(struct tcp_cc *c, uint32_t flight, uint32_t mss,
    uint32_t snd_max);
void cc_exit_recovery(struct tcp_cc *c);
/* Loss by timeout. */
void cc_on_timeout(struct tcp_cc *c, uint32_t flight, uint32_t mss);

struct socket;
struct pkt;

struct tcp_sock {
	int refs;				/* atomic */
	struct mutex lock;
	struct spinlock wlock;
	struct waitq wq;			/* readers, writers, acceptors */
	struct socket *so;			/* [W] NULL once released */
	enum tcp_state state;			/* [T] */
	int shut;				/* [T] TCP_*_SHUT */
	int error;				/* [T] pending errno of an orphan */
	bool reuse, keepalive;			/* [T] snapshots of the socket's */
	bool nodelay, hashed, bound, orphan;	/* [T] */
	bool trace;				/* [T] TCP_BISCOTTI_TRACE */
	bool connecting, connected;		/* [T] the socket's view */
	bool was_synced;			/* [T] reached ESTABLISHED */
	struct ip_opts ipo;			/* [T] IP_TOS, IP_TTL; DF */
	/* Addresses, network order. [T] (and [H] for the hash keys) */
	uint32_t laddr, faddr;
	uint16_t lport, fport;
	struct list port_link, conn_link;	/* [H] table chains */
	struct netdev *dev;			/* [T] route */
	unsigned mtu;
	/* Listeners and their children. [Q] */
	struct tcp_sock *parent;
	struct list synq, acceptq;		/* listener: children */
	struct list q_link;			/* child: on one of them */
	bool on_synq;
	int nsyn, naccept, backlog;
	/* Send side. [T] */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, max_wnd;
	uint32_t snd_wl1, snd_wl2;
	uint8_t *sbuf;			/* the send ring */
	uint32_t ssize;			/* its bytes */
	uint32_t shead;			/* ring offset of sseq */
	uint32_t slen;			/* bytes queued from sseq on */
	uint32_t sseq;			/* sequence number of the first byte */
	bool fin_queued;		/* user shut the send side */
	uint32_t mss;			/* send MSS, options excluded */
	uint32_t user_mss;		/* TCP_MAXSEG (0: none) */
	uint32_t rexmit_hi;		/* recovery: holes resent below */
	int rexmit_count;		/* consecutive RTOs */
	int probes;			/* persist / keepalive probes out */
	uint64_t rtt_start;		/* non-TS RTT sample: send time */
	uint32_t rtt_seq;		/* ... and the byte it waits for */
	bool rtt_timing;
	struct tcp_rtt rtt;
	struct tcp_cc cc;
	struct tcp_scoreboard score;
	/* Receive side. [T] */
	uint32_t irs, rcv_nxt, rcv_adv;	/* rcv_adv: right edge advertised */
	uint32_t rcv_space;		/* the window when the queue is empty */
	struct list rcvq;		/* in-order data, pkts */
	uint32_t rcvq_bytes;
	struct list oooq;		/* out-of-order data, by seq */
	uint32_t oooq_bytes;
	size_t rcv_mem;			/* both queues' packet allocations */
	uint32_t ooo_last;		/* seq of the latest ooo arrival */
	bool fin_rcvd;
	int unacked_segs;		/* full segments since our last ACK */
	bool ack_now;
	/* Options in force. [T] */
	bool ws_ok, ts_ok, sack_ok;
	uint8_t snd_ws, rcv_ws;
	uint32_t ts_recent, ts_off;
	uint64_t ts_recent_age;
	uint16_t peer_mss;
	/* Keepalive (seconds) and counters. [T] */
	int keepidle, keepintvl, keepcnt;
	uint64_t last_rcv_ns;
	uint32_t retrans_total, retrans_out;
	uint32_t syn_retries;		/* TCP_SYNCNT (0: default) */
	/* Timers. */
	struct ktimer t_rexmt;		/* RTO, SYN, persist */
	struct ktimer t_delack;
	struct ktimer t_keep;		/* keepalive */
	struct ktimer t_wait;		/* TIME-WAIT, FIN-WAIT-2 orphan, kick */
	bool persist;			/* t_rexmt is the persist timer */
};

extern struct spinlock tcp_listen_lock;

/* tcp_conn.c */
struct tcp_sock *tcp_alloc(void);
void tcp_get(struct tcp_sock *tp);
void tcp_put(struct tcp_sock *tp);
/* Pick or check a local port and enter tp in the table: 0 or -errno. */
int tcp_bind_port(struct tcp_sock *tp, uint32_t laddr, uint16_t lport);
/* Move tp (bound) to its connected chain now that faddr/fport are set. */
int tcp_hash_connect(struct tcp_sock *tp);
void tcp_unhash(struct tcp_sock *tp);
/* Drop out-of-order queues (memory is short, net_evict): bytes freed. */
size_t tcp_evict_ooo(void);
/* Enter a listener's new child (addresses set) in both chains. */
int tcp_hash_child(struct tcp_sock *tp);
/* The best match for a segment, referenced, or NULL. */
struct tcp_sock *tcp_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr,
    uint16_t dport);
uint32_t tcp_isn(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport);
uint64_t tcp_now_ms(void);
/* Wake sleepers on tp and its socket's pollers. */
void tcp_wake(struct tcp_sock *tp);
/* Sleep on tp (tp->lock held, held on return): 0, -EAGAIN at the
 * deadline, or the signal's errno. */
int tcp_wait(struct tcp_sock *tp, uint64_t deadline, uint64_t timeo);
/*
 * The same with tp->wlock already held: for a condition that changes
 * under another lock than tp->lock (a listener's accept queue, under
 * tcp_listen_lock), tested with tp->wlock held so no wakeup is lost.
 */
int tcp_wait_wlocked(struct tcp_sock *tp, uint64_t deadline,
    uint64_t timeo);
/* Enter CLOSED: stop timers, unhash, detach from a listener. [T] */
void tcp_done(struct tcp_sock *tp);
/* Record an error (ECONNRESET...) for the socket or the orphan. [T] */
void tcp_set_error(struct tcp_sock *tp, int err);
void tcp_set_state(struct tcp_sock *tp, enum tcp_state st);
void tcp_trace(struct tcp_sock *tp, const char *what);

/* tcp_output.c */
/* Send what the windows allow: data, FIN. [T] */
void tcp_output(struct tcp_sock *tp);
void tcp_send_ack(struct tcp_sock *tp);
void tcp_send_syn(struct tcp_sock *tp);	/* SYN or SYN-ACK per state */
void tcp_send_rst_for(struct tcp_sock *tp);	/* abort: RST to the peer */
void tcp_send_probe(struct tcp_sock *tp);	/* seq snd_una - 1, no data */
/* Retransmit len bytes (or the SYN/FIN) at seq. [T] */
int tcp_retransmit(struct tcp_sock *tp, uint32_t seq, uint32_t len);
/* A RST answering segment th of p (not taken) that had no connection. */
void tcp_reply_rst(struct pkt *p, const struct tcphdr *th, size_t datalen);
uint32_t tcp_rcv_window(struct tcp_sock *tp);
uint32_t tcp_flight(struct tcp_sock *tp);
void tcp_ring_append(struct tcp_sock *tp, const uint8_t *buf, uint32_t n);

/* tcp_input.c: our SACK blocks, from the out-of-order queue. */
void tcp_ooo_sack(struct tcp_sock *tp, struct tcp_sack_block *out, int *n,
    int max);

/* tcp_timer.c */
void tcp_timers_init(struct tcp_sock *tp);
void tcp_timers_stop(struct tcp_sock *tp, bool sync);
void tcp_arm_rexmt(struct tcp_sock *tp);
void tcp_arm_delack(struct tcp_sock *tp);
void tcp_arm_keepalive(struct tcp_sock *tp);
void tcp_arm_persist(struct tcp_sock *tp);
void tcp_enter_timewait(struct tcp_sock *tp);
/* An output that stopped short for want of heap: send later. */
void tcp_kick_later(struct tcp_sock *tp);
bool tcp_in_timer(void);

/* tcp.c: the socket's methods */
extern const struct proto_ops tcp_ops;
/* A child's connection completed (SYN-RECEIVED to ESTABLISHED). [T] */
void tcp_child_established(struct tcp_sock *child);

#endif
