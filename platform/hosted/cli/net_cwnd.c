/*
 * The --cwnd-trace option of httpd and get: a host file with one line
 * each time a connection's congestion state (TCP_INFO's snd_cwnd,
 * snd_ssthresh, total_retrans) changes, so a test can see the window
 * grow in slow start and fall after a loss:
 *
 *	# ms conn snd_cwnd snd_ssthresh total_retrans rtt_us
 *	12 0 10 2147483647 0 20512
 *
 * ms counts from the trace's opening; conn numbers the connections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define TRACKED	1024		/* connections remembered, by number */

struct cwnd_trace {
	FILE *f;
	uint64_t t0;
	struct {
		int conn;
		uint32_t cwnd, ssthresh, retrans;
	} last[TRACKED];
};

struct cwnd_trace *
cwnd_trace_open(const char *path)
{
	struct cwnd_trace *ct = calloc(1, sizeof(*ct));
	int i;

	if (ct == NULL || (ct->f = fopen(path, "w")) == NULL) {
		free(ct);
		return NULL;
	}
	setvbuf(ct->f, NULL, _IOLBF, 0);	/* readable while it runs */
	for (i = 0; i < TRACKED; i++)
		ct->last[i].conn = -1;
	ct->t0 = net_now_ms();
	fprintf(ct->f, "# ms conn snd_cwnd snd_ssthresh total_retrans "
	    "rtt_us\n");
	return ct;
}

void
cwnd_trace_sample(struct cwnd_trace *ct, int conn, int fd)
{
	struct k_tcp_info ti;
	int slot = conn % TRACKED;

	if (ct == NULL || u_tcp_info(fd, &ti) < 0)
		return;
	if (ct->last[slot].conn == conn && ct->last[slot].cwnd ==
	    ti.snd_cwnd && ct->last[slot].ssthresh == ti.snd_ssthresh &&
	    ct->last[slot].retrans == ti.total_retrans)
		return;
	ct->last[slot].conn = conn;
	ct->last[slot].cwnd = ti.snd_cwnd;
	ct->last[slot].ssthresh = ti.snd_ssthresh;
	ct->last[slot].retrans = ti.total_retrans;
	fprintf(ct->f, "%lu %d %u %u %u %u\n",
	    (unsigned long)(net_now_ms() - ct->t0), conn, ti.snd_cwnd,
	    ti.snd_ssthresh, ti.total_retrans, ti.rtt);
}

void
cwnd_trace_close(struct cwnd_trace *ct)
{
	if (ct == NULL)
		return;
	fclose(ct->f);
	free(ct);
}
