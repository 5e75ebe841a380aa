/* c1onboard validate: wired to the spreadsheet intake once it lands. */
#include "batch/cmd_unavailable.h"
#include "batch/commands.h"

int c1_cmd_validate(const struct c1_options *opts)
{
	(void)opts;
	return c1_cmd_unavailable("validate", "the spreadsheet intake");
}
