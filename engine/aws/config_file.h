/* The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials), parsed the way
 * botocore parses them (configparser rules, profile/services/sso-session sections, nested
 * sub-settings, credentials-file values over config-file values), and the injectable environment. */
#ifndef C1_AWS_CONFIG_FILE_H
#define C1_AWS_CONFIG_FILE_H

#include "engine/core/secret.h"

#include <stdbool.h>
#include <stddef.h>

/** Environment lookup; tests pass their own table instead of touching the process environment. */
struct c1_aws_env {
	/** Value of `name` or NULL when unset; the pointer stays valid for the caller's use. */
	const char *(*getenv)(void *ctx, const char *name);
	void *ctx;
};

/** The process environment (getenv(3)); static lifetime. */
const struct c1_aws_env *c1_aws_env_system(void);
/** Look `name` up in `env` (NULL env = the process environment). */
const char *c1_aws_env_get(const struct c1_aws_env *env, const char *name);

enum c1_aws_file {
	C1_AWS_FILE_CONFIG = 1,     /* AWS_CONFIG_FILE, ~/.aws/config */
	C1_AWS_FILE_CREDENTIALS = 2 /* AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials */
};

/** One `key = value` line of an indented block (`cloudformation =` + `  endpoint_url = ...`). */
struct c1_aws_subsetting {
	char *key; /* as written (botocore does not lower-case nested keys) */
	char *value;
};

/** One setting of a section. Read-only for users of the config. */
struct c1_aws_setting {
	char *key;               /* lower-cased, as configparser does */
	char *value;             /* NULL when is_secret or nested */
	struct c1_secret secret; /* aws_secret_access_key, aws_session_token, aws_security_token */
	bool is_secret;
	bool nested; /* value was an indented block: see sub[] */
	struct c1_aws_subsetting *sub;
	size_t sub_count;
	enum c1_aws_file file; /* where it came from, for messages */
	unsigned line;
};

struct c1_aws_config;
struct c1_aws_profile;
struct c1_aws_section;

#define C1_AWS_CONFIG_DEFAULT_MAX_BYTES ((size_t)16 * 1024 * 1024)

struct c1_aws_config_options {
	const struct c1_aws_env *env; /* NULL: the process environment */
	size_t max_file_bytes;        /* 0: C1_AWS_CONFIG_DEFAULT_MAX_BYTES */
	const char *config_path;      /* NULL: AWS_CONFIG_FILE, else ~/.aws/config */
	const char *credentials_path; /* NULL: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials */
};

/**
 * Load both files. A missing file (or one that is not a regular file) counts as empty, as in
 * botocore. Paths get `$VAR`/`${VAR}` and a leading `~` expanded (HOME from `opts->env`).
 * Returns 0, or C1_ECONFIG naming file and line for a malformed file (also: not UTF-8, NUL
 * byte, duplicate section or key, larger than the cap, unreadable). Secret values end up only in
 * struct c1_secret; the raw file bytes are wiped before they are freed.
 * *out is owned by the caller (c1_aws_config_free). The loaded config is immutable and may be
 * read from many threads at once.
 */
int c1_aws_config_load(struct c1_aws_config **out, const struct c1_aws_config_options *opts);

/**
 * Parse in-memory file contents (either may be NULL = absent); `config_name` and
 * `credentials_name` only label messages. Same rules and return codes as c1_aws_config_load.
 */
int c1_aws_config_parse(struct c1_aws_config **out, const char *config_text, size_t config_len,
			const char *config_name, const char *credentials_text, size_t credentials_len,
			const char *credentials_name);

void c1_aws_config_free(struct c1_aws_config *cfg);

/** Expanded path of a file as used ("" when parsed from memory without a name); borrowed. */
const char *c1_aws_config_path(const struct c1_aws_config *cfg, enum c1_aws_file file);

/** The profile called `name`, or NULL (no message set). Borrowed from cfg. */
const struct c1_aws_profile *c1_aws_config_profile(const struct c1_aws_config *cfg, const char *name);

/** Names of every profile of both files, in file order (config first); borrowed. */
const char *const *c1_aws_config_profile_names(const struct c1_aws_config *cfg, size_t *count);

/** A `[services NAME]` section, or NULL. Borrowed. */
const struct c1_aws_section *c1_aws_config_services(const struct c1_aws_config *cfg, const char *name);
/** A `[sso-session NAME]` section, or NULL. Borrowed. */
const struct c1_aws_section *c1_aws_config_sso_session(const struct c1_aws_config *cfg, const char *name);

/** The profile to use when none is named: AWS_DEFAULT_PROFILE, AWS_PROFILE (botocore order), else
 * "default". An empty variable also means "default". Borrowed from the environment. */
const char *c1_aws_default_profile_name(const struct c1_aws_env *env);

const char *c1_aws_profile_name(const struct c1_aws_profile *profile);

/**
 * Setting `key` (lower-case) of the profile: the credentials file's section first, then the
 * config file's (botocore merges per key). NULL when absent. Borrowed.
 */
const struct c1_aws_setting *c1_aws_profile_setting(const struct c1_aws_profile *profile, const char *key);
/** The same, looking only at the section from one file. */
const struct c1_aws_setting *c1_aws_profile_setting_in(const struct c1_aws_profile *profile, const char *key,
						       enum c1_aws_file file);
/** Plain string value of `key`, or NULL when absent, secret or nested. Borrowed. */
const char *c1_aws_profile_get(const struct c1_aws_profile *profile, const char *key);
/** Whether the profile has `key` at all (secret and nested included). */
bool c1_aws_profile_has(const struct c1_aws_profile *profile, const char *key);
/** Whether the profile has a section in that file. */
bool c1_aws_profile_in_file(const struct c1_aws_profile *profile, enum c1_aws_file file);

/** Setting `key` of a services/sso-session section, or NULL. Borrowed. */
const struct c1_aws_setting *c1_aws_section_setting(const struct c1_aws_section *section, const char *key);
/** Whether a section has no settings at all. */
bool c1_aws_section_is_empty(const struct c1_aws_section *section);
/** Nested value `key` (exact case) of a setting, or NULL. Borrowed. */
const char *c1_aws_setting_sub(const struct c1_aws_setting *setting, const char *key);

/**
 * Split `s` like Python's shlex.split (POSIX mode, no comments): whitespace separates words,
 * '...' is literal, "..." allows \" and \\, a backslash outside quotes escapes any character.
 * *out_argv is a NULL-terminated array the caller frees with c1_aws_argv_free.
 * Returns 0 or C1_EINVALID ("No closing quotation" / "No escaped character").
 */
int c1_aws_shlex_split(char ***out_argv, size_t *out_argc, const char *s);
void c1_aws_argv_free(char **argv);

#endif
