/* The kernel's name and version, as the banner and uname(2) report them. */
#include "kern/version.h"

const char kernel_name[] = "biscotti";
const char kernel_release[] = "0.1.0";
