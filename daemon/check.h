/* SPDX-License-Identifier: ISC */
/*
 * nvtd --check: whether a login can work on this host, and why not.
 */
#ifndef NVTD_CHECK_H
#define NVTD_CHECK_H

struct options;

/* Print one line per check; returns 0 if a login can work, else 1. */
int	check_run(const struct options *);

#endif
