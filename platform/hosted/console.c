/*
 * Hosted console: output goes to stderr, one write(2) per call so lines
 * from different vCPUs do not interleave mid-call, and is appended to an
 * in-memory log that tests read back with hosted_console_log().  Input is
 * not wired to the host yet; the core's console_input() is the way in.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract/console.h"
#include "hosted.h"
#include "vcpu.h"

static pthread_mutex_t console_mu = PTHREAD_MUTEX_INITIALIZER;
static bool console_quiet;
static char *log_buf;		/* NUL-terminated; grows by doubling */
static size_t log_len, log_cap;

/* Append to the log.  Caller holds console_mu. */
static void log_append(const char *buf, size_t len)
{
	size_t cap = log_cap ? log_cap : 4096;
	char *p;

	while (log_len + len + 1 > cap)
		cap *= 2;
	if (cap != log_cap) {
		p = realloc(log_buf, cap);
		if (p == NULL)
			return;		/* keep the old log; the echo still works */
		log_buf = p;
		log_cap = cap;
	}
	memcpy(log_buf + log_len, buf, len);
	log_len += len;
	log_buf[log_len] = '\0';
}

/* Echo to stderr, retrying short writes. */
static void echo(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void console_write(const char *buf, size_t len)
{
	pthread_mutex_lock(&console_mu);
	log_append(buf, len);
	if (!console_quiet)
		echo(buf, len);
	pthread_mutex_unlock(&console_mu);
}

/* The host's stderr translates nothing: raw bytes are the same bytes. */
void console_write_raw(const char *buf, size_t len)
{
	console_write(buf, len);
}

/* Set the echo mode and start an empty log. */
void hosted_console_init(bool quiet)
{
	pthread_mutex_lock(&console_mu);
	console_quiet = quiet;
	log_len = 0;
	if (log_buf != NULL)
		log_buf[0] = '\0';
	pthread_mutex_unlock(&console_mu);
}

const char *hosted_console_log(void)
{
	const char *s;

	pthread_mutex_lock(&console_mu);
	s = log_buf != NULL ? log_buf : "";
	pthread_mutex_unlock(&console_mu);
	return s;
}
