/*
 * getrandom(2): bytes from the kernel generator (kern/random.h).
 *
 * The generator is ready from the first call (it seeds itself), so
 * GRND_NONBLOCK never has to fail with EAGAIN and GRND_RANDOM, which on
 * Linux since 5.6 draws from the same pool, changes nothing.  As Linux, a
 * request is cut to MAX_RW_COUNT bytes, a fault returns what was copied
 * before it (or EFAULT), and a long request stops at a page boundary
 * when a signal is pending, returning the bytes so far.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "kern/errno.h"
#include "kern/random.h"
#include "lib/string.h"
#include "proc/signal.h"
#include "sys/syscall.h"

#define GRND_NONBLOCK	0x0001u
#define GRND_RANDOM	0x0002u
#define GRND_INSECURE	0x0004u

#define PIECE		256	/* bytes generated under the generator's lock */
#define PAGE		4096

long
sys_getrandom(const struct syscall_args *a)
{
	uaddr_t buf = a->a[0];
	size_t len = (size_t)a->a[1], done = 0, k;
	unsigned flags = (unsigned)a->a[2];
	char piece[PIECE];

	if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0 ||
	    (flags & (GRND_RANDOM | GRND_INSECURE)) ==
	    (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	len = MIN(len, MAX_RW_COUNT);
	while (done < len) {
		if (done > 0 && done % PAGE == 0 && signal_pending())
			break;
		k = MIN(len - done, sizeof(piece));
		random_bytes(piece, k);
		if (copyout(buf + done, piece, k) != 0)
			break;
		done += k;
	}
	memset(piece, 0, sizeof(piece));
	return done > 0 || len == 0 ? (long)done : -EFAULT;
}
