/*
 * The harness's own user memory.  Arguments that point somewhere (paths,
 * buffers, structs) are built in a scratch area per actor, a page per
 * argument, so that threads sharing an address space never build into
 * each other's calls; an unmapped page follows each area, so a buffer
 * near its end crosses into a fault.  The supervisor maps every area
 * before the first fork, and forks inherit them, with a shared page
 * below the first area for futex words.
 *
 * The fuzzed calls may unmap or protect the scratch like any memory;
 * fuzz_put() then maps it back (MAP_FIXED) and tries again, which is the
 * harness repairing itself, not the kernel being wrong.
 */
#include "contract/usercopy.h"
#include "fuzz.h"
#include "hosted.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define PG	4096ul

static uint64_t
area(int actor)
{
	return FUZZ_SCRATCH + (uint64_t)actor * (FUZZ_SCRATCH_ACTOR + PG);
}

/* The page of argument slot (0-7) of actor. */
uint64_t
fuzz_scratch(int actor, int slot)
{
	return area(actor) + (uint64_t)slot * PG;
}

static bool
map_area(int actor)
{
	long r = hosted_syscall(SYS_mmap, area(actor), FUZZ_SCRATCH_ACTOR,
	    PROT_R | PROT_W, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	return r == (long)area(actor);
}

/* Map every actor's area; false when the kernel refused. */
bool
fuzz_scratch_map(void)
{
	int i;

	for (i = 0; i < FUZZ_ACTORS; i++)
		if (!map_area(i))
			return false;
	/* The page below is shared by every process: futexes meet there. */
	return hosted_syscall(SYS_mmap, FUZZ_SCRATCH - PG, PG,
	    PROT_R | PROT_W, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
	    (long)(FUZZ_SCRATCH - PG);
}

/* Copy data out to uaddr; repair the actor's scratch if it was there. */
bool
fuzz_put(int actor, uint64_t uaddr, const void *data, size_t len)
{
	if (copyout(uaddr, data, len) == 0)
		return true;
	if (uaddr < area(actor) || uaddr + len > area(actor) +
	    FUZZ_SCRATCH_ACTOR || !map_area(actor))
		return false;
	return copyout(uaddr, data, len) == 0;
}
