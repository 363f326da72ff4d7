/*
 * The disk-image fuzzer's seeds (tests/fuzz/image-seeds/), written from
 * the template's metadata list so each patch hits the block it means to
 * (`fuzz-image-replay --make-seeds DIR`):
 *
 *	none		no patch: the crash image as made (recovery, orphan)
 *	none-clean	no patch: the clean image (IF_OPT_CLEAN)
 *	super-free	the superblock's free-block hint, checksum fixed
 *	super-raw	a superblock byte flipped, checksum left wrong
 *	dir-entry	a bucket's first entry's inode number and name,
 *			checksum fixed (clean image)
 *	inode-nlink	the root's and the next inodes' link counts and
 *			sizes, checksums fixed (clean image)
 *	extent		/big's extent node: an extent's length, fixed
 *	journal		a journal block's bytes, the commit CRC fixed
 *	bitmap		bits of both bitmaps changed (clean image)
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fs/biscfs_format.h"
#include "image_fuzz.h"

struct seed {
	uint8_t buf[1024];
	size_t len;
};

/* The image the seed being written starts from (its options byte). */
static int img;

/* The index of the n-th metadata block of kind k (the last if fewer). */
static int
meta_of(const struct if_template *t, enum if_kind k, int n)
{
	int i, last = -1;

	for (i = 0; i < t->nmeta[img]; i++)
		if (t->meta[img][i].kind == k) {
			last = i;
			if (n-- == 0)
				return i;
		}
	return last < 0 ? 0 : last;
}

static void
patch(struct seed *s, int meta, int fix, unsigned off, unsigned op,
    const uint8_t *bytes, size_t n)
{
	uint8_t *p = s->buf + s->len;

	p[0] = (uint8_t)(meta | (fix ? IF_SEL_FIX : 0));
	p[1] = (uint8_t)off;
	p[2] = (uint8_t)(off >> 8);
	p[3] = (uint8_t)((n - 1) | op << IF_OP_SHIFT);
	memcpy(p + IF_HDR, bytes, n);
	s->len += IF_HDR + n;
}

static void
start(struct seed *s, uint8_t opts)
{
	memset(s, 0, sizeof(*s));
	img = opts & IF_OPT_CLEAN ? IF_CLEAN : IF_CRASH;
	s->buf[0] = opts;
	s->len = 1;
}

static int
write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(s->buf, 1, s->len, f) !=
	    s->len || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		return -1;
	}
	return 0;
}

int
if_make_seeds(const struct if_template *t, const char *dir)
{
	static struct seed s;
	static const uint8_t one[1] = { 0x01 }, ff[1] = { 0xff };
	static const uint8_t big[4] = { 0x40, 0, 0, 0 };
	static const uint8_t five[4] = { 5, 0, 0, 0 };
	static const uint8_t name[4] = { 0x11, 0x22, 0x33, 0x44 };
	int count = 0;

	start(&s, 0x00);
	count += write_seed(dir, "none", &s) == 0;

	start(&s, IF_OPT_CLEAN);
	count += write_seed(dir, "none-clean", &s) == 0;

	start(&s, 0x35);
	patch(&s, meta_of(t, IFK_SUPER, 0), 1,
	    offsetof(struct biscfs_super, free_blocks), IF_OP_SET, big, 4);
	count += write_seed(dir, "super-free", &s) == 0;

	start(&s, 0x12);
	patch(&s, meta_of(t, IFK_SUPER, 0), 0, 0x10, IF_OP_XOR, one, 1);
	count += write_seed(dir, "super-raw", &s) == 0;

	start(&s, IF_OPT_CLEAN | 0x47);
	/* The first entry, after the 32-byte bucket header: ino, name. */
	patch(&s, meta_of(t, IFK_BUCKET, 1), 1, 32 + 8, IF_OP_XOR, one, 1);
	patch(&s, meta_of(t, IFK_BUCKET, 1), 1, 32 + 16, IF_OP_SET, name, 4);
	count += write_seed(dir, "dir-entry", &s) == 0;

	start(&s, 0x81);
	/* nlink (offset 12) of inodes 1 and 2; size (16) of inode 3. */
	patch(&s, meta_of(t, IFK_ITABLE, 0), 1, 12, IF_OP_SET, five, 4);
	patch(&s, meta_of(t, IFK_ITABLE, 0), 1, 256 + 12, IF_OP_ADD, one, 1);
	patch(&s, meta_of(t, IFK_ITABLE, 0), 1, 512 + 16 + 3, IF_OP_SET,
	    ff, 1);
	count += write_seed(dir, "inode-nlink", &s) == 0;

	start(&s, 0x26);
	/* The second leaf extent's len (header 16, entry 16, len at 4). */
	patch(&s, meta_of(t, IFK_EXTENT, 0), 1, 16 + 16 + 4, IF_OP_SET,
	    big, 4);
	count += write_seed(dir, "extent", &s) == 0;

	start(&s, 0x58);
	/* A descriptor's first home block number, and an image's bytes. */
	patch(&s, meta_of(t, IFK_JOURNAL, 1), 1, 32, IF_OP_XOR, one, 1);
	patch(&s, meta_of(t, IFK_JOURNAL, 2), 1, 100, IF_OP_XOR, ff, 1);
	count += write_seed(dir, "journal", &s) == 0;

	start(&s, IF_OPT_CLEAN | 0x63);
	patch(&s, meta_of(t, IFK_IBITMAP, 0), 0, 0, IF_OP_SET,
	    (const uint8_t *)"\x01", 1);
	patch(&s, meta_of(t, IFK_BBITMAP, 0), 0, 40, IF_OP_XOR, ff, 1);
	count += write_seed(dir, "bitmap", &s) == 0;
	return count;
}
