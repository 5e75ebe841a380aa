#include "batch/cmd_unavailable.h"

#include "batch/exit_codes.h"

#include <stdio.h>

int c1_cmd_unavailable(const char *command, const char *arrives_with)
{
	fprintf(stderr,
		"c1onboard: '%s' is not available in this build yet (it arrives with %s); "
		"'c1onboard validate ACCOUNTS.csv' works offline now\n",
		command, arrives_with);
	return C1_EXIT_UNAVAILABLE;
}
