/*
 * The first user program: musl's printf through write(2), then exit 0.
 * tests/qemu/user.sh boots it as init and expects the line and status 0.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from user mode\n");
	printf("argc %d argv[0] %s\n", argc, argc > 0 ? argv[0] : "(none)");
	return 0;
}
