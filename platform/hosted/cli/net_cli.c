/*
 * biscotti net: the hosted kernel on a TAP link, running one built-in
 * network program.
 *
 *	biscotti net --tap NAME --addr A.B.C.D/N [--gw G] [--peer A.B.C.D/N]
 *	    [--cpus N] [--mem MiB] [--netem SPEC] [--netem-tx SPEC]
 *	    [--seed N] -- PROGRAM [ARGS]
 *
 * It boots the kernel (two vCPUs unless told), opens TAP interface NAME
 * as the kernel's network device (platform/hosted/tap.c), brings the
 * host's side up through libnl (net_link.c; with --peer, the host side
 * gets that address, so Linux programs on this host or in this network
 * namespace reach the stack at --addr), gives the stack its address and
 * default route, and runs PROGRAM as init's user program:
 *
 *	httpd DIR [--port P] [--cwnd-trace FILE]	(net_httpd.c)
 *	echo [--tcp-port P] [--udp-port P]		(net_echo.c)
 *	discard [--port P]				(net_echo.c)
 *	get URL [-o FILE] [--cwnd-trace FILE]		(net_get.c)
 *	udpsend HOST PORT MSG				(net_udp.c)
 *	udpecho-client HOST PORT [--count N] [--size S]	(net_udp.c)
 *
 * --netem impairs both directions of the link inside the device, as
 * Linux's netem qdisc would (delay, jitter, loss, reordering,
 * duplication; platform/hosted/netem.h), --netem-tx only what the
 * stack sends.
 *
 * SIGINT and SIGTERM stop it cleanly: servers see net_stopping() within
 * a fraction of a second and return, the device is stopped and the TAP
 * interface, which is not persistent, disappears with its descriptor.
 * A second signal, or a program that does not return within
 * STOP_GRACE_S, ends the process at once.  The exit status is the
 * program's (0 for a server stopped by a signal).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hosted.h"
#include "net.h"
#include "net/inet.h"
#include "net/netdev.h"

#define STOP_GRACE_S	5

struct net_opts {
	const char *tap, *peer, *netem, *netem_tx;
	uint32_t addr, gw;
	unsigned prefix;
	uint64_t seed;
	int argc;		/* the program's */
	char **argv;
};

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} programs[] = {
	{ "httpd", net_httpd }, { "echo", net_echo },
	{ "discard", net_discard }, { "get", net_get },
	{ "udpsend", net_udpsend }, { "udpecho-client", net_udpecho_client },
};

static volatile int stop_requested;

bool
net_stopping(void)
{
	return __atomic_load_n(&stop_requested, __ATOMIC_RELAXED) != 0;
}

uint64_t
net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
net_parse_ipv4(const char *s, uint32_t *addr)
{
	unsigned long v;
	uint32_t a = 0;
	char *end;
	int i;

	for (i = 0; i < 4; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = strtoul(s, &end, 10);
		if (v > 255 || end - s > 3)
			return -1;
		a = a << 8 | (uint32_t)v;
		s = end;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s != '\0')
		return -1;
	*addr = htonl(a);
	return 0;
}

int
net_parse_port(const char *s, bool zero_ok)
{
	unsigned long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 65535 || (v == 0 && !zero_ok))
		return -1;
	return (int)v;
}

/* "A.B.C.D/N" */
static int
parse_cidr(const char *s, uint32_t *addr, unsigned *prefix)
{
	char buf[32], *slash;
	char *end;
	unsigned long n;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	n = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || n > 32)
		return -1;
	*prefix = (unsigned)n;
	return net_parse_ipv4(buf, addr);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: biscotti net --tap NAME --addr A.B.C.D/N [--gw G] "
	    "[--peer A.B.C.D/N]\n"
	    "           [--cpus N] [--mem MiB] [--netem SPEC] "
	    "[--netem-tx SPEC] [--seed N]\n"
	    "           -- PROGRAM [ARGS]\n"
	    "programs:\n"
	    "  httpd DIR [--port P] [--cwnd-trace FILE]\n"
	    "  echo [--tcp-port P] [--udp-port P]\n"
	    "  discard [--port P]\n"
	    "  get http://A.B.C.D[:P]/PATH [-o FILE] [--cwnd-trace FILE]\n"
	    "  udpsend HOST PORT MSG\n"
	    "  udpecho-client HOST PORT [--count N] [--size S]\n");
}

/*
 * The signal thread: every other thread has SIGINT and SIGTERM blocked,
 * so they arrive here, outside the kernel's vCPUs.
 */
static void *
signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	if (sigwait(set, &sig) != 0)
		return NULL;
	fprintf(stderr, "biscotti net: %s, stopping\n", strsignal(sig));
	__atomic_store_n(&stop_requested, 1, __ATOMIC_RELAXED);
	alarm(STOP_GRACE_S);	/* SIGALRM's default action ends us */
	if (sigwait(set, &sig) == 0) {
		fprintf(stderr, "biscotti net: %s again, exiting now\n",
		    strsignal(sig));
		_exit(130);
	}
	return NULL;
}

static int (*find_program(const char *name))(int, char **)
{
	size_t i;

	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (strcmp(programs[i].name, name) == 0)
			return programs[i].run;
	return NULL;
}

/* Init's program: bring the link up, then run the chosen program. */
static int
net_main(void *arg)
{
	struct net_opts *o = arg;
	struct netdev *nd;
	char err[256], stats[512];
	int r;

	if ((r = hosted_tap_open(o->tap, &nd)) < 0) {
		fprintf(stderr, "biscotti net: cannot open TAP %s: %s%s\n",
		    o->tap, u_strerror(r), r == -1 ?
		    " (CAP_NET_ADMIN is needed)" : "");
		return 1;
	}
	if ((o->netem && hosted_tap_netem(nd, o->netem, HOSTED_TAP_RX |
	    HOSTED_TAP_TX, o->seed, err, sizeof(err)) < 0) ||
	    (o->netem_tx && hosted_tap_netem(nd, o->netem_tx, HOSTED_TAP_TX,
	    o->seed, err, sizeof(err)) < 0)) {
		fprintf(stderr, "biscotti net: %s\n", err);
		r = 2;
		goto out;
	}
	if (net_link_configure(o->tap, o->peer, err, sizeof(err)) < 0) {
		fprintf(stderr, "biscotti net: %s\n", err);
		r = 1;
		goto out;
	}
	if ((r = netdev_set_addr(nd, o->addr, o->prefix)) < 0 ||
	    (o->gw != 0 && (r = route_add(0, 0, o->gw, nd)) < 0)) {
		fprintf(stderr, "biscotti net: address or route: %s\n",
		    u_strerror(r));
		r = 1;
		goto out;
	}
	if ((r = u_init()) < 0) {
		fprintf(stderr, "biscotti net: no user memory: %s\n",
		    u_strerror(r));
		r = 1;
		goto out;
	}
	printf("biscotti net: %s up, %s\n", o->tap, o->argv[0]);
	fflush(stdout);
	r = find_program(o->argv[0])(o->argc, o->argv);
out:
	hosted_tap_stats(nd, stats, sizeof(stats));
	if (stats[0] != '\0')
		printf("biscotti net: %s\n", stats);
	fflush(stdout);
	hosted_tap_stop(nd);
	return r;
}

int
cli_net(int argc, char **argv)
{
	struct hosted_config cfg = { .ncpus = 2, .mem_bytes = 512u << 20,
	    .quiet = true };
	struct net_opts o = { .seed = 1 };
	const char *addr = NULL;
	static sigset_t set;
	pthread_t sigt;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			goto bad;
		if (strcmp(argv[i], "--tap") == 0)
			o.tap = v;
		else if (strcmp(argv[i], "--addr") == 0)
			addr = v;
		else if (strcmp(argv[i], "--peer") == 0)
			o.peer = v;
		else if (strcmp(argv[i], "--netem") == 0)
			o.netem = v;
		else if (strcmp(argv[i], "--netem-tx") == 0)
			o.netem_tx = v;
		else if (strcmp(argv[i], "--seed") == 0)
			o.seed = strtoull(v, NULL, 0);
		else if (strcmp(argv[i], "--gw") == 0) {
			if (net_parse_ipv4(v, &o.gw) < 0) {
				fprintf(stderr, "biscotti net: bad --gw %s\n",
				    v);
				return 2;
			}
		} else if (strcmp(argv[i], "--cpus") == 0)
			cfg.ncpus = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--mem") == 0)
			cfg.mem_bytes = (size_t)strtoul(v, NULL, 10) << 20;
		else if (strcmp(argv[i], "--verbose") == 0) {
			cfg.quiet = false;
			continue;
		} else
			goto bad;
		i++;
	}
	if (i + 1 >= argc || o.tap == NULL || addr == NULL)
		goto bad;
	if (parse_cidr(addr, &o.addr, &o.prefix) < 0) {
		fprintf(stderr, "biscotti net: bad --addr %s (want "
		    "A.B.C.D/N)\n", addr);
		return 2;
	}
	if (o.peer != NULL && parse_cidr(o.peer, &(uint32_t){ 0 },
	    &(unsigned){ 0 }) < 0) {
		fprintf(stderr, "biscotti net: bad --peer %s\n", o.peer);
		return 2;
	}
	if (cfg.ncpus < 2 || cfg.ncpus > HOSTED_CPU_MAX ||
	    cfg.mem_bytes < (32u << 20)) {
		fprintf(stderr, "biscotti net: want 2..%d CPUs and 32+ MiB\n",
		    HOSTED_CPU_MAX);
		return 2;
	}
	o.argc = argc - i - 1;
	o.argv = argv + i + 1;
	if (find_program(o.argv[0]) == NULL) {
		fprintf(stderr, "biscotti net: no program %s\n", o.argv[0]);
		goto bad;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&sigt, NULL, signal_thread, &set) != 0) {
		perror("biscotti net: signal thread");
		return 1;
	}
	pthread_detach(sigt);
	return hosted_run_init(&cfg, net_main, &o);
bad:
	usage();
	return 2;
}
