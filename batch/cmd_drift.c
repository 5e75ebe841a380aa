/* c1onboard drift: see SPEC section 4; the engine that runs it is a later issue. */
#include "batch/cmd_unavailable.h"
#include "batch/commands.h"

int c1_cmd_drift(const struct c1_options *opts)
{
	(void)opts;
	return c1_cmd_unavailable("drift", "the onboarding engine");
}
