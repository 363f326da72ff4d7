/*
 * System information: uname(2), sysinfo(2), and arch_prctl(2), whose
 * work is the platform's (contract/uctx.h).
 *
 * uname says "Linux", with a Linux release number.  Programs built for
 * Linux read it: glibc refuses to start on a kernel older than the one it
 * was built for (Debian 12's wants 3.2), and others pick features by the
 * release.  We speak Linux's x86-64 ABI, so that is the truthful answer
 * for them; "biscotti" shows in nodename, release and version for people.
 * 6.1 is Debian 12's kernel, the one whose programs we run.
 */
#include "contract/clock.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/version.h"
#include "lib/string.h"
#include "mm/page.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sys/syscall.h"

#define UTS_LEN	65

struct utsname {
	char sysname[UTS_LEN];
	char nodename[UTS_LEN];
	char release[UTS_LEN];
	char version[UTS_LEN];
	char machine[UTS_LEN];
	char domainname[UTS_LEN];
};

long
sys_uname(const struct syscall_args *a)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", UTS_LEN);
	strlcpy(u.nodename, "biscotti", UTS_LEN);
	strlcpy(u.release, "6.1.0-biscotti", UTS_LEN);
	ksnprintf(u.version, UTS_LEN, "#1 SMP %s %s", kernel_name,
	    kernel_release);
	strlcpy(u.machine, "x86_64", UTS_LEN);
	strlcpy(u.domainname, "(none)", UTS_LEN);
	if (copyout(a->a[0], &u, sizeof(u)) != 0)
		return -EFAULT;
	return 0;
}

/* Linux's struct sysinfo on x86-64 (112 bytes). */
struct sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram;
	uint64_t totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

/* sysinfo(2): uptime, memory in bytes (mem_unit 1), processes; no load average yet. */
long
sys_sysinfo(const struct syscall_args *a)
{
	struct sysinfo si;

	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(clock_ns() / 1000000000u);
	si.totalram = (uint64_t)page_total() * PAGE_SIZE;
	si.freeram = (uint64_t)page_free_count() * PAGE_SIZE;
	si.procs = (uint16_t)MIN(proc_count(), 0xffff);
	si.mem_unit = 1;
	if (copyout(a->a[0], &si, sizeof(si)) != 0)
		return -EFAULT;
	return 0;
}

long
sys_arch_prctl(const struct syscall_args *a)
{
	return uctx_arch_prctl(curthread()->uctx, (int)a->a[0], a->a[1]);
}
