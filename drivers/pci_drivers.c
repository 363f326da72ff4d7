/*
 * The PCI drivers built into the kernel: the configuration.  At boot the
 * platform offers every device it finds to these drivers, in this order
 * (drivers/pci.h); a device goes to the first whose id list matches and
 * whose probe() accepts it.  A new driver adds one line here.
 */
#include "drivers/pci.h"

const struct pci_driver *const pci_drivers[] = {
	NULL
};
