/* SPDX-License-Identifier: ISC */
/* Placeholder until the login lands. */
#include "log.h"

int
main(void)
{
	log_init("nvtd", 1);
	log_warnx("not yet");
	return 1;
}
