/* SPDX-License-Identifier: ISC */
/*
 * Replays fuzz inputs through the fuzz target without libFuzzer, so that
 * `make check` runs every crash ever found (tests/fuzz/replay/) and the
 * seed corpus with the normal compiler and sanitizers.
 *
 * Usage: replay FILE|DIR ...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

static unsigned long	replayed;

/* Run one file through the target; a broken invariant aborts. */
static int
replay_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	replayed++;
	return 0;
}

/* A file, or every file of a directory but dot files and README. */
static int
replay_path(const char *path)
{
	DIR		*d;
	struct dirent	*de;
	char		*full;
	int		 rc = 0;

	if ((d = opendir(path)) == NULL)
		return replay_file(path);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0)
			abort();
		if (replay_file(full) < 0)
			rc = -1;
		free(full);
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	int	i, rc = 0;

	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]) < 0)
			rc = 1;
	printf("replay: %lu fuzz inputs passed\n", replayed);
	return rc;
}
