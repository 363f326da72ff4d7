/*
 * biscfs's on-disk format: every structure that reaches the disk, shared
 * by the file system (core/fs/biscfs*.c), its fsck (core/fs/biscfs_fsck.c)
 * and mkfs.  docs/biscfs.md explains it in prose.
 *
 * Rules of the format:
 *  - Blocks are BLK_SIZE (4096) bytes; every integer is little-endian
 *    (the struct layouts below are the x86-64 ones, asserted by size).
 *  - One flat layout, no block groups: the device is small enough that
 *    a bitmap scan is cheap, and flat is easier to check and to fsck.
 *
 *      block 0                    superblock
 *      [journal_start, +len)      the physical journal (fs/journal.h;
 *                                 its own superblock is its first block)
 *      [ibitmap_start, +len)      inode bitmap: bit (ino - 1) set = in use
 *      [bbitmap_start, +len)      block bitmap: bit b set = block b in use,
 *                                 covering the whole device (so every
 *                                 metadata block above is marked in use)
 *      [itable_start, +len)       inode table: inode ino at slot (ino - 1),
 *                                 BISCFS_INODES_PER_BLOCK per block
 *      [data_start, nblocks)      extent-tree nodes, directory blocks,
 *                                 symlink targets, file data
 *
 *  - Bitmap bit n is bit (n % 8), least significant first, of byte
 *    n / 8 of the bitmap area; bits past the end (the last bitmap
 *    block's tail past nblocks or ninodes) are set.
 *  - Inode numbers run 1..ninodes; 0 means "none".  The root directory
 *    is inode BISCFS_ROOT_INO.
 *  - Checksums are CRC32C (crc32c() of fs/journal.h), computed by
 *    biscfs_csum() below with the checksum field itself read as zero and
 *    seeded with the owning inode number where there is one, so a block
 *    or inode written to the wrong place fails its check.  Bitmaps carry
 *    no checksum (fsck recomputes them from the inodes).
 *  - Every metadata block (superblock, bitmaps, inode table blocks,
 *    extent nodes, directory blocks) is changed only inside a journal
 *    handle; file data and symlink target blocks are written in place
 *    (ordered mode: the journal writes dirty data before it commits the
 *    metadata pointing at it).
 *  - Free counts in the superblock are hints, exact only when the state
 *    is BISCFS_STATE_CLEAN; mount recounts them from the bitmaps.
 *
 * Compatibility: a mount refuses an unknown bit in features_incompat,
 * and mounts read-only only with an unknown bit in features_ro_compat.
 * Later additions to this file only add (new fields in reserved space,
 * new feature bits), so fsck written against it keeps working.
 */
#ifndef FS_BISCFS_FORMAT_H
#define FS_BISCFS_FORMAT_H

#include "kern/types.h"

#define BISCFS_BLOCK_SIZE	4096u
#define BISCFS_MAGIC		0x46435342u	/* "BSCF" in the first 4 bytes */
#define BISCFS_VERSION		1u
#define BISCFS_ROOT_INO		1u
#define BISCFS_NAME_MAX		255u

/* ------------------------------------------------------------------ */
/* Superblock: block 0, the first sizeof(struct biscfs_super) bytes.   */

#define BISCFS_STATE_CLEAN	1u	/* unmounted cleanly */
#define BISCFS_STATE_MOUNTED	2u	/* mounted read-write (or crashed) */

/* Feature bits: none defined in version 1. */
#define BISCFS_FEATURE_INCOMPAT_SUPP	0u
#define BISCFS_FEATURE_RO_COMPAT_SUPP	0u

struct biscfs_super {
	uint32_t magic;			/* BISCFS_MAGIC */
	uint32_t version;		/* BISCFS_VERSION */
	uint32_t features_compat;
	uint32_t features_incompat;
	uint32_t features_ro_compat;
	uint32_t block_size;		/* BISCFS_BLOCK_SIZE */
	uint64_t nblocks;		/* blocks in the file system */
	uint32_t ninodes;		/* inodes 1..ninodes */
	uint32_t inode_size;		/* sizeof(struct biscfs_inode) */
	uint64_t journal_start;		/* the log: [start, start + len) */
	uint64_t journal_len;
	uint64_t ibitmap_start;		/* inode bitmap */
	uint64_t ibitmap_len;
	uint64_t bbitmap_start;		/* block bitmap */
	uint64_t bbitmap_len;
	uint64_t itable_start;		/* inode table */
	uint64_t itable_len;
	uint64_t data_start;		/* first block after the metadata */
	uint32_t root_ino;		/* BISCFS_ROOT_INO */
	uint32_t orphan_head;		/* first orphan inode, 0: none */
	uint64_t free_blocks;		/* hints (see above) */
	uint64_t free_inodes;
	uint32_t state;			/* BISCFS_STATE_* */
	uint32_t mount_count;		/* mounts since mkfs */
	int64_t mkfs_time;		/* seconds since the epoch */
	int64_t mount_time;
	int64_t write_time;		/* last clean unmount or sync */
	uint64_t dir_hash_seed;		/* mixed into every directory hash */
	uint8_t uuid[16];
	char label[64];			/* NUL-padded */
	uint8_t reserved[3836];		/* zero */
	uint32_t crc;			/* biscfs_csum(0, this, 4096, crc) */
};

/* ------------------------------------------------------------------ */
/* Inodes: 256 bytes, 16 per inode table block.                        */

#define BISCFS_INODE_SIZE	256u
#define BISCFS_INODES_PER_BLOCK	(BISCFS_BLOCK_SIZE / BISCFS_INODE_SIZE)
#define BISCFS_INODE_DATA	128u	/* bytes of i_data */

/* Inode flags. */
#define BISCFS_IF_INLINE	0x1u	/* symlink target in i_data (< 128 B) */

/*
 * An inode whose mode is 0 is free (and its bitmap bit clear).  Times
 * are seconds since the epoch plus nanoseconds.  blocks counts every
 * block the inode owns: data, directory blocks, extent-tree nodes, a
 * symlink target block.
 *
 * i_data holds, for regular files, directories and long symlinks, the
 * root of the extent tree (struct biscfs_extent_header then up to
 * BISCFS_EXTENTS_IN_INODE entries); for a symlink with flag
 * BISCFS_IF_INLINE, the target (size bytes, no NUL); for device nodes,
 * FIFOs and sockets nothing (rdev holds a device's number, Linux's
 * encoding as in struct stat's st_rdev).
 */
struct biscfs_inode {
	uint32_t mode;			/* type and permissions, as st_mode */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;			/* bytes */
	uint64_t blocks;		/* BISCFS_BLOCK_SIZE blocks held */
	int64_t atime, mtime, ctime, crtime;	/* seconds */
	uint32_t atime_ns, mtime_ns, ctime_ns, crtime_ns;
	uint32_t flags;			/* BISCFS_IF_* */
	uint32_t generation;		/* bumped at each reuse of the number */
	uint64_t rdev;
	uint32_t orphan_next;		/* next orphan inode, 0: last */
	uint32_t pad0;
	uint8_t data[BISCFS_INODE_DATA];	/* i_data, above */
	uint8_t reserved[20];		/* zero */
	uint32_t crc;	/* biscfs_csum(ino, this, 256, crc) */
};

/* ------------------------------------------------------------------ */
/* Extent trees: a file's logical blocks to device blocks.             */

/*
 * A B+tree keyed by logical block, rooted in the inode's i_data.  Every
 * node, the root included, starts with a header; depth 0 nodes hold
 * leaf extents, others index entries, sorted by lblk, not overlapping.
 * A node in a block covers the logical blocks from its index entry's
 * lblk up to the next index entry's; the first entry of an index node
 * also covers everything below its lblk (so inserting a smaller key
 * never has to rewrite the keys above it).  Every node except the root
 * holds at least one entry.  Logical blocks with no extent are
 * holes: they read as zeroes and are allocated when written.  lblk is
 * 32 bits, so a file holds up to 2^32 blocks (16 TiB).
 */
#define BISCFS_EXTENT_MAGIC	0xE7B5u
#define BISCFS_EXTENTS_IN_INODE	7u	/* (128 - 16) / 16 */
#define BISCFS_EXTENTS_IN_BLOCK	255u	/* (4096 - 16) / 16 */
#define BISCFS_MAX_DEPTH	4u
#define BISCFS_MAX_FILE_BLOCKS	(1ull << 32)
#define BISCFS_MAX_FILE_SIZE	(BISCFS_MAX_FILE_BLOCKS * BISCFS_BLOCK_SIZE)

struct biscfs_extent_header {
	uint16_t magic;			/* BISCFS_EXTENT_MAGIC */
	uint16_t count;			/* entries in use */
	uint16_t max;			/* entries that fit */
	uint16_t depth;			/* 0: leaf */
	uint32_t owner;			/* inode number (0 in the inode) */
	uint32_t crc;	/* node blocks: biscfs_csum(owner, block, 4096,
			   offsetof crc); 0 in the inode root */
};

/* Leaf entry: len blocks from lblk map to pblk.. (len >= 1). */
struct biscfs_extent {
	uint32_t lblk;
	uint32_t len;
	uint64_t pblk;
};

/* Index entry: the subtree from lblk on is in block child. */
struct biscfs_extent_idx {
	uint32_t lblk;
	uint32_t pad;
	uint64_t child;
};

/* ------------------------------------------------------------------ */
/* Directories: extendible hashing over a 62-bit name hash.            */

/*
 * A directory's file (its extent tree maps it like any file's) is:
 *   logical block 0   the header: parent inode, entry count and the
 *                     bucket table, 2^depth logical block numbers
 *                     indexed by the top `depth` bits of the hash;
 *   other blocks      buckets: entries packed after a header.
 * A bucket of local depth L holds exactly the names whose hashes share
 * its L-bit prefix; 2^(depth - L) consecutive table slots point at it.
 * A full bucket splits in two by the next hash bit (the table doubles
 * first when L == depth), until depth reaches BISCFS_DIR_MAX_DEPTH;
 * beyond that a full bucket grows a chain of overflow blocks (next).
 * (A bucket that a split left full, its names sharing more hash bits,
 * also grows overflow blocks: they may appear at any local depth, each
 * with the depth and prefix of the chain's first block.  Buckets never
 * merge or go away; empty ones are allowed.)
 * So a lookup reads the header and one bucket (plus overflow), whatever
 * the directory's size.
 *
 * readdir returns names in hash order, and its cookie is
 * (hash + 2): entries may move between blocks when a bucket splits, but
 * their order never changes, so a listing in progress neither skips
 * nor repeats a name that stays.  "." and ".." are not stored (the VFS
 * emits them; ".." is the header's parent).
 *
 * Hash of a name: biscfs_dir_hash() below (FNV-1a 64 over the seed and
 * the name, then a 64-bit finalizer, top 62 bits kept).
 */
#define BISCFS_DIR_MAGIC	0xD1E7C70Au	/* header block */
#define BISCFS_BUCKET_MAGIC	0xB0C4E7D1u	/* bucket block */
#define BISCFS_DIR_MAX_DEPTH	9u		/* 512 buckets */
#define BISCFS_HASH_BITS	62u

struct biscfs_dir_header {
	uint32_t magic;			/* BISCFS_DIR_MAGIC */
	uint32_t crc;	/* biscfs_csum(owner, block, 4096, offsetof crc) */
	uint32_t owner;			/* this directory's inode */
	uint32_t parent;		/* "..": the parent's inode */
	uint32_t depth;			/* global depth, <= DIR_MAX_DEPTH */
	uint32_t nbuckets;		/* bucket blocks, overflow ones too */
	uint64_t nentries;		/* names in the directory */
	uint8_t reserved[32];		/* zero */
	uint32_t table[1u << BISCFS_DIR_MAX_DEPTH];	/* logical blocks */
	uint8_t unused[BISCFS_BLOCK_SIZE - 64 -
	    4 * (1u << BISCFS_DIR_MAX_DEPTH)];		/* zero */
};

struct biscfs_bucket {
	uint32_t magic;			/* BISCFS_BUCKET_MAGIC */
	uint32_t crc;	/* biscfs_csum(owner, block, 4096, offsetof crc) */
	uint32_t owner;			/* the directory's inode */
	uint32_t next;			/* overflow block (logical), 0: none */
	uint16_t depth;			/* local depth L */
	uint16_t count;			/* entries */
	uint16_t used;			/* bytes of entries after the header */
	uint16_t pad;
	uint64_t prefix;	/* the L-bit prefix, in the hash's top bits */
	/* entries follow, packed, each rec_len bytes */
};
#define BISCFS_BUCKET_HDR	32u
#define BISCFS_BUCKET_SPACE	(BISCFS_BLOCK_SIZE - BISCFS_BUCKET_HDR)

/* File types in entries (Linux's DT_* numbers). */
#define BISCFS_FT_UNKNOWN	0
#define BISCFS_FT_FIFO		1
#define BISCFS_FT_CHR		2
#define BISCFS_FT_DIR		4
#define BISCFS_FT_BLK		6
#define BISCFS_FT_REG		8
#define BISCFS_FT_LNK		10
#define BISCFS_FT_SOCK		12

/* One name: 16 bytes, then the name (no NUL), padded to 8 bytes. */
struct biscfs_dirent {
	uint64_t hash;			/* biscfs_dir_hash of the name */
	uint32_t ino;
	uint16_t rec_len;		/* BISCFS_DIRENT_LEN(name_len) */
	uint8_t name_len;		/* 1..255 */
	uint8_t type;			/* BISCFS_FT_* */
	char name[];
};
#define BISCFS_DIRENT_LEN(n)	(((16u + (n)) + 7u) & ~7u)

/* ------------------------------------------------------------------ */
/* Orphans.                                                            */

/*
 * An inode with no names left that is still open (or a crash while
 * freeing one) is an orphan: the transaction that drops its last name
 * also puts it at the head of the list super.orphan_head ->
 * inode.orphan_next -> ... -> 0, with nlink 0.  The last close frees
 * the inode and takes it off the list in one transaction; a mount
 * frees every inode still on the list (after journal recovery).
 */

/* ------------------------------------------------------------------ */
/* Checksums and the hash.                                             */

uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/*
 * CRC32C of len bytes at p, whose 4-byte checksum field at crc_off reads
 * as zero, seeded with seed (an inode number, or 0).
 */
static inline uint32_t
biscfs_csum(uint32_t seed, const void *p, size_t len, size_t crc_off)
{
	static const uint8_t zero[4];
	const uint8_t *b = p;
	uint32_t c = crc32c(0, &seed, 4);

	c = crc32c(c, b, crc_off);
	c = crc32c(c, zero, 4);
	return crc32c(c, b + crc_off + 4, len - crc_off - 4);
}

/* The directory hash of name (len bytes), 62 bits. */
static inline uint64_t
biscfs_dir_hash(uint64_t seed, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)name[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h >> (64 - BISCFS_HASH_BITS);
}

_Static_assert(sizeof(struct biscfs_super) == BISCFS_BLOCK_SIZE,
    "biscfs_super is one block");
_Static_assert(sizeof(struct biscfs_inode) == BISCFS_INODE_SIZE,
    "biscfs_inode is 256 bytes");
_Static_assert(sizeof(struct biscfs_extent_header) == 16, "extent header");
_Static_assert(sizeof(struct biscfs_extent) == 16, "extent");
_Static_assert(sizeof(struct biscfs_extent_idx) == 16, "extent index");
_Static_assert(sizeof(struct biscfs_dir_header) == BISCFS_BLOCK_SIZE,
    "dir header is one block");
_Static_assert(sizeof(struct biscfs_bucket) == BISCFS_BUCKET_HDR, "bucket");
_Static_assert(sizeof(struct biscfs_dirent) == 16, "dirent");

#endif
