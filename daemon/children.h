/* SPDX-License-Identifier: ISC */
/*
 * A task's children, as the kernel lists them in
 * /proc/PID/task/TID/children.
 */
#ifndef NVTD_CHILDREN_H
#define NVTD_CHILDREN_H

#include <sys/types.h>

/*
 * Call each(pid, arg) for each pid that the file at path lists.  Only
 * open(), read() and close(): async-signal-safe, if each is.
 */
void	children_each(const char *path, void (*each)(pid_t, void *),
	    void *arg);

#endif
