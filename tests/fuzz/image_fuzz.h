/*
 * The disk-image fuzzer (docs/fuzzing.md, "Images"): a small biscfs
 * image, damaged as the input says, mounted, used, checked and repaired
 * by fsck, then mounted again.
 *
 *	image_main.c	the program: the template, AFL's persistent loop,
 *			replay, seeds
 *	image_run.c	the template image, and one input on a fresh
 *			deterministic kernel
 *	image_seeds.c	the seed inputs
 *
 * The template is made once per process (in a child that boots its own
 * kernel): biscfs_mkfs over IF_BLOCKS blocks, a fixed tree written
 * through the syscalls, a clean unmount, then a second mount that
 * changes a few things, fsyncs and keeps an unlinked file open while
 * the image is copied: a "crash" image, whose journal holds committed
 * transactions for recovery to replay and whose orphan list is not
 * empty.  Its metadata blocks (superblock, the journal's written
 * blocks, bitmaps, inode table blocks in use, extent nodes, directory
 * headers and buckets) are listed in order of block number: the input's
 * patches address them by index, so most mutations land in metadata.
 *
 * The template keeps the first life's image too, cleanly unmounted
 * (an empty journal): recovery would write the crash image's logged
 * blocks over patches to their home copies, so an input whose options
 * byte has IF_OPT_CLEAN starts from the clean image instead.  Each
 * image has its own metadata list.
 *
 * An input is one byte of options, then patch records:
 *
 *	u8 sel		bits 0-6: metadata block index (modulo their
 *			number); bit 7: recompute the block's checksum(s)
 *			afterwards (superblock, inodes touched, extent
 *			node, directory block), so the damage gets past
 *			the CRC checks to the code behind them
 *	u16 off		little-endian, byte offset in the block (mod 4096)
 *	u8 len		bits 0-5: bytes - 1; bits 6-7: IF_OP_*
 *	bytes		len bytes (cut to what is left of the input)
 *
 * The options byte picks the image (IF_OPT_CLEAN) and varies the file
 * operations run on the mounted image (sizes, offsets, which names).
 */
#ifndef IMAGE_FUZZ_H
#define IMAGE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define IF_BLOCKS	1024		/* 4 MiB */
#define IF_BLOCK	4096u
#define IF_MAX_META	128		/* metadata blocks addressable */
#define IF_MAX_PATCHES	64
#define IF_HDR		4		/* sel, off (2), len */

#define IF_SEL_FIX	0x80
#define IF_OP_SET	0		/* overwrite */
#define IF_OP_XOR	1		/* flip bits */
#define IF_OP_ADD	2		/* add to each byte */
#define IF_OP_FILL	3		/* repeat the first byte */
#define IF_OP_SHIFT	6

/* What a metadata block is, for the checksum fix and for traces. */
enum if_kind {
	IFK_SUPER, IFK_JOURNAL, IFK_IBITMAP, IFK_BBITMAP, IFK_ITABLE,
	IFK_EXTENT, IFK_DIR, IFK_BUCKET,
};

struct if_meta {
	uint64_t blkno;
	enum if_kind kind;
};

/*
 * The template and its metadata list, in memory shared between the
 * persistent parent (which makes it once) and every child.
 */
#define IF_CRASH	0		/* images: the crash image */
#define IF_CLEAN	1		/* the first life's, cleanly unmounted */
#define IF_OPT_CLEAN	0x80		/* options bit: start from IF_CLEAN */

struct if_template {
	uint8_t disk[2][IF_BLOCKS * (size_t)IF_BLOCK];
	struct if_meta meta[2][IF_MAX_META];
	int nmeta[2];
	int ready;
};

struct if_options {
	int trace;		/* print each patch, operation and result */
};

/*
 * Boot a kernel and build the template into t (its blocks and list);
 * the process ends inside: _exit(0) when t is ready, abort() if not.
 */
int if_build_template(struct if_template *t, int trace);

/*
 * Boot a deterministic kernel and run one input against a copy of t;
 * the process ends inside (_exit(0), or abort() on a finding), so this
 * returns only when init died, with its exit code.
 */
int if_run(const struct if_template *t, const uint8_t *data, size_t size,
    const struct if_options *o);

/* Write the seed inputs into dir, for the template t: the count, or -1. */
int if_make_seeds(const struct if_template *t, const char *dir);

/* The kind's name, for traces ("super", "itable", ...). */
const char *if_kind_name(enum if_kind k);

#endif
