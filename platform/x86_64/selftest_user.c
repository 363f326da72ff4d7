/*
 * test=user: run the boot module (QEMU's -initrd, GRUB's module2) as
 * init, the whole way a real init will go: the core makes the calling
 * thread process 1 (proc_init()), the ELF loader fills its fresh address
 * space, uctx_exec() points the registers at the entry and the stack,
 * and uctx_enter() drops to ring 3.  From there the program lives on
 * syscalls (syscall_entry.S, the core's table) and faults; when init
 * exits, the core powers the machine off with its exit status, which
 * tests/qemu/user.sh checks together with the program's output.
 *
 * When the module is a newc cpio archive (magic "070701") it is an
 * initramfs instead: it is unpacked into the root tmpfs and init is
 * exec'd from there, /sbin/init or the init= boot option, as Linux does.
 */
#include "contract/boot.h"
#include "contract/physmem.h"
#include "contract/uctx.h"
#include "cpufunc.h"
#include "exec/elf.h"
#include "fs/vfs.h"
#include "kern/cmdline.h"
#include "lib/string.h"
#include "kern/printk.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "x86.h"

/* Give up: say why and power off with status 1 (a failed test). */
static __noreturn void user_fail(const char *what, int error)
{
	printk("user test: FAILED: %s (%d)\n", what, error);
	platform_poweroff(1);
}

/* AT_HWCAP on x86-64: CPUID leaf 1's EDX feature bits. */
static uint64_t hwcap(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}

/* Unpack the initramfs and run its init; never returns. */
static __noreturn void initramfs(struct uctx *u, const char *const *argv,
    const char *const *envp)
{
	const char *init = cmdline_get("init");
	const char *iargv[2];
	int error;

	error = cpio_unpack(phys_to_virt(bootinfo.modules[0].base),
	    bootinfo.modules[0].len);
	if (error)
		user_fail("unpacking the initramfs", error);
	if (init == NULL || *init == '\0')
		init = "/sbin/init";
	iargv[0] = init;
	iargv[1] = NULL;
	(void)argv;
	error = vfs_exec_kernel(init, iargv, envp);
	if (error)
		user_fail("exec of init", error);
	printk("user test: %s exec'd from the initramfs\n", init);
	uctx_enter(u);
}

void selftest_user(void)
{
	static const char *const argv[] = { "init", NULL };
	static const char *const envp[] = { "HOME=/", "TERM=linux", NULL };
	struct elf_args args = { .argv = argv, .envp = envp,
	    .execfn = "/init", .hwcap = hwcap() };
	struct elf_result res;
	struct uctx *u;
	int error;

	if (bootinfo.nmodules == 0)
		user_fail("no boot module: boot with -initrd PROGRAM", 0);
	u = uctx_alloc();
	if (u == NULL)
		user_fail("no memory for a user context", 0);
	error = proc_init(u);
	if (error)
		user_fail("proc_init", error);
	if (bootinfo.modules[0].len >= 6 &&
	    memcmp(phys_to_virt(bootinfo.modules[0].base), "070701", 6) == 0)
		initramfs(u, argv, envp);
	error = elf_load(curthread()->vmspace,
	    phys_to_virt(bootinfo.modules[0].base), bootinfo.modules[0].len,
	    &args, &res);
	if (error)
		user_fail("loading the boot module", error);
	printk("user test: init loaded, entry %#lx, stack %#lx\n", res.entry,
	    res.sp);
	uctx_exec(u, res.entry, res.sp);
	uctx_enter(u);
}
