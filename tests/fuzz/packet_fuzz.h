/*
 * The packet fuzzer (docs/fuzzing.md, "Packets"): Ethernet frames from
 * AFL++ into the network stack's receive path.
 *
 *	packet_main.c	the program: AFL's persistent loop, replay, seeds
 *	packet_run.c	one input on a fresh deterministic kernel
 *	packet_seeds.c	the seed inputs, built from well-formed frames
 *
 * An input is a sequence of records, each a frame with a small header:
 *
 *	u16 len (little-endian), u8 flags, len bytes of Ethernet frame
 *
 * A record whose len runs past the input is cut to what is left.  The
 * flags let the fuzzer get past checks that random bytes never pass,
 * as network fuzzers usually do, so mutations reach the protocols
 * instead of dying at a checksum:
 */
#ifndef PACKET_FUZZ_H
#define PACKET_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define PF_FIX_IP	0x01	/* recompute the IPv4 header checksum */
#define PF_FIX_L4	0x02	/* recompute the TCP/UDP/ICMP checksum */
#define PF_FIX_ACK	0x04	/* TCP: ack = what the stack sent last, + 1 */
#define PF_SLEEP_SHIFT	4	/* bits 4-7: n > 0 sleeps 2^n virtual ms */

#define PF_MAX_FRAMES	64
#define PF_FRAME_MAX	2048
#define PF_HDR		3

/* The fake device's and its peer's addresses (seeds use them). */
#define PF_OUR_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }
#define PF_PEER_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
#define PF_OUR_IP	0x0a000002u	/* 10.0.0.2/24, host order */
#define PF_PEER_IP	0x0a000001u
#define PF_TCP_PORT	80		/* listening */
#define PF_UDP_PORT	7		/* bound, echoes */

struct pf_options {
	int trace;		/* print each frame and the counters */
};

/*
 * Boot a deterministic kernel and run the input's frames; the process
 * ends inside (_exit(0), or abort() when a check fails), so this
 * returns only when init died, with its exit code.
 */
int pf_run(const uint8_t *data, size_t size, const struct pf_options *o);

/* Recompute what flags ask for, in the frame f of len bytes. */
void pf_fix(uint8_t *f, size_t len, unsigned flags, uint32_t ack);

/* Write the seed inputs into dir: the count, or -1. */
int pf_make_seeds(const char *dir);

#endif
