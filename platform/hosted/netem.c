/*
 * The hosted TAP device's link impairment (netem.h says what and why).
 *
 * Each direction has one host thread and a min-heap of frames keyed by
 * their due time (then arrival order, so equal times keep FIFO order).
 * netem_submit() decides a frame's fate at once -- lost, or due at now +
 * delay +- jitter, or due now when it is picked for reordering -- and
 * queues a copy (two for a duplicate); the thread sleeps until the
 * earliest is due and hands it to deliver().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netem.h"

struct netem_frame {
	uint64_t due, seq;
	size_t len;
	uint8_t data[];
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Parse "20ms", "5000us", "1s", "20" (ms) into ns: 0 or -1. */
static int
parse_time(const char *s, uint64_t *ns)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0 || *end == '\0')
		*ns = (uint64_t)(v * 1e6);
	else if (strcmp(end, "us") == 0)
		*ns = (uint64_t)(v * 1e3);
	else if (strcmp(end, "s") == 0)
		*ns = (uint64_t)(v * 1e9);
	else
		return -1;
	return 0;
}

/* Parse "5%" or "5" into parts per million: 0 or -1. */
static int
parse_pct(const char *s, uint32_t *ppm)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0 || v > 100 || (*end != '\0' && strcmp(end, "%")))
		return -1;
	*ppm = (uint32_t)(v * 10000.0 + 0.5);
	return 0;
}

int
netem_parse(const char *spec, struct netem_spec *out, char *err,
    size_t errlen)
{
	char buf[256], *tok, *save, *arg;
	uint32_t *pct;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "netem spec too long");
		return -1;
	}
	strcpy(buf, spec);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		arg = strtok_r(NULL, " ", &save);
		if (strcmp(tok, "delay") == 0) {
			if (arg == NULL || parse_time(arg, &out->delay_ns))
				goto bad;
			/* An optional jitter follows when it parses as a time. */
			if (save != NULL && *save != '\0' &&
			    (*save >= '0' && *save <= '9')) {
				arg = strtok_r(NULL, " ", &save);
				if (parse_time(arg, &out->jitter_ns))
					goto bad;
			}
			continue;
		}
		if (strcmp(tok, "loss") == 0)
			pct = &out->loss_ppm;
		else if (strcmp(tok, "reorder") == 0)
			pct = &out->reorder_ppm;
		else if (strcmp(tok, "duplicate") == 0)
			pct = &out->duplicate_ppm;
		else
			goto bad;
		if (arg == NULL || parse_pct(arg, pct))
			goto bad;
	}
	if (out->jitter_ns > out->delay_ns)
		out->jitter_ns = out->delay_ns;
	return 0;
bad:
	snprintf(err, errlen, "bad netem spec at \"%s\" (want: delay TIME "
	    "[JITTER] loss P%% reorder P%% duplicate P%%)", tok);
	return -1;
}

/* xorshift64*: a uniform 64-bit value.  Caller holds ne->mu. */
static uint64_t
rnd(struct netem *ne)
{
	uint64_t x = ne->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ne->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* True with probability ppm / 1e6.  Caller holds ne->mu. */
static int
chance(struct netem *ne, uint32_t ppm)
{
	return ppm > 0 && rnd(ne) % 1000000u < ppm;
}

static int
before(const struct netem_frame *a, const struct netem_frame *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* Heap insert.  Caller holds ne->mu. */
static void
heap_push(struct netem *ne, struct netem_frame *f)
{
	struct netem_frame **h;
	size_t i, parent;

	if (ne->n == ne->cap) {
		h = realloc(ne->heap, (ne->cap ? ne->cap * 2 : 256) *
		    sizeof(*h));
		if (h == NULL) {
			free(f);
			ne->dropped++;
			return;
		}
		ne->heap = h;
		ne->cap = ne->cap ? ne->cap * 2 : 256;
	}
	i = ne->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!before(f, ne->heap[parent]))
			break;
		ne->heap[i] = ne->heap[parent];
		i = parent;
	}
	ne->heap[i] = f;
}

/* Heap minimum removal.  Caller holds ne->mu; ne->n > 0. */
static struct netem_frame *
heap_pop(struct netem *ne)
{
	struct netem_frame *top = ne->heap[0], *last = ne->heap[--ne->n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < ne->n) {
		if (c + 1 < ne->n && before(ne->heap[c + 1], ne->heap[c]))
			c++;
		if (!before(ne->heap[c], last))
			break;
		ne->heap[i] = ne->heap[c];
		i = c;
	}
	if (ne->n > 0)
		ne->heap[i] = last;
	return top;
}

/* Queue one copy of frame due at due.  Caller holds ne->mu. */
static void
enqueue(struct netem *ne, const uint8_t *frame, size_t len, uint64_t due)
{
	struct netem_frame *f = malloc(sizeof(*f) + len);

	if (f == NULL) {
		ne->dropped++;
		return;
	}
	f->due = due;
	f->seq = ne->seq++;
	f->len = len;
	memcpy(f->data, frame, len);
	heap_push(ne, f);
}

/* A due time for a frame arriving now.  Caller holds ne->mu. */
static uint64_t
due_time(struct netem *ne, uint64_t now)
{
	uint64_t d = ne->spec.delay_ns, j = ne->spec.jitter_ns;

	if (chance(ne, ne->spec.reorder_ppm)) {
		ne->reordered++;
		return now;
	}
	if (j > 0)
		d = d - j + rnd(ne) % (2 * j + 1);
	return now + d;
}

void
netem_submit(struct netem *ne, const uint8_t *frame, size_t len)
{
	uint64_t now = now_ns();

	pthread_mutex_lock(&ne->mu);
	ne->in++;
	if (chance(ne, ne->spec.loss_ppm)) {
		ne->dropped++;
		pthread_mutex_unlock(&ne->mu);
		return;
	}
	enqueue(ne, frame, len, due_time(ne, now));
	if (chance(ne, ne->spec.duplicate_ppm)) {
		ne->duplicated++;
		enqueue(ne, frame, len, due_time(ne, now));
	}
	pthread_cond_signal(&ne->cv);
	pthread_mutex_unlock(&ne->mu);
}

/* The direction's thread: deliver each frame when it is due. */
static void *
netem_thread(void *arg)
{
	struct netem *ne = arg;
	struct netem_frame *f;
	struct timespec ts;
	uint64_t now;

	pthread_mutex_lock(&ne->mu);
	while (!ne->stop) {
		if (ne->n == 0) {
			pthread_cond_wait(&ne->cv, &ne->mu);
			continue;
		}
		now = now_ns();
		if (ne->heap[0]->due > now) {
			ts.tv_sec = (time_t)(ne->heap[0]->due / 1000000000u);
			ts.tv_nsec = (long)(ne->heap[0]->due % 1000000000u);
			pthread_cond_timedwait(&ne->cv, &ne->mu, &ts);
			continue;
		}
		f = heap_pop(ne);
		pthread_mutex_unlock(&ne->mu);
		ne->deliver(ne->arg, f->data, f->len);
		free(f);
		pthread_mutex_lock(&ne->mu);
	}
	pthread_mutex_unlock(&ne->mu);
	return NULL;
}

int
netem_start(struct netem *ne, const struct netem_spec *spec, uint64_t seed,
    void (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	pthread_condattr_t ca;
	int err;

	memset(ne, 0, sizeof(*ne));
	ne->spec = *spec;
	ne->deliver = deliver;
	ne->arg = arg;
	ne->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	pthread_mutex_init(&ne->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ne->cv, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&ne->thread, NULL, netem_thread, ne);
	return err ? -err : 0;
}

void
netem_stop(struct netem *ne)
{
	pthread_mutex_lock(&ne->mu);
	ne->stop = 1;
	pthread_cond_signal(&ne->cv);
	pthread_mutex_unlock(&ne->mu);
	pthread_join(ne->thread, NULL);
	while (ne->n > 0)
		free(heap_pop(ne));
	free(ne->heap);
	ne->heap = NULL;
}
