/* SPDX-License-Identifier: ISC */
/*
 * The banner shown before the login prompt.
 */
#ifndef NVTD_BANNER_H
#define NVTD_BANNER_H

#define BANNER_MAX	4096	/* bytes read from the banner file */

/*
 * The banner file as text for the client, its escapes expanded and
 * control bytes removed, in text (BANNER_MAX + 1 bytes); "" when there
 * is none.
 */
void	banner_render(const char *path, char *text);

#endif
