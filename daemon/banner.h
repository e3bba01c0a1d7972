/* SPDX-License-Identifier: ISC */
/*
 * The banner shown before the login prompt.
 */
#ifndef NVTD_BANNER_H
#define NVTD_BANNER_H

struct conn;

#define BANNER_MAX	4096	/* bytes read from the banner file */

/* Queue the banner file for the client, with control bytes removed. */
void	banner_send(struct conn *, const char *path);

#endif
