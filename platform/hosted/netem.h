/*
 * A link impairment for the hosted TAP device (netem.c), between tap.c
 * and the engine: what Linux's netem qdisc does to a queue of frames
 * (delay with jitter, loss, reordering, duplication), done in the
 * device's host threads.  It exists because the network tests need a
 * lossy link in both directions and the machine's kernel may lack
 * sch_netem; a qdisc on the host side of the tap would also only impair
 * what Linux sends to us, never our own data.
 *
 * The spec is netem's own syntax, a subset:
 *	delay TIME [JITTER]  loss P%  reorder P%  duplicate P%
 * with TIME in us, ms or s.  A reordered frame skips the delay (as in
 * netem, where "reorder" sends that share of frames at once), so the
 * frames behind it are overtaken.  Random choices come from a seeded
 * generator: the same seed gives the same drops.
 */
#ifndef HOSTED_NETEM_H
#define HOSTED_NETEM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct netem_spec {
	uint64_t delay_ns, jitter_ns;
	uint32_t loss_ppm, reorder_ppm, duplicate_ppm;	/* of 1,000,000 */
};

/* Parse spec into *out: 0, or -1 with a message in err. */
int netem_parse(const char *spec, struct netem_spec *out, char *err,
    size_t errlen);

struct netem_frame;

/* One impaired direction: its frames wait in a heap by due time. */
struct netem {
	struct netem_spec spec;
	/* Where a frame goes when it is due (from the netem thread). */
	void (*deliver)(void *arg, const uint8_t *frame, size_t len);
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* on CLOCK_MONOTONIC */
	struct netem_frame **heap;	/* [mu] min-heap by (due, seq) */
	size_t n, cap;			/* [mu] */
	uint64_t seq;			/* [mu] */
	uint64_t rng;			/* [mu] xorshift state */
	int stop;			/* [mu] */
	pthread_t thread;
	/* Counters, for the tests' logs. */
	uint64_t in, dropped, duplicated, reordered;
};

/* Start ne's thread with spec and seed: 0 or -errno. */
int netem_start(struct netem *ne, const struct netem_spec *spec,
    uint64_t seed, void (*deliver)(void *, const uint8_t *, size_t),
    void *arg);
/* Impair a frame (copied): it is dropped, or delivered once or twice. */
void netem_submit(struct netem *ne, const uint8_t *frame, size_t len);
/* Stop the thread and free what still waits. */
void netem_stop(struct netem *ne);

#endif
