/* SPDX-License-Identifier: ISC */
/*
 * The banner: /etc/issue.net (or -b FILE) shown before the first prompt.
 * The file is read once, at most BANNER_MAX bytes of it; control bytes
 * other than tab and newline are dropped, so a banner cannot drive the
 * client's terminal.  A missing file is not an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "banner.h"
#include "conn.h"
#include "log.h"

void
banner_send(struct conn *c, const char *path)
{
	char	buf[BANNER_MAX + 1];
	ssize_t	n;
	size_t	i, j;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno != ENOENT)
			log_warn("banner %s", path);
		return;
	}
	n = read(fd, buf, BANNER_MAX);
	close(fd);
	if (n <= 0)
		return;
	for (i = j = 0; i < (size_t)n; i++) {
		unsigned char	ch = (unsigned char)buf[i];

		if ((ch >= 0x20 && ch != 0x7f) || ch == '\t' || ch == '\n')
			buf[j++] = (char)ch;
	}
	buf[j] = '\0';
	conn_puts(c, buf);
}
