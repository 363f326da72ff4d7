/*
 * Hashing: fast non-cryptographic hashes for hash tables, and CRC32C for
 * checksums that must stay the same across builds and machines (the
 * journal's records and the on-disk structures).
 *
 * hash_bytes and hash_str are 64-bit FNV-1a, so a string hashes the same
 * whether it is given with a length or NUL-terminated.  FNV-1a is simple
 * and decent on short keys like file names, but its low bits mix poorly;
 * feed the result through hash_u64() (or take high bits) before masking
 * with a small table size.  hash_u64 is a bijective mixer (the finaliser
 * of MurmurHash3): every input bit affects every output bit, so it suits
 * integer and pointer keys and can be masked freely.
 *
 * None of these resists deliberately colliding keys; tables that hash
 * names chosen by users should bound their chains.
 */
#ifndef LIB_HASH_H
#define LIB_HASH_H

#include "kern/types.h"

/* 64-bit FNV-1a of n bytes at p. */
uint64_t hash_bytes(const void *p, size_t n);
/* 64-bit FNV-1a of a string: hash_bytes(s, strlen(s)). */
uint64_t hash_str(const char *s);

/* Mix the bits of x; a bijection on 64-bit values. */
static inline uint64_t
hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Hash a pointer's value (not what it points to). */
static inline uint64_t
hash_ptr(const void *p)
{
	return hash_u64((uintptr_t)p);
}

/* Combine hash h with value v; order matters: (a, b) differs from (b, a). */
static inline uint64_t
hash_combine(uint64_t h, uint64_t v)
{
	return hash_u64(h ^ hash_u64(v + 0x9e3779b97f4a7c15ull));
}

/*
 * CRC32C (Castagnoli; reflected polynomial 0x82F63B78, initial value and
 * final xor all ones), continued from crc: start with crc = 0, and feed
 * the result of one call into the next to checksum data in pieces.
 * crc32c(0, "123456789", 9) == 0xE3069283.
 */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

#endif
