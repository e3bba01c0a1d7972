/* SPDX-License-Identifier: ISC */
/*
 * The file holds "PID PID ... ", in as many reads as it takes; a number
 * may straddle two of them.
 */
#include <fcntl.h>
#include <unistd.h>

#include "children.h"

void
children_each(const char *path, void (*each)(pid_t, void *), void *arg)
{
	char	buf[512];
	ssize_t	n, i;
	pid_t	pid = 0;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
				continue;
			}
			if (pid > 0)
				each(pid, arg);
			pid = 0;
		}
	}
	if (pid > 0)
		each(pid, arg);
	close(fd);
}
