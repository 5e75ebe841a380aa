/* c1onboard: the thin entry point; everything else lives in the library. */
#include "batch/commands.h"

#include <malloc.h>
#include <signal.h>

int main(int argc, char **argv)
{
	/* A few arenas, not one per worker: memory freed by one thread is reused
	 * by the others instead of sitting in its arena (RSS at 10,000 accounts). */
	mallopt(M_ARENA_MAX, 2);
	/* libcurl runs with CURLOPT_NOSIGNAL, so a peer closing a socket must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return c1_cli_main(argc, argv);
}
