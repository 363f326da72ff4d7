/*
 * The second program of the initramfs test: prints its arguments and
 * environment on one line ("fsecho: ARG... | ENV...") and exits 0.
 */
#include <stdio.h>

extern char **environ;

int
main(int argc, char **argv)
{
	int i;

	printf("fsecho:");
	for (i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf(" |");
	for (i = 0; environ[i] != NULL; i++)
		printf(" %s", environ[i]);
	printf("\n");
	return 0;
}
