/* c1onboard: the thin entry point; everything else lives in the library. */
#include "batch/commands.h"

#include <signal.h>

int main(int argc, char **argv)
{
	/* libcurl runs with CURLOPT_NOSIGNAL, so a peer closing a socket must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return c1_cli_main(argc, argv);
}
