/*
 * The physical journal's on-disk format (core/fs/journal.c writes it,
 * core/fs/journal_recover.c reads it back; docs/journal.md explains it).
 *
 * The log area is [start, start + len) of the device.  Its block 0 is
 * the log's superblock; blocks 1 .. len-1 are a circular log, addressed
 * by their index in the area ("log position").  A transaction is a run
 * of consecutive positions (wrapping from len-1 to 1):
 *
 *   revoke blocks      home blocks whose older images must not be replayed
 *   descriptor block   up to JNL_DESC_PER home block numbers, followed by
 *   the block images   those blocks' contents, one per entry, in order
 *   ... more descriptor groups ...
 *   commit block       the transaction's block count and CRC32C
 *
 * Every revoke, descriptor and commit block starts with a struct
 * jnl_header carrying the log's nonce and the transaction's sequence
 * number.  Images carry no header: recovery finds every block by its
 * position, never by searching, so an image that happens to look like a
 * header is never mistaken for one.
 *
 * Integers are little-endian (the layout is x86-64's native one).
 */
#ifndef FS_JOURNAL_FORMAT_H
#define FS_JOURNAL_FORMAT_H

#include "blk/blkdev.h"
#include "kern/types.h"

#define JNL_MAGIC	0x4c4e4a42u	/* "BJNL" */
#define JNL_VERSION	1u
/* The smallest log area jnl_format/jnl_open accept, in blocks. */
#define JNL_MIN_LEN	32u

/* Block types (jnl_header.type). */
#define JNL_DESC	1u
#define JNL_REVOKE	2u
#define JNL_COMMIT	3u

/*
 * The log superblock, at the area's block 0.  Recovery starts at
 * position `tail` expecting sequence number `seq`.  `nonce` changes
 * whenever the log is reset (format, recovery), so blocks left from an
 * earlier life of the log never match.  crc is CRC32C of the struct
 * with crc = 0; the rest of the block is zero.
 */
struct jnl_super {
	uint32_t magic;
	uint32_t version;
	uint32_t block_size;	/* BLK_SIZE */
	uint32_t pad0;
	uint64_t start;		/* the area's first block (self-check) */
	uint64_t len;		/* the area's length, superblock included */
	uint64_t nonce;
	uint64_t seq;		/* the transaction expected at tail */
	uint64_t tail;		/* log position, 1 .. len-1 */
	uint32_t crc;
	uint32_t pad1;
};

/* At the start of every revoke, descriptor and commit block. */
struct jnl_header {
	uint32_t magic;		/* JNL_MAGIC */
	uint32_t type;		/* JNL_DESC, JNL_REVOKE, JNL_COMMIT */
	uint64_t nonce;		/* the superblock's */
	uint64_t seq;		/* the transaction's */
	uint32_t count;		/* entries; commit: blocks before it */
	uint32_t crc;		/* commit: the transaction's CRC32C */
};

/* A descriptor entry: the home block of the image in its slot. */
struct jnl_desc_entry {
	uint64_t blkno;
	uint64_t flags;		/* 0 (reserved) */
};

/*
 * A commit block: the header, then the commit time.  header.crc is
 * CRC32C over every block of the transaction before the commit block,
 * in log order, continued over this whole block with header.crc = 0.
 */
struct jnl_commit {
	struct jnl_header h;
	uint64_t commit_ns;	/* clock_ns() at commit (informational) */
};

#define JNL_DESC_PER \
	((BLK_SIZE - sizeof(struct jnl_header)) / sizeof(struct jnl_desc_entry))
#define JNL_REVOKE_PER \
	((BLK_SIZE - sizeof(struct jnl_header)) / sizeof(uint64_t))

_Static_assert(sizeof(struct jnl_header) == 32, "jnl_header layout");
_Static_assert(sizeof(struct jnl_super) == 64, "jnl_super layout");

#endif
