/* The settings file: option defaults an MSP keeps in $XDG_CONFIG_HOME/c1onboard/config (else
 * ~/.config/c1onboard/config; C1ONBOARD_CONFIG names another file). INI like the AWS CLI's
 * files: `name = value` lines for long option names, `#`/`;` comments, and [COMMAND] sections
 * whose lines apply to that command only (lines before any section apply to every command
 * that has the option). This module reads the file; batch/options turns entries into
 * arguments that come before the command line's, so the command line wins. */
#ifndef C1_BATCH_SETTINGS_H
#define C1_BATCH_SETTINGS_H

#include <stddef.h>

struct c1_setting {
	char *section; /* NULL: before any [section] */
	char *name;
	char *value; /* "" when the line has no '=' (a flag) */
	size_t line;
	size_t section_line; /* of the [section] header; 0 outside any */
};

struct c1_settings {
	char *path; /* the file read, or the one looked for */
	struct c1_setting *items;
	size_t count;
};

/** The settings file's path (caller frees): C1ONBOARD_CONFIG, $XDG_CONFIG_HOME/c1onboard/config
 *  or ~/.config/c1onboard/config. */
char *c1_settings_path(void);

/**
 * Read the file at `path` into `out` (initialised here). A missing file is no error (no
 * entries). Returns 0, or C1_EINVALID with c1_error_set() naming path:line and the fix for a
 * line that is neither `name = value`, `name`, a comment nor `[section]`; C1_ERROR when the
 * file exists but cannot be read.
 */
int c1_settings_read(struct c1_settings *out, const char *path);
void c1_settings_dispose(struct c1_settings *settings);

#endif
