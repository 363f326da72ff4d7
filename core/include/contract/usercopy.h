/*
 * Contract: copies between kernel memory and the current user address
 * space (the calling CPU's active pmap).
 *
 * A missing page or a protection violation is handed to the core's
 * vm_fault() (entry.h), exactly as a hardware fault would be; when it
 * resolves the fault the copy continues, otherwise the copy stops and
 * returns -EFAULT.  Addresses at or above USER_END fail with -EFAULT
 * without a fault.  x86_64 copies with fault recovery; hosted walks the
 * software page table.  A bad user pointer never crashes the kernel.
 */
#ifndef CONTRACT_USERCOPY_H
#define CONTRACT_USERCOPY_H

#include "kern/types.h"

/* Return 0 or -EFAULT.  On -EFAULT, a prefix may have been copied. */
int copyin(void *kdst, uaddr_t usrc, size_t len);
int copyout(uaddr_t udst, const void *ksrc, size_t len);

/*
 * Copy a NUL-terminated string of at most max bytes including the NUL.
 * Return its length without the NUL, -EFAULT, or -ENAMETOOLONG when no NUL
 * is found in max bytes.
 */
ssize_t copyinstr(char *kdst, uaddr_t usrc, size_t max);

#endif
