/*
 * The hosted TAP device's link impairment (platform/hosted/netem.c), on
 * its own: the spec parser's accepted and refused forms, and the engine
 * against what its spec promises -- order kept without jitter or
 * reordering, loss and duplication near their rates and the same for
 * the same seed, the delay honoured, reordering overtaking.
 * The network tests (tests/net) use it end to end.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netem.h"

#define N	1000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t got[4 * N];
static uint64_t got_at[4 * N];
static int ngot;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
collect(void *arg, const uint8_t *frame, size_t len)
{
	uint32_t v;

	ck_assert_uint_eq(len, sizeof(v));
	memcpy(&v, frame, sizeof(v));
	pthread_mutex_lock(&mu);
	got_at[ngot] = now_ns();
	got[ngot++] = v;
	pthread_mutex_unlock(&mu);
}

/* Push frames 0..n-1 through spec with seed; wait until quiet. */
static int
run(const char *spec, uint64_t seed, int n, uint64_t *sent_at)
{
	struct netem_spec s;
	struct netem *ne = calloc(1, sizeof(*ne));
	char err[128];
	uint32_t i;
	int last = -1;

	ck_assert_int_eq(netem_parse(spec, &s, err, sizeof(err)), 0);
	ngot = 0;
	ck_assert_int_eq(netem_start(ne, &s, seed, collect, NULL), 0);
	for (i = 0; i < (uint32_t)n; i++) {
		if (sent_at != NULL)
			sent_at[i] = now_ns();
		netem_submit(ne, (uint8_t *)&i, sizeof(i));
	}
	while (last != ngot) {		/* quiet for 100 ms: done */
		last = ngot;
		usleep(100 * 1000);
	}
	netem_stop(ne);
	free(ne);
	return ngot;
}

START_TEST(test_parse)
{
	struct netem_spec s;
	char err[128];

	ck_assert_int_eq(netem_parse("delay 20ms 5ms loss 5% reorder 10% "
	    "duplicate 2%", &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.delay_ns, 20000000);
	ck_assert_uint_eq(s.jitter_ns, 5000000);
	ck_assert_uint_eq(s.loss_ppm, 50000);
	ck_assert_uint_eq(s.reorder_ppm, 100000);
	ck_assert_uint_eq(s.duplicate_ppm, 20000);
	ck_assert_int_eq(netem_parse("loss 0.5 delay 1s", &s, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(s.loss_ppm, 5000);
	ck_assert_uint_eq(s.delay_ns, 1000000000);
	ck_assert_uint_eq(s.jitter_ns, 0);
	/* A jitter above the delay is cut to it (no negative delays). */
	ck_assert_int_eq(netem_parse("delay 100us 2ms", &s, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(s.jitter_ns, s.delay_ns);
	ck_assert_int_eq(netem_parse("", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(netem_parse("delay", &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad netem spec"));
	ck_assert_int_eq(netem_parse("delay abc", &s, err, sizeof(err)), -1);
	ck_assert_int_eq(netem_parse("delay 5parsecs", &s, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(netem_parse("loss 150%", &s, err, sizeof(err)), -1);
	ck_assert_int_eq(netem_parse("loss -1%", &s, err, sizeof(err)), -1);
	ck_assert_int_eq(netem_parse("corrupt 1%", &s, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_plain_keeps_order)
{
	int i;

	ck_assert_int_eq(run("", 1, N, NULL), N);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(got[i], (uint32_t)i);
	ck_assert_int_eq(run("delay 2ms", 1, N, NULL), N);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(got[i], (uint32_t)i);
}
END_TEST

START_TEST(test_loss_rate_and_seed)
{
	int a = run("loss 30%", 42, N, NULL), b = run("loss 30%", 42, N, NULL);
	int c = run("loss 30%", 43, N, NULL);

	ck_assert_int_ge(a, 620);
	ck_assert_int_le(a, 780);
	ck_assert_int_eq(a, b);		/* the same seed drops the same */
	ck_assert_int_ge(c, 620);
	ck_assert_int_le(c, 780);
}
END_TEST

START_TEST(test_duplicate_rate)
{
	int n = run("duplicate 50%", 7, N, NULL);

	ck_assert_int_ge(n, 1420);
	ck_assert_int_le(n, 1580);
}
END_TEST

START_TEST(test_delay_honoured)
{
	static uint64_t sent_at[100];
	int i;

	ck_assert_int_eq(run("delay 30ms 5ms", 3, 100, sent_at), 100);
	for (i = 0; i < 100; i++)
		ck_assert_uint_ge(got_at[i] - sent_at[got[i]], 25000000);
}
END_TEST

/*
 * With reorder 30%, about 30% of the frames skip the delay and overtake
 * the frames sent before them: count the frames that came out ahead of
 * some earlier-numbered one.
 */
START_TEST(test_reorder_overtakes)
{
	uint32_t low = UINT32_MAX;
	int i, overtook = 0;

	ck_assert_int_eq(run("delay 20ms reorder 30%", 5, 200, NULL), 200);
	for (i = 199; i >= 0; i--) {
		overtook += got[i] > low;
		if (got[i] < low)
			low = got[i];
	}
	ck_assert_int_ge(overtook, 35);
	ck_assert_int_le(overtook, 85);
}
END_TEST

static Suite *
netem_suite(void)
{
	Suite *s = suite_create("netem");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_plain_keeps_order);
	tcase_add_test(tc, test_loss_rate_and_seed);
	tcase_add_test(tc, test_duplicate_rate);
	tcase_add_test(tc, test_delay_honoured);
	tcase_add_test(tc, test_reorder_overtakes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netem_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
