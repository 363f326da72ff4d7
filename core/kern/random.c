/*
 * Random bytes: ChaCha20 (RFC 8439) as a keystream generator with fast
 * key erasure, after Bernstein's "fast-key-erasure random-number
 * generators" and OpenBSD's arc4random.
 *
 * The key is seeded on first use from what the core can read without a
 * platform hook: the wall clock at boot and clock_ns(), whose low bits
 * (the TSC on x86_64) depend on how long boot took to the cycle.  Every
 * request also stirs the current clock_ns() into the block's nonce, so
 * two requests never share a block even across a rekey race, and the
 * timing of the requests themselves adds to the state.  This is not a
 * hardware entropy source; it is what the kernel has until a driver
 * (RDRAND, virtio-rng) feeds random_bytes a better seed.
 *
 * After each request the first 32 bytes of one more block become the new
 * key, so a later reading of the state cannot recover earlier output.
 * The spinlock guards the key and counter; output is generated into the
 * caller's buffer with the lock held, so callers ask for modest pieces
 * (the syscall asks for at most 256 bytes at a time).
 */
#include "contract/clock.h"
#include "kern/random.h"
#include "lib/string.h"
#include "proc/spinlock.h"

#define ROTL32(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))

#define QR(a, b, c, d) do {					\
	a += b; d ^= a; d = ROTL32(d, 16);			\
	c += d; b ^= c; b = ROTL32(b, 12);			\
	a += b; d ^= a; d = ROTL32(d, 8);			\
	c += d; b ^= c; b = ROTL32(b, 7);			\
} while (0)

static struct spinlock random_lock = SPINLOCK_INIT("random");
static uint32_t rkey[8];	/* [random_lock] */
static uint64_t rcounter;	/* [random_lock] blocks made */
static bool seeded;		/* [random_lock] */

/* One 64-byte ChaCha20 block for (key, counter, nonce). */
static void
chacha20_block(const uint32_t key[8], uint64_t counter, uint64_t nonce,
    uint32_t out[16])
{
	uint32_t x[16], in[16];
	int i;

	in[0] = 0x61707865;	/* "expand 32-byte k" */
	in[1] = 0x3320646e;
	in[2] = 0x79622d32;
	in[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		in[4 + i] = key[i];
	in[12] = (uint32_t)counter;
	in[13] = (uint32_t)(counter >> 32);
	in[14] = (uint32_t)nonce;
	in[15] = (uint32_t)(nonce >> 32);
	memcpy(x, in, sizeof(x));
	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

/* Replace the key by a block's first half; lock held. */
static void
rekey(uint64_t nonce)
{
	uint32_t blk[16];

	chacha20_block(rkey, rcounter++, nonce, blk);
	memcpy(rkey, blk, sizeof(rkey));
	memset(blk, 0, sizeof(blk));
}

/* The first seed: the clocks in the key, mixed by two rekeys; lock held. */
static void
seed(void)
{
	uint64_t now = clock_ns(), epoch = clock_boot_epoch_ns();

	rkey[0] = (uint32_t)now;
	rkey[1] = (uint32_t)(now >> 32);
	rkey[2] = (uint32_t)epoch;
	rkey[3] = (uint32_t)(epoch >> 32);
	rkey[4] = (uint32_t)(uintptr_t)&rkey;	/* where the kernel landed */
	rekey(now);
	rekey(clock_ns());
	seeded = true;
}

void
random_bytes(void *buf, size_t n)
{
	uint64_t nonce;
	uint32_t blk[16];
	char *p = buf;
	size_t k;

	spin_lock(&random_lock);
	if (!seeded)
		seed();
	nonce = clock_ns();
	while (n > 0) {
		chacha20_block(rkey, rcounter++, nonce, blk);
		k = MIN(n, sizeof(blk));
		memcpy(p, blk, k);
		p += k;
		n -= k;
	}
	rekey(nonce);
	spin_unlock(&random_lock);
	memset(blk, 0, sizeof(blk));
}
