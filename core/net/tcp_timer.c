/*
 * TCP's timers, four per connection, each a ktimer run by the softclock
 * thread:
 *
 *  - t_rexmt: the retransmission timer (RFC 6298 5.1-5.7): armed while
 *    anything is unacknowledged; on expiry the oldest segment (or the
 *    SYN) goes again, the RTO doubles (Karn), and congestion control
 *    falls back to one segment, going back to snd_una.  Too many in a
 *    row (6 for a SYN, 5 for a SYN-ACK, 15 after, Linux's sysctls) abort
 *    with ETIMEDOUT.  The same timer is the persist timer while the
 *    peer's window is zero and nothing is in flight: it sends a window
 *    probe (RFC 9293 3.8.6.1) with a backed-off interval and never
 *    gives up while the peer answers.
 *  - t_delack: the delayed ACK, 40 ms (as Linux's minimum; RFC 1122
 *    allows 500, RFC 5681 asks for under 500).
 *  - t_keep: keepalive (RFC 1122 4.2.3.6): after keepidle seconds of
 *    silence a probe (seq snd_una - 1) every keepintvl seconds; keepcnt
 *    unanswered probes end the connection with ETIMEDOUT.
 *  - t_wait: 2MSL in TIME-WAIT (60 s as Linux), the orphan's FIN-WAIT-2
 *    limit (60 s), and otherwise a prompt "send later" when an output in
 *    a syscall ran out of its heap reservation (see tcp_output.c).
 *
 * A callback takes a reference unless the count already reached zero (a
 * tcb being freed is CLOSED: nothing to do), then the connection lock.
 */
#include "contract/clock.h"
#include "kern/errno.h"
#include "net/tcp.h"
#include "proc/thread.h"

static struct thread *timer_thread;	/* the softclock thread, once seen */

bool
tcp_in_timer(void)
{
	return __atomic_load_n(&timer_thread, __ATOMIC_RELAXED) ==
	    curthread();
}

/* A reference to tp unless it is being freed. */
static bool
get_live(struct tcp_sock *tp)
{
	int r = __atomic_load_n(&tp->refs, __ATOMIC_RELAXED);

	__atomic_store_n(&timer_thread, curthread(), __ATOMIC_RELAXED);
	while (r > 0)
		if (__atomic_compare_exchange_n(&tp->refs, &r, r + 1, false,
		    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

/* Give up on the connection: ETIMEDOUT, a RST when synchronized. [T] */
static void
timeout_abort(struct tcp_sock *tp)
{
	if (tp->state != TCP_SYN_SENT)
		tcp_send_rst_for(tp);
	tcp_set_error(tp, ETIMEDOUT);
	tcp_done(tp);
}

static void
backoff(struct tcp_sock *tp)
{
	tp->rtt.rto *= 2;
	if (tp->rtt.rto > TCP_RTO_MAX_NS)
		tp->rtt.rto = TCP_RTO_MAX_NS;
}

static void
persist_fire(struct tcp_sock *tp)
{
	tcp_send_probe(tp);
	backoff(tp);
	if (tp->snd_wnd == 0 && tp->slen > tp->snd_nxt - tp->sseq)
		tcp_arm_persist(tp);
	else
		tp->persist = false;
}

static void
rexmt_fire_locked(struct tcp_sock *tp)
{
	int limit;

	if (tp->persist) {
		persist_fire(tp);
		return;
	}
	if (tp->state == TCP_SYN_SENT || tp->state == TCP_SYN_RECV) {
		limit = tp->state == TCP_SYN_SENT ? (tp->syn_retries ?
		    (int)tp->syn_retries : TCP_SYN_RETRIES) :
		    TCP_SYNACK_RETRIES;
		if (++tp->rexmit_count > limit) {
			timeout_abort(tp);
			return;
		}
		NET_COUNT(tcp_timeouts);
		NET_COUNT(tcp_retrans);
		tp->retrans_total++;
		backoff(tp);
		tcp_send_syn(tp);
		tcp_arm_rexmt(tp);
		return;
	}
	if (tp->snd_una == tp->snd_max || tp->state == TCP_CLOSE ||
	    tp->state == TCP_LISTEN || tp->state == TCP_TIME_WAIT)
		return;
	if (++tp->rexmit_count > TCP_RETRIES2) {
		timeout_abort(tp);
		return;
	}
	NET_COUNT(tcp_timeouts);
	cc_on_timeout(&tp->cc, tcp_flight(tp), tp->mss);
	backoff(tp);
	tp->score.n = 0;
	tp->rtt_timing = false;
	tp->snd_nxt = tp->snd_una;
	tp->rexmit_hi = tp->snd_una;
	tcp_trace(tp, "timeout");
	tcp_output(tp);
	tcp_arm_rexmt(tp);
}

static void
rexmt_fire(void *arg)
{
	struct tcp_sock *tp = arg;

	if (!get_live(tp))
		return;
	mutex_lock(&tp->lock);
	rexmt_fire_locked(tp);
	mutex_unlock(&tp->lock);
	tcp_put(tp);
}

static void
delack_fire(void *arg)
{
	struct tcp_sock *tp = arg;

	if (!get_live(tp))
		return;
	mutex_lock(&tp->lock);
	if (tp->state != TCP_CLOSE && tp->state != TCP_LISTEN &&
	    tp->state != TCP_SYN_SENT && tp->unacked_segs > 0)
		tcp_send_ack(tp);
	mutex_unlock(&tp->lock);
	tcp_put(tp);
}

static bool
keep_state(const struct tcp_sock *tp)
{
	return tp->state == TCP_ESTABLISHED || tp->state == TCP_CLOSE_WAIT ||
	    tp->state == TCP_FIN_WAIT1 || tp->state == TCP_FIN_WAIT2;
}

static bool
keep_on(struct tcp_sock *tp)
{
	bool on;

	spin_lock(&tp->wlock);
	on = tp->so != NULL ? __atomic_load_n(&tp->so->keepalive,
	    __ATOMIC_RELAXED) : tp->keepalive;
	spin_unlock(&tp->wlock);
	return on;
}

static void
keep_fire(void *arg)
{
	struct tcp_sock *tp = arg;
	uint64_t now, idle;

	if (!get_live(tp))
		return;
	mutex_lock(&tp->lock);
	now = clock_ns();
	idle = (uint64_t)tp->keepidle * 1000000000ull;
	if (!keep_state(tp))
		goto out;
	if (!keep_on(tp) || now - tp->last_rcv_ns < idle ||
	    tp->snd_una != tp->snd_max) {
		tp->probes = 0;
		tcp_arm_keepalive(tp);
		goto out;
	}
	if (tp->probes >= tp->keepcnt) {
		timeout_abort(tp);
		goto out;
	}
	tcp_send_probe(tp);
	tp->probes++;
	ktimer_arm(&tp->t_keep, now + (uint64_t)tp->keepintvl * 1000000000ull);
out:
	mutex_unlock(&tp->lock);
	tcp_put(tp);
}

static void
wait_fire(void *arg)
{
	struct tcp_sock *tp = arg;

	if (!get_live(tp))
		return;
	mutex_lock(&tp->lock);
	if (tp->state == TCP_TIME_WAIT ||
	    (tp->state == TCP_FIN_WAIT2 && tp->orphan))
		tcp_done(tp);
	else if (tp->state != TCP_CLOSE && tp->state != TCP_LISTEN)
		tcp_output(tp);
	mutex_unlock(&tp->lock);
	tcp_put(tp);
}

void
tcp_timers_init(struct tcp_sock *tp)
{
	ktimer_init(&tp->t_rexmt, rexmt_fire, tp);
	ktimer_init(&tp->t_delack, delack_fire, tp);
	ktimer_init(&tp->t_keep, keep_fire, tp);
	ktimer_init(&tp->t_wait, wait_fire, tp);
}

void
tcp_timers_stop(struct tcp_sock *tp, bool sync)
{
	struct ktimer *t[] = { &tp->t_rexmt, &tp->t_delack, &tp->t_keep,
	    &tp->t_wait };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (sync)
			ktimer_cancel_sync(t[i]);
		else
			ktimer_cancel(t[i]);
	}
}

void
tcp_arm_rexmt(struct tcp_sock *tp)
{
	tp->persist = false;
	ktimer_arm(&tp->t_rexmt, clock_ns() + tp->rtt.rto);
}

void
tcp_arm_persist(struct tcp_sock *tp)
{
	uint64_t t = tp->rtt.rto;

	tp->persist = true;
	if (t < TCP_RTO_MIN_NS)
		t = TCP_RTO_MIN_NS;
	ktimer_arm(&tp->t_rexmt, clock_ns() + t);
}

void
tcp_arm_delack(struct tcp_sock *tp)
{
	if (!ktimer_pending(&tp->t_delack))
		ktimer_arm(&tp->t_delack, clock_ns() + TCP_DELACK_NS);
}

void
tcp_arm_keepalive(struct tcp_sock *tp)
{
	ktimer_arm(&tp->t_keep, tp->last_rcv_ns +
	    (uint64_t)tp->keepidle * 1000000000ull);
}

void
tcp_enter_timewait(struct tcp_sock *tp)
{
	tcp_set_state(tp, TCP_TIME_WAIT);
	ktimer_cancel(&tp->t_rexmt);
	ktimer_cancel(&tp->t_delack);
	ktimer_cancel(&tp->t_keep);
	ktimer_arm(&tp->t_wait, clock_ns() + TCP_TIMEWAIT_NS);
	tcp_wake(tp);
}

void
tcp_kick_later(struct tcp_sock *tp)
{
	if (!ktimer_pending(&tp->t_wait))
		ktimer_arm(&tp->t_wait, clock_ns() + 1000000ull);
}
