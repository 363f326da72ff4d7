/*
 * RAM disks: a block device over a range of kernel memory.  The x86_64
 * bake makes one ("ram0") from its second boot module, the image the
 * boot loader put in memory; tests make them over pages of their own.
 *
 * A transfer is a memcpy, done inside submit, so every request is
 * complete by the time blk_submit() returns and a flush has nothing to
 * wait for: memory is as durable as this device gets.
 */
#include "blk/blkdev.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

struct ramdisk {
	struct blkdev dev;
	uint8_t *data;		/* [i] dev.nblocks * BLK_SIZE bytes */
};

static void
ramdisk_submit(struct blkdev *d, struct blkreq *r)
{
	struct ramdisk *rd = d->priv;
	uint8_t *p = rd->data + r->blkno * BLK_SIZE;
	size_t len = (size_t)r->nblocks * BLK_SIZE;

	if (r->op == BLK_READ)
		memcpy(r->buf, p, len);
	else if (r->op == BLK_WRITE)
		memcpy(p, r->buf, len);
	blk_complete(r, 0);
}

static const struct blkdev_ops ramdisk_ops = {
	.submit = ramdisk_submit,
};

int
ramdisk_create(const char *name, void *data, uint64_t nblocks,
    bool readonly, struct blkdev **out)
{
	struct ramdisk *rd;
	int err;

	*out = NULL;
	if (data == NULL || nblocks == 0 || name == NULL ||
	    strlen(name) == 0 || strlen(name) >= BLK_NAME_MAX)
		return -EINVAL;
	if ((rd = kzalloc(sizeof(*rd))) == NULL)
		return -ENOMEM;
	strlcpy(rd->dev.name, name, sizeof(rd->dev.name));
	rd->dev.nblocks = nblocks;
	rd->dev.readonly = readonly;
	rd->dev.ops = &ramdisk_ops;
	rd->dev.priv = rd;
	rd->data = data;
	if ((err = blkdev_register(&rd->dev)) != 0) {
		kfree(rd);
		return err;
	}
	*out = &rd->dev;
	return 0;
}

void
ramdisk_destroy(struct blkdev *d)
{
	blkdev_unregister(d);
	kfree(d->priv);
}
