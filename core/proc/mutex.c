/*
 * Sleeping mutexes.  The owner field, guarded by a spinlock, is the lock;
 * contenders sleep on the mutex's wait queue and re-test after each
 * wakeup.  Unlock wakes one waiter, which competes again with any thread
 * arriving meanwhile: no handoff, so a woken waiter can lose the race and
 * sleep again, but the mutex is never left free with sleepers queued and
 * no wakeup on the way.
 */
#include "kern/printk.h"
#include "proc/mutex.h"
#include "proc/thread.h"

void mutex_init(struct mutex *m, const char *name)
{
	spin_init(&m->lock, name);
	m->owner = NULL;
	waitq_init(&m->wq, name);
	m->name = name;
}

/* Thread context, no spinlock held: may sleep. */
void mutex_lock(struct mutex *m)
{
	struct thread *t = curthread();

	spin_lock(&m->lock);
	if (m->owner == t)
		panic("mutex_lock: %s already held by %s", m->name, t->name);
	while (m->owner != NULL)
		waitq_wait(&m->wq, &m->lock);
	m->owner = t;
	spin_unlock(&m->lock);
}

bool mutex_trylock(struct mutex *m)
{
	bool got = false;

	spin_lock(&m->lock);
	if (m->owner == NULL) {
		m->owner = curthread();
		got = true;
	}
	spin_unlock(&m->lock);
	return got;
}

/* The caller owns m. */
void mutex_unlock(struct mutex *m)
{
	spin_lock(&m->lock);
	if (m->owner != curthread())
		panic("mutex_unlock: %s not held by the caller", m->name);
	m->owner = NULL;
	spin_unlock(&m->lock);
	waitq_wake_one(&m->wq);
}

bool mutex_held(const struct mutex *m)
{
	return __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == curthread();
}
