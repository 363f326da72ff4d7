/*
 * Threads through musl's pthreads: clone, CLONE_CHILD_CLEARTID's futex
 * wake (pthread_join sleeps on it), and futex-based mutexes and
 * condition variables (musl's condition variables requeue waiters onto
 * the mutex).  Four threads hand a token round a ring under one mutex
 * and a condition variable each, while bumping a shared counter; then 32
 * threads are created at once and joined.
 */
#include <pthread.h>
#include <stdio.h>

#define RING		4
#define ROUNDS		200
#define MANY		32

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv[RING];
static int turn;			/* whose turn; guarded by mu */
static long counter;			/* guarded by mu */

static void *ring_thread(void *arg)
{
	int me = (int)(long)arg, i;

	for (i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&mu);
		while (turn != me)
			pthread_cond_wait(&turn_cv[me], &mu);
		counter++;
		turn = (me + 1) % RING;
		pthread_cond_signal(&turn_cv[turn]);
		pthread_mutex_unlock(&mu);
	}
	return (void *)(long)(me + 100);
}

static pthread_mutex_t many_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t many_cv = PTHREAD_COND_INITIALIZER;
static int many_started;
static int many_go;

/* Every one of the 32 waits until all have started: they coexist. */
static void *many_thread(void *arg)
{
	pthread_mutex_lock(&many_mu);
	if (++many_started == MANY)
		pthread_cond_broadcast(&many_cv);
	while (many_started < MANY && !many_go)
		pthread_cond_wait(&many_cv, &many_mu);
	pthread_mutex_unlock(&many_mu);
	return arg;
}

int main(void)
{
	pthread_t th[MANY];
	void *ret;
	int i;

	for (i = 0; i < RING; i++)
		pthread_cond_init(&turn_cv[i], NULL);
	for (i = 0; i < RING; i++) {
		if (pthread_create(&th[i], NULL, ring_thread,
		    (void *)(long)i) != 0) {
			printf("pthreads: FAILED: create %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < RING; i++) {
		if (pthread_join(th[i], &ret) != 0 ||
		    ret != (void *)(long)(i + 100)) {
			printf("pthreads: FAILED: join %d\n", i);
			return 1;
		}
	}
	if (counter != RING * ROUNDS) {
		printf("pthreads: FAILED: counter %ld\n", counter);
		return 1;
	}
	for (i = 0; i < MANY; i++) {
		if (pthread_create(&th[i], NULL, many_thread,
		    (void *)(long)i) != 0) {
			printf("pthreads: FAILED: create many %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < MANY; i++) {
		if (pthread_join(th[i], &ret) != 0 || ret != (void *)(long)i) {
			printf("pthreads: FAILED: join many %d\n", i);
			return 1;
		}
	}
	printf("pthreads: ok (%ld turns, %d threads)\n", counter, MANY);
	return 0;
}
