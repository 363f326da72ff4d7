/*
 * Host threads running work on user threads of the hosted kernel
 * (fuse_bridge.c), for `biscotti mount`.
 *
 * libfuse's worker threads are host threads, not vCPUs: they may not
 * enter the kernel.  Each hands a struct bridge_req, "run fn(scratch,
 * arg) in the kernel", to bridge_submit() and waits for the config's
 * done() callback.  Inside the kernel, one process (init) runs a pool of
 * user threads sharing its files; each takes requests from a queue and
 * runs them, so fn issues syscalls through kcall.h like a program.
 *
 * Like kcall.h, this header names no kernel types.
 */
#ifndef CLI_FUSE_BRIDGE_H
#define CLI_FUSE_BRIDGE_H

#include "kcall.h"

struct bridge_req {
	long (*fn)(struct kscratch *s, void *arg);
	void *arg;
	long result;			/* fn's value */
	struct bridge_req *next;	/* the bridge's while queued */
};

struct bridge_config {
	unsigned nworkers;	/* user threads serving requests (>= 1) */
	/*
	 * Run by init before the workers start (mount the file system):
	 * 0, or a negative errno that ends the boot with 1.
	 */
	long (*setup)(struct kscratch *s, void *arg);
	/* Run by init after the last worker left (unmount, sync). */
	long (*teardown)(struct kscratch *s, void *arg);
	void *arg;
	/* Host callbacks, called on a vCPU: setup's result; a request done. */
	void (*ready)(long err);
	void (*done)(struct bridge_req *r);
};

/*
 * init's program (hosted_run_init(..., bridge_main, cfg)): setup, the
 * workers, then wait for bridge_quit(), teardown; returns 0, or 1 when
 * setup or teardown failed.
 */
int bridge_main(void *cfg);

/* From any host thread: queue r; cfg->done(r) reports it finished. */
void bridge_submit(struct bridge_req *r);

/*
 * A request opened kernel fd fd: teardown closes every fd up to the
 * highest noted, in case the host left files open (a forced unmount).
 */
void bridge_note_fd(long fd);

/* From any host thread: let the workers finish what is queued and stop. */
void bridge_quit(void);

#endif
