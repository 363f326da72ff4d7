/*
 * Time from user mode (musl calls the syscalls: there is no vDSO): the
 * monotonic clock moves forward, nanosleep(100 ms) takes at least
 * 100 ms, gettimeofday agrees with clock_gettime(CLOCK_REALTIME), and the
 * wall clock (the CMOS RTC at boot) is after 2020.
 */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static long long ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int main(void)
{
	struct timespec a, b, req = { 0, 100000000 }, rt;
	struct timeval tv;
	long long d;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns(&b) < ns(&a)) {
			printf("time: FAILED: monotonic went back\n");
			return 1;
		}
		a = b;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (nanosleep(&req, NULL) != 0) {
		printf("time: FAILED: nanosleep\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	d = ns(&b) - ns(&a);
	if (d < 100000000LL) {
		printf("time: FAILED: slept %lld ns\n", d);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	d = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL - ns(&rt);
	if (d < 0 || d > 50000000LL) {
		printf("time: FAILED: gettimeofday off by %lld ns\n", d);
		return 1;
	}
	if (rt.tv_sec < 1577836800 || time(NULL) < rt.tv_sec) {
		printf("time: FAILED: wall clock %lld\n", (long long)rt.tv_sec);
		return 1;
	}
	printf("time: ok (slept %lld ms)\n", (ns(&b) - ns(&a)) / 1000000);
	return 0;
}
