/*
 * Booting the core inside this process.
 *
 * hosted_boot() maps the arena, sets up the vCPUs and the clock, and runs
 * core_main() on vCPU 0, a new host thread; the caller's thread only waits.
 * The first kernel thread runs the caller's function; when it returns (or
 * anything calls platform_poweroff()) the waiting thread is told the
 * status and hosted_boot() returns it.
 *
 * Power-off does not unwind the kernel: vCPU host threads stop at their
 * next delivery point (cpu_idle(), cpu_poll(), interrupts re-enabled) and
 * block there for good, and the arena stays mapped.  So a boot happens at
 * most once per process; tests get a fresh process per case from Check's
 * fork mode, and the biscotti program exits right after.
 */
#include <stdio.h>
#include <stdlib.h>

#include "contract/boot.h"
#include "contract/entry.h"
#include "hosted.h"
#include "vcpu.h"

struct first_call {
	int (*fn)(void *);
	void *arg;
};

static const char *cmdline = "";
static pthread_mutex_t power_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t power_cv = PTHREAD_COND_INITIALIZER;
static bool powered_off;	/* set once; read without the lock by vCPUs */
static int power_status;
static bool booted;

const char *boot_cmdline(void)
{
	return cmdline;
}

bool hosted_powered_off(void)
{
	return __atomic_load_n(&powered_off, __ATOMIC_ACQUIRE);
}

/* A vCPU after power-off: wait on a condition nobody will signal. */
void hosted_park(void)
{
	pthread_mutex_lock(&power_mu);
	for (;;)
		pthread_cond_wait(&power_cv, &power_mu);
}

/* Record status, release hosted_boot()'s caller, and stop this vCPU. */
void platform_reboot(void)
{
	platform_poweroff(0);
}

void platform_poweroff(int status)
{
	unsigned i;

	pthread_mutex_lock(&power_mu);
	if (!powered_off) {
		power_status = status;
		__atomic_store_n(&powered_off, true, __ATOMIC_RELEASE);
	}
	pthread_cond_broadcast(&power_cv);
	pthread_mutex_unlock(&power_mu);
	/* Idle vCPUs wake, see powered_off and park. */
	for (i = 0; i < cpu_count(); i++)
		hosted_cpu_raise(&hosted_vcpus[i], VCPU_EV_KICK);
	hosted_clock_stop();
	hosted_park();
}

/* The first kernel thread: run the caller's function, power off with its value. */
static void first_thread(void *p)
{
	struct first_call *call = p;

	platform_poweroff(call->fn(call->arg));
}

/* vCPU 0's host thread: the boot CPU. */
static void *boot_cpu_main(void *p)
{
	hosted_cpu_bind(0);
	core_main(first_thread, p);
}

int hosted_boot(const struct hosted_config *cfg, int (*fn)(void *), void *arg)
{
	static struct first_call call;
	unsigned ncpus = cfg->ncpus ? cfg->ncpus : 1;
	pthread_attr_t attr;
	pthread_t tid;
	int status;

	if (booted || ncpus > HOSTED_CPU_MAX ||
	    (cfg->deterministic && ncpus != 1)) {
		fprintf(stderr, "hosted_boot: %s\n", booted ?
		    "one boot per process" : cfg->deterministic ?
		    "a deterministic boot has one CPU" : "too many CPUs");
		abort();
	}
	booted = true;
	call.fn = fn;
	call.arg = arg;
	cmdline = cfg->cmdline ? cfg->cmdline : "";
	hosted_console_init(cfg->quiet);
	hosted_physmem_init(cfg->mem_bytes ? cfg->mem_bytes : 64u << 20);
	hosted_cpus_init(ncpus);
	hosted_clock_init(cfg->deterministic);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, boot_cpu_main, &call) != 0) {
		fprintf(stderr, "hosted_boot: cannot start vCPU 0\n");
		abort();
	}
	pthread_attr_destroy(&attr);

	pthread_mutex_lock(&power_mu);
	while (!powered_off)
		pthread_cond_wait(&power_cv, &power_mu);
	status = power_status;
	pthread_mutex_unlock(&power_mu);
	return status;
}
