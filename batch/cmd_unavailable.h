/* What subcommands that are not built yet answer: a clear message and 69. */
#ifndef C1_BATCH_CMD_UNAVAILABLE_H
#define C1_BATCH_CMD_UNAVAILABLE_H

int c1_cmd_unavailable(const char *command, const char *arrives_with);

#endif
