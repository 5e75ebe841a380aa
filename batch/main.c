/* c1onboard: the thin entry point; everything else lives in the library. */
#include "batch/commands.h"

int main(int argc, char **argv)
{
	return c1_cli_main(argc, argv);
}
