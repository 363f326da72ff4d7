/* The kernel's name and version, as the banner and uname(2) report them. */
#ifndef KERN_VERSION_H
#define KERN_VERSION_H

extern const char kernel_name[];
extern const char kernel_release[];

#endif
