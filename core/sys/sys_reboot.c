/*
 * reboot(2): power the machine off, halt it or restart it.  Root only
 * (EPERM first, as Linux checks CAP_SYS_BOOT before anything else), and
 * only with Linux's magic numbers (EINVAL otherwise), which keep a stray
 * call from taking the machine down.  Nothing is synced: that is user
 * space's job, as on Linux (busybox's poweroff -f skips it on purpose).
 */
#include "contract/boot.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "sys/syscall.h"

#define REBOOT_MAGIC1		0xfee1deadu
/* The second magic: any of Linus's and his daughters' birthdays. */
#define REBOOT_MAGIC2		672274793u
#define REBOOT_MAGIC2A		85072278u
#define REBOOT_MAGIC2B		369367448u
#define REBOOT_MAGIC2C		537993216u

#define REBOOT_CMD_RESTART	0x01234567u
#define REBOOT_CMD_HALT		0xcdef0123u
#define REBOOT_CMD_CAD_ON	0x89abcdefu
#define REBOOT_CMD_CAD_OFF	0x00000000u
#define REBOOT_CMD_POWER_OFF	0x4321fedcu
#define REBOOT_CMD_RESTART2	0xa1b2c3d4u
#define REBOOT_CMD_SW_SUSPEND	0xd000fce2u

long
sys_reboot(const struct syscall_args *a)
{
	uint32_t magic1 = (uint32_t)a->a[0], magic2 = (uint32_t)a->a[1];
	uint32_t cmd = (uint32_t)a->a[2];
	struct proc *p = proc_current();
	uint32_t euid;

	spin_lock(&proc_lock);
	euid = p->cred.euid;
	spin_unlock(&proc_lock);
	if (euid != 0)
		return -EPERM;
	if (magic1 != REBOOT_MAGIC1 || (magic2 != REBOOT_MAGIC2 &&
	    magic2 != REBOOT_MAGIC2A && magic2 != REBOOT_MAGIC2B &&
	    magic2 != REBOOT_MAGIC2C))
		return -EINVAL;
	switch (cmd) {
	case REBOOT_CMD_CAD_ON:
	case REBOOT_CMD_CAD_OFF:
		/* There is no Ctrl-Alt-Del key to route; accepted. */
		return 0;
	case REBOOT_CMD_HALT:
	case REBOOT_CMD_POWER_OFF:
		printk("reboot: power down\n");
		platform_poweroff(0);
	case REBOOT_CMD_RESTART:
	case REBOOT_CMD_RESTART2:
		printk("reboot: restarting system\n");
		platform_reboot();
	case REBOOT_CMD_SW_SUSPEND:
		return -ENOSYS;		/* no hibernation, as a kernel without it */
	default:
		return -EINVAL;
	}
}
