/*
 * Giving memory back from the network stack when the heap is short
 * (mm/reserve.c's shortage policy calls it before the OOM killer).
 *
 * Only what the protocols allow a receiver to forget is dropped: TCP's
 * out-of-order (reassembly) queues, which the peer retransmits, SACKed
 * data included (RFC 2018 lets a receiver renege), and IP datagrams in
 * reassembly, as if they had timed out.  In-order data a reader has not
 * taken yet, and data we sent but was not acknowledged, are kept: the
 * first is the application's, the second is ours to retransmit.
 */
#ifndef NET_EVICT_H
#define NET_EVICT_H

#include "kern/types.h"

/*
 * Free up to about npages pages of droppable socket buffers; returns the
 * pages freed (a part counts as one).  Thread context, no lock held;
 * never waits for a lock (busy queues are skipped).
 */
size_t net_evict(size_t npages);

#endif
