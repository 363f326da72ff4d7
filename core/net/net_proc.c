/*
 * /proc/net/dev and /proc/net/snmp (procfs.c calls these): the devices'
 * counters and the protocols', in Linux's layouts so ifconfig-style and
 * netstat -s-style readers parse them.  /proc/net/snmp ends with one
 * extra pair of lines, "Biscotti:", that names every net_stats counter
 * (the drop reasons Linux folds into InErrors), for tests and the
 * packet fuzzer.
 */
#include "fs/vfs.h"
#include "net/inet.h"
#include "net/netdev.h"

#define LD(x)	((unsigned long long)__atomic_load_n(&(x), __ATOMIC_RELAXED))

static void
dev_line(struct netdev *nd, void *arg)
{
	struct seqbuf *sb = arg;
	const struct netdev_stats *s = &nd->stats;

	seq_printf(sb, "%6s: %8llu %7llu %4llu %4llu %4u %5u %10u %9u "
	    "%8llu %7llu %4llu %4llu %4u %5u %7u %10u\n", nd->name,
	    LD(s->rx_bytes), LD(s->rx_packets), LD(s->rx_errors),
	    LD(s->rx_dropped), 0, 0, 0, 0, LD(s->tx_bytes),
	    LD(s->tx_packets), LD(s->tx_errors), LD(s->tx_dropped), 0, 0, 0,
	    0);
}

void
net_proc_dev(struct seqbuf *sb)
{
	seq_printf(sb, "Inter-|   Receive                            "
	    "                    |  Transmit\n");
	seq_printf(sb, " face |bytes    packets errs drop fifo frame "
	    "compressed multicast|bytes    packets errs drop fifo colls "
	    "carrier compressed\n");
	netdev_foreach(dev_line, sb);
}

/* Every net_stats field by name, in declaration order. */
#define NET_STAT_FIELDS(X) \
	X(eth_short) X(eth_unknown_type) X(arp_bad) X(arp_requests) \
	X(arp_replies) X(ip_in) X(ip_bad_header) X(ip_bad_csum) \
	X(ip_bad_len) X(ip_not_ours) X(ip_frag_reasm) X(ip_frag_dropped) \
	X(ip_no_proto) X(ip_out) X(ip_no_route) X(icmp_in) X(icmp_bad) \
	X(icmp_echo_replies) X(icmp_errors_out) X(udp_in) X(udp_bad) \
	X(udp_bad_csum) X(udp_no_port) X(udp_rcvbuf_full) X(udp_out) \
	X(tcp_in) X(tcp_bad) X(tcp_bad_csum) X(tcp_bad_opts) X(tcp_no_conn) \
	X(tcp_out_of_window) X(tcp_rst_out) X(tcp_out) X(tcp_retrans) \
	X(tcp_fast_retrans) X(tcp_timeouts) X(tcp_active_opens) \
	X(tcp_passive_opens) X(tcp_sack_blocks_in) X(tcp_rcv_dropped) \
	X(tcp_listen_drops)

#define NAME(f)		" " #f
#define VALUE(f)	seq_printf(sb, " %llu", LD(s->f));

void
net_proc_snmp(struct seqbuf *sb)
{
	const struct net_stats *s = &net_stats;

	seq_printf(sb, "Ip: Forwarding DefaultTTL InReceives InHdrErrors "
	    "InAddrErrors ForwDatagrams InUnknownProtos InDiscards "
	    "InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout "
	    "ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates\n");
	seq_printf(sb, "Ip: 2 %d %llu %llu %llu 0 %llu 0 0 %llu 0 %llu 0 0 "
	    "%llu %llu 0 0 0\n", IP_DEFAULT_TTL, LD(s->ip_in),
	    LD(s->ip_bad_header) + LD(s->ip_bad_csum) + LD(s->ip_bad_len),
	    LD(s->ip_not_ours), LD(s->ip_no_proto), LD(s->ip_out),
	    LD(s->ip_no_route), LD(s->ip_frag_reasm),
	    LD(s->ip_frag_dropped));
	seq_printf(sb, "Icmp: InMsgs InErrors OutMsgs OutErrors "
	    "OutEchoReps\n");
	seq_printf(sb, "Icmp: %llu %llu %llu %llu %llu\n", LD(s->icmp_in),
	    LD(s->icmp_bad), LD(s->icmp_echo_replies) +
	    LD(s->icmp_errors_out), LD(s->icmp_errors_out),
	    LD(s->icmp_echo_replies));
	seq_printf(sb, "Tcp: ActiveOpens PassiveOpens InSegs OutSegs "
	    "RetransSegs InErrs OutRsts InCsumErrors\n");
	seq_printf(sb, "Tcp: %llu %llu %llu %llu %llu %llu %llu %llu\n",
	    LD(s->tcp_active_opens), LD(s->tcp_passive_opens), LD(s->tcp_in),
	    LD(s->tcp_out), LD(s->tcp_retrans), LD(s->tcp_bad) +
	    LD(s->tcp_bad_csum), LD(s->tcp_rst_out), LD(s->tcp_bad_csum));
	seq_printf(sb, "Udp: InDatagrams NoPorts InErrors OutDatagrams "
	    "RcvbufErrors SndbufErrors InCsumErrors\n");
	seq_printf(sb, "Udp: %llu %llu %llu %llu %llu 0 %llu\n",
	    LD(s->udp_in), LD(s->udp_no_port), LD(s->udp_bad) +
	    LD(s->udp_bad_csum) + LD(s->udp_rcvbuf_full), LD(s->udp_out),
	    LD(s->udp_rcvbuf_full), LD(s->udp_bad_csum));
	seq_printf(sb, "Biscotti:" NET_STAT_FIELDS(NAME) "\n");
	seq_printf(sb, "Biscotti:");
	NET_STAT_FIELDS(VALUE)
	seq_printf(sb, "\n");
}
