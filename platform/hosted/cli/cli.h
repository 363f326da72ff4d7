/*
 * The biscotti program's subcommands (platform/hosted/cli): each boots
 * the hosted kernel and drives it from outside, through its own syscalls.
 *
 *	biscotti mkfs IMAGE --size SIZE [--from DIR]	(fs_cli.c)
 *	biscotti fsck IMAGE [--repair]			(fs_cli.c)
 *	biscotti mount IMAGE MOUNTPOINT [-f]		(fuse_mount.c)
 *	biscotti net --tap NAME --addr A.B.C.D/N [--gw G] -- PROGRAM [ARGS]
 *							(net_cli.c)
 *
 * Each gets the arguments after its own name (argv[0] is the
 * subcommand) and returns the process's exit status.
 */
#ifndef HOSTED_CLI_H
#define HOSTED_CLI_H

int cli_mkfs(int argc, char **argv);
int cli_fsck(int argc, char **argv);
int cli_mount(int argc, char **argv);
int cli_net(int argc, char **argv);

#endif
