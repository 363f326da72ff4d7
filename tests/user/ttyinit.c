/*
 * The console tty from a real program, as init (tests/qemu/tty.sh types
 * into the serial port): a canonical line with an erase in it, then
 * single bytes in raw mode set with tcsetattr(3), then the settings
 * restored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>

static void
fail(const char *what)
{
	printf("tty test: FAIL %s\n", what);
	exit(1);
}

int
main(void)
{
	struct termios t, raw, back;
	struct winsize ws;
	char buf[64], c;
	ssize_t n;
	int i;

	if (!isatty(0) || !isatty(1))
		fail("isatty");
	if (tcgetattr(0, &t) != 0 || !(t.c_lflag & ICANON) ||
	    !(t.c_lflag & ECHO) || t.c_cc[VERASE] != 0177)
		fail("tcgetattr defaults");
	if (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_col != 80 ||
	    ws.ws_row != 24)
		fail("TIOCGWINSZ");
	printf("tty test: type a line\n");
	fflush(stdout);
	n = read(0, buf, sizeof(buf));
	if (n <= 0 || buf[n - 1] != '\n')
		fail("canonical read");
	printf("tty test: line \"%.*s\"\n", (int)n - 1, buf);

	raw = t;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_iflag &= ~ICRNL;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSANOW, &raw) != 0 || tcgetattr(0, &back) != 0 ||
	    (back.c_lflag & ICANON))
		fail("tcsetattr raw");
	printf("tty test: raw\n");
	fflush(stdout);
	for (i = 0; i < 3; i++) {
		if (read(0, &c, 1) != 1)
			fail("raw read");
		printf("tty test: byte %d\n", c);
		fflush(stdout);
	}
	if (tcsetattr(0, TCSAFLUSH, &t) != 0)
		fail("tcsetattr restore");
	printf("tty test: ok\n");
	return 0;
}
