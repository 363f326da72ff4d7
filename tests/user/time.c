/*
 * Time from user mode (musl calls the syscalls: there is no vDSO): the
 * monotonic clock moves forward, nanosleep(100 ms) takes at least
 * 100 ms, gettimeofday agrees with clock_gettime(CLOCK_REALTIME), the
 * wall clock (the CMOS RTC at boot) is after 2020, and ITIMER_VIRTUAL and
 * ITIMER_PROF send SIGVTALRM and SIGPROF to a process that spins.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static long long ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static volatile sig_atomic_t vtalrms, profs;

static void on_timer(int sig)
{
	if (sig == SIGPROF)
		profs++;
	else
		vtalrms++;
}

/*
 * Spin with both CPU timers at 10 ms until each has fired twice.
 */
static int cpu_timers(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, cur;
	volatile unsigned long x = 0;
	int i, chunk;

	signal(SIGVTALRM, on_timer);
	signal(SIGPROF, on_timer);
	if (setitimer(ITIMER_VIRTUAL, &it, NULL) != 0 ||
	    setitimer(ITIMER_PROF, &it, NULL) != 0) {
		printf("time: FAILED: setitimer\n");
		return 1;
	}
	if (getitimer(ITIMER_PROF, &cur) != 0 || cur.it_value.tv_usec == 0 ||
	    cur.it_value.tv_usec > 10000) {
		printf("time: FAILED: getitimer\n");
		return 1;
	}
	/*
	 * Pure user-mode spinning, no syscalls: the timer interrupt's
	 * return to user mode charges the time.  Bounded by work, not by
	 * a clock read (which would be a syscall): 2e9 additions take
	 * seconds even under emulation.
	 */
	for (chunk = 0; chunk < 20000 && (vtalrms < 2 || profs < 2); chunk++)
		for (i = 0; i < 100000; i++)
			x += (unsigned long)i;
	it.it_value.tv_usec = 0;
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
	if (vtalrms < 2 || profs < 2) {
		printf("time: FAILED: %d SIGVTALRM, %d SIGPROF\n",
		    (int)vtalrms, (int)profs);
		return 1;
	}
	return 0;
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
	if (cpu_timers() != 0)
		return 1;
	printf("time: ok (slept %lld ms)\n", (ns(&b) - ns(&a)) / 1000000);
	return 0;
}
