/* c1onboard report: re-renders a past run from the state store (later issue). */
#include "batch/cmd_unavailable.h"
#include "batch/commands.h"

int c1_cmd_report(const struct c1_options *opts)
{
	(void)opts;
	return c1_cmd_unavailable("report", "the state store and report writers");
}
