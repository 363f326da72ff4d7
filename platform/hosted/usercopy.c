/*
 * Hosted user copies: the software MMU's "hardware" side.
 *
 * On x86_64 copyin() is a plain copy loop that the MMU may interrupt with
 * a page fault; the fault handler calls vm_fault() and either resumes the
 * copy or unwinds it to return -EFAULT.  Hosted has no MMU in the way, so
 * this file does what the MMU would: it splits a copy into steps that each
 * stay inside one user page, translates the page through the calling
 * CPU's active pmap (checking present, user and, for a write, writable),
 * sets the accessed bit and, for a write, the dirty bit, and copies
 * through the direct map.  When the translation fails it calls vm_fault()
 * exactly as the trap handler would, and retries the step when the fault
 * was resolved: a VM built on the hosted bake (copy-on-write, demand
 * zero, mmap of files) sees the same faults it will see on hardware.
 *
 * Each step runs pinned (pmap_sw.h), with interrupts disabled, so that a
 * concurrent pmap_remove() on another CPU waits for the step to finish
 * before the caller frees the page: the step is this MMU's instruction.
 * vm_fault() runs unpinned, with the caller's interrupt state, since it
 * may sleep.
 */
#include "pmap_sw.h"

#include "contract/entry.h"
#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "lib/string.h"

/* Where faults go: the core's VM, or a unit test's stand-in (pmap_sw.h). */
int (*usercopy_fault)(uaddr_t va, unsigned access) = vm_fault;

/* The kernel side of a copy in progress, shared by its steps. */
struct ucopy {
	char *kbuf;		/* kernel buffer */
	size_t done;		/* bytes of it copied so far */
	bool nul;		/* copyinstr: the terminating NUL was copied */
};

/*
 * One step: the user bytes [u, u + n) lie in one page, mapped for the
 * access.  Returns false to end the copy early (copyinstr found its NUL).
 */
typedef bool (*ustep_fn)(char *u, size_t n, struct ucopy *uc);

/*
 * Walk the user range [va, va + len), which lies below USER_END, one page
 * step at a time, faulting pages in with `access` as needed.
 * Returns 0 when the walk ran to the end or a step ended it, or -EFAULT
 * when the VM could not resolve a fault.
 */
static int
user_walk(uaddr_t va, size_t len, unsigned access, ustep_fn step,
    struct ucopy *uc)
{
	unsigned long s;
	size_t n;
	bool more;
	char *u;

	while (len > 0) {
		n = MIN(len, PAGE_SIZE - (va & PAGE_MASK));
		s = pmap_sw_pin();
		u = pmap_sw_translate(va, access);
		if (u == NULL) {
			pmap_sw_unpin(s);
			/*
			 * As hardware re-executes a faulting instruction, a
			 * resolved fault retries the step: a concurrent unmap
			 * can only cause another fault, which then fails.
			 */
			if (usercopy_fault(va, access) != 0)
				return -EFAULT;
			continue;
		}
		more = step(u, n, uc);
		pmap_sw_unpin(s);
		if (!more)
			return 0;
		va += n;
		len -= n;
	}
	return 0;
}

/* Whether [va, va + len) lies inside the user half, without wrapping. */
static bool
user_range_ok(uaddr_t va, size_t len)
{
	return va < USER_END && len <= USER_END - va;
}

static bool
copyin_step(char *u, size_t n, struct ucopy *uc)
{
	memcpy(uc->kbuf + uc->done, u, n);
	uc->done += n;
	return true;
}

static bool
copyout_step(char *u, size_t n, struct ucopy *uc)
{
	memcpy(u, uc->kbuf + uc->done, n);
	uc->done += n;
	return true;
}

/* Copy up to and including a NUL; stop the walk once it is copied. */
static bool
copyinstr_step(char *u, size_t n, struct ucopy *uc)
{
	char *nul = memchr(u, '\0', n);

	if (nul != NULL) {
		n = nul - u + 1;
		uc->nul = true;
	}
	memcpy(uc->kbuf + uc->done, u, n);
	uc->done += n;
	return nul == NULL;
}

/* Copy len bytes from user usrc to kernel kdst: 0 or -EFAULT. */
int
copyin(void *kdst, uaddr_t usrc, size_t len)
{
	struct ucopy uc = { .kbuf = kdst };

	if (len == 0)
		return 0;
	if (!user_range_ok(usrc, len))
		return -EFAULT;
	return user_walk(usrc, len, PROT_R, copyin_step, &uc);
}

/* Copy len bytes from kernel ksrc to user udst: 0 or -EFAULT. */
int
copyout(uaddr_t udst, const void *ksrc, size_t len)
{
	struct ucopy uc = { .kbuf = (char *)ksrc };

	if (len == 0)
		return 0;
	if (!user_range_ok(udst, len))
		return -EFAULT;
	return user_walk(udst, len, PROT_W, copyout_step, &uc);
}

/*
 * Copy the NUL-terminated user string at usrc, at most max bytes with the
 * NUL.  A string that runs into the end of the user half faults there.
 */
ssize_t
copyinstr(char *kdst, uaddr_t usrc, size_t max)
{
	struct ucopy uc = { .kbuf = kdst };
	size_t len;
	int error;

	if (usrc >= USER_END)
		return -EFAULT;
	if (max == 0)
		return -ENAMETOOLONG;
	len = MIN(max, USER_END - usrc);
	error = user_walk(usrc, len, PROT_R, copyinstr_step, &uc);
	if (error != 0)
		return error;
	if (uc.nul)
		return uc.done - 1;
	return len < max ? -EFAULT : -ENAMETOOLONG;
}
