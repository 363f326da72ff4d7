/*
 * Wall-clock time and the time syscalls (kern/time.c).
 *
 * clock_ns() (contract/clock.h) is the monotonic clock; CLOCK_REALTIME
 * is clock_boot_epoch_ns() + clock_ns() + an adjustment that
 * settimeofday(2) and clock_settime(2) change.  Timespecs cross the
 * syscall boundary in Linux's x86-64 layout (two 64-bit words).
 */
#ifndef KERN_TIME_H
#define KERN_TIME_H

#include "kern/types.h"

struct syscall_args;

#define NSEC_PER_SEC	1000000000ull
#define NSEC_PER_USEC	1000ull

#define CLOCK_REALTIME			0
#define CLOCK_MONOTONIC			1
#define CLOCK_PROCESS_CPUTIME_ID	2
#define CLOCK_THREAD_CPUTIME_ID		3
#define CLOCK_MONOTONIC_RAW		4
#define CLOCK_REALTIME_COARSE		5
#define CLOCK_MONOTONIC_COARSE		6
#define CLOCK_BOOTTIME			7

#define TIMER_ABSTIME	1

struct k_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct k_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

/* Nanoseconds since the epoch, now. */
uint64_t time_realtime_ns(void);

/*
 * Copy a timespec in from user address u and check it as Linux does for
 * sleeps and timeouts (0 <= tv_nsec < 1e9, tv_sec >= 0): 0, -EFAULT or
 * -EINVAL; *ns gets its value in nanoseconds, saturated.
 */
int time_copyin_timespec(uaddr_t u, uint64_t *ns);

/*
 * The clock_ns() time when the CLOCK_REALTIME clock will read
 * realtime_ns (now if that has passed), for absolute realtime timeouts.
 */
uint64_t time_realtime_to_mono(uint64_t realtime_ns);

/* a + b, saturated at UINT64_MAX (a deadline that never comes). */
static inline uint64_t
time_add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

long sys_nanosleep(const struct syscall_args *a);
long sys_getitimer(const struct syscall_args *a);
long sys_alarm(const struct syscall_args *a);
long sys_setitimer(const struct syscall_args *a);
long sys_gettimeofday(const struct syscall_args *a);
long sys_settimeofday(const struct syscall_args *a);
long sys_time(const struct syscall_args *a);
long sys_clock_settime(const struct syscall_args *a);
long sys_clock_gettime(const struct syscall_args *a);
long sys_clock_getres(const struct syscall_args *a);
long sys_clock_nanosleep(const struct syscall_args *a);

#endif
