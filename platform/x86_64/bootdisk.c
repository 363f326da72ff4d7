/*
 * The boot disk: the second boot module (GRUB's second module2 line,
 * tools/mkiso's DISKIMAGE), when there is one, becomes RAM disk "ram0"
 * and so /dev/ram0.  The first module stays the initramfs or the init
 * program.  The loader put the image in RAM the page allocator never
 * manages (physmem.c leaves every module out), so the disk uses that
 * memory in place, through the direct map; it is whole pages, which
 * are whole blocks, since the kernel records modules in pages.
 */
#include "blk/blkdev.h"
#include "contract/physmem.h"
#include "kern/printk.h"
#include "x86.h"

void bootdisk_init(void)
{
	struct blkdev *d;
	int err;

	if (bootinfo.nmodules < 2)
		return;
	err = ramdisk_create("ram0", phys_to_virt(bootinfo.modules[1].base),
	    bootinfo.modules[1].len / BLK_SIZE, false, &d);
	if (err != 0)
		printk("bootdisk: no ram0 from module 1 (%d)\n", err);
	else
		printk("bootdisk: ram0, %lu KiB from boot module 1\n",
		    (unsigned long)(bootinfo.modules[1].len >> 10));
}
