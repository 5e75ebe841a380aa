/* AWS credentials (ref-counted, shared by worker threads) and the providers that produce them:
 * static keys, environment, credential_process, AssumeRole, web identity, IMDS, container, SSO
 * (cached, refreshed before expiry), and the resolver that builds the provider chain for a named
 * profile the way botocore does. */
#ifndef C1_AWS_CREDENTIALS_H
#define C1_AWS_CREDENTIALS_H

#include "engine/aws/config_file.h"
#include "engine/aws/sigv4.h"
#include "engine/core/clock.h"
#include "engine/core/secret.h"
#include "engine/net/http.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/** One set of credentials. Immutable once made; shared with acquire/release. */
struct c1_aws_credentials {
	struct c1_secret access_key_id;
	struct c1_secret secret_access_key;
	struct c1_secret session_token; /* unset when none */
	int64_t expiration_ms;          /* Unix ms; 0 = never expires */
	char *source;                   /* printable, never a secret: where these came from */
	atomic_int refcount;
};

/**
 * New credentials with refcount 1; values are copied. `session_token` may be NULL or "".
 * Caller releases. Never fails (out-of-memory aborts).
 */
struct c1_aws_credentials *c1_aws_credentials_new(const char *access_key_id, const char *secret_access_key,
						  const char *session_token, int64_t expiration_ms,
						  const char *source);
/** The same from secrets (copied). */
struct c1_aws_credentials *c1_aws_credentials_new_from_secrets(const struct c1_secret *access_key_id,
							       const struct c1_secret *secret_access_key,
							       const struct c1_secret *session_token,
							       int64_t expiration_ms, const char *source);
/** Add a reference; returns `creds`. Thread-safe. NULL is fine. */
struct c1_aws_credentials *c1_aws_credentials_acquire(struct c1_aws_credentials *creds);
/** Drop a reference; the last one wipes and frees. Thread-safe. NULL is fine. */
void c1_aws_credentials_release(struct c1_aws_credentials *creds);
/** Fill the borrowed view the signer takes; valid while `creds` is held. */
void c1_aws_credentials_sigv4_view(const struct c1_aws_credentials *creds, struct c1_sigv4_credentials *out);
/** Whether they expire within `margin_ms` of `now_wall_ms` (never for expiration 0). */
bool c1_aws_credentials_expiring(const struct c1_aws_credentials *creds, int64_t now_wall_ms,
				 int64_t margin_ms);

/**
 * A credentials provider: a function table plus a reference count. Thread-safe: many workers
 * call get() on one provider; caching providers make one fetch for concurrent callers.
 */
struct c1_aws_credentials_provider {
	/** Fill *out with acquired credentials (caller releases). 0, or a negative C1_E* with
	 * c1_error_set() (never mentioning a secret). */
	int (*get)(struct c1_aws_credentials_provider *self, struct c1_aws_credentials **out);
	/** Free the implementation; called by the last release. */
	void (*destroy)(struct c1_aws_credentials_provider *self);
	void *impl;
	char *description; /* printable, e.g. `profile "acct-a": assume-role ...` */
	atomic_int refcount;
};

/** Get credentials from any provider (see the `get` contract). */
int c1_aws_credentials_provider_get(struct c1_aws_credentials_provider *provider,
				    struct c1_aws_credentials **out);
struct c1_aws_credentials_provider *
c1_aws_credentials_provider_acquire(struct c1_aws_credentials_provider *p);
/** Drop a reference; the last one destroys. NULL is fine. */
void c1_aws_credentials_provider_release(struct c1_aws_credentials_provider *p);

/** Default margin before expiry at which cached credentials are fetched again. */
#define C1_AWS_CREDENTIALS_REFRESH_MARGIN_MS ((int64_t)5 * 60 * 1000)

/* ---- static (credentials_static.c) */

/** A provider that always hands out `creds` (a reference is taken). */
int c1_aws_credentials_provider_new_static(struct c1_aws_credentials_provider **out,
					   struct c1_aws_credentials *creds);

/**
 * Static keys of `profile` from one file (aws_access_key_id, aws_secret_access_key, and
 * aws_security_token or aws_session_token), as botocore's SharedCredentialProvider /
 * ConfigProvider read them. C1_ENOTFOUND (no message) when that file's section has no
 * aws_access_key_id; C1_ECONFIG naming the profile and file when the secret key is missing.
 */
int c1_aws_credentials_provider_new_profile_static(struct c1_aws_credentials_provider **out,
						   const struct c1_aws_config *cfg, const char *profile,
						   enum c1_aws_file file);

/* ---- environment (credentials_env.c) */

/**
 * Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SECURITY_TOKEN /
 * AWS_SESSION_TOKEN (botocore order), read now. `why` labels messages and the source (e.g.
 * `profile "x": credential_source Environment`). C1_ENOTFOUND when AWS_ACCESS_KEY_ID is unset
 * or empty, C1_ECONFIG when only the secret half is missing.
 */
int c1_aws_credentials_provider_new_env(struct c1_aws_credentials_provider **out,
					const struct c1_aws_env *env, const char *why);

/* ---- credential_process (credentials_process.c) */

struct c1_aws_process_options {
	const char *command;          /* the credential_process value, split like shlex.split */
	const char *profile;          /* for messages and the source string */
	const struct c1_clock *clock; /* NULL: system clock (expiry checks) */
	long timeout_ms;              /* 0: 60 s; the process group is killed when it passes */
	size_t max_output_bytes;      /* 0: 64 KiB of stdout */
	int64_t refresh_margin_ms;    /* 0: C1_AWS_CREDENTIALS_REFRESH_MARGIN_MS */
};

/**
 * Runs the command (no shell) on first get() and again when the credentials it printed are
 * about to expire. The command must exit 0 and print {"Version": 1, "AccessKeyId",
 * "SecretAccessKey", "SessionToken"?, "Expiration"?}. Failures are C1_ECONFIG naming the
 * profile (non-zero exit: with the start of its stderr; bad output: never quoting stdout),
 * C1_ETIMEOUT when it ran too long.
 */
int c1_aws_credentials_provider_new_process(struct c1_aws_credentials_provider **out,
					    const struct c1_aws_process_options *opts);

/* ---- AssumeRole (credentials_assume_role.c) */

struct c1_aws_assume_role_options {
	struct c1_aws_credentials_provider *source; /* credentials that call AssumeRole (acquired) */
	const char *role_arn;
	const char *role_session_name;       /* NULL: STS client default */
	const char *external_id;             /* NULL: none */
	int duration_seconds;                /* 0: STS default (3600) */
	struct c1_http_transport *transport; /* borrowed; must outlive the provider */
	const char *sts_endpoint;            /* e.g. https://sts.us-east-1.amazonaws.com */
	const char *sts_region;              /* signing region */
	const struct c1_clock *clock;        /* NULL: system clock */
	int64_t refresh_margin_ms;           /* 0: C1_AWS_CREDENTIALS_REFRESH_MARGIN_MS */
	const char *description;             /* source string of the result; NULL: built from role_arn */
};

/**
 * Calls STS AssumeRole with the source provider's credentials on first get(), caches the result
 * and calls again only when it expires within the margin (one call for concurrent callers).
 * Errors: the STS/transport code with a message naming the role; an STS answer that may pass
 * when sent again comes back as C1_ETHROTTLED (throttled) or C1_ETRANSPORT (5xx, unreadable
 * reply), so that a caller without the api_error can still tell it from a refusal.
 */
int c1_aws_credentials_provider_new_assume_role(struct c1_aws_credentials_provider **out,
						const struct c1_aws_assume_role_options *opts);

/* ---- AssumeRoleWithWebIdentity (credentials_web_identity.c) */

struct c1_aws_web_identity_options {
	const char *token_file; /* read again on every fetch (Kubernetes rotates it) */
	const char *role_arn;
	const char *role_session_name;       /* NULL: "c1onboard-<unix seconds>" */
	int duration_seconds;                /* 0: STS default */
	struct c1_http_transport *transport; /* borrowed; must outlive the provider */
	const char *sts_endpoint;
	const char *sts_region; /* NULL: us-east-1 (the call is not signed) */
	const struct c1_clock *clock;
	int64_t refresh_margin_ms;
	const char *description; /* printable; NULL: built from role_arn */
};

/**
 * Reads the token file and calls STS AssumeRoleWithWebIdentity (unsigned) on first get(), caches
 * the result and calls again (re-reading the file) when it expires within the margin. Errors:
 * C1_ECONFIG for an unreadable or empty token file (naming the path, never the token); STS
 * errors as for AssumeRole (C1_ETHROTTLED / C1_ETRANSPORT when sending again may pass).
 */
int c1_aws_credentials_provider_new_web_identity(struct c1_aws_credentials_provider **out,
						 const struct c1_aws_web_identity_options *opts);

/* ---- EC2 instance metadata, IMDSv2 (credentials_imds.c) */

struct c1_aws_imds_options {
	const struct c1_aws_env *env;        /* AWS_EC2_METADATA_*, AWS_METADATA_SERVICE_TIMEOUT */
	struct c1_http_transport *transport; /* borrowed */
	const char *endpoint; /* NULL: AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 */
	const struct c1_clock *clock;
	int64_t refresh_margin_ms;
	const char *why; /* printable label, e.g. `profile "x": credential_source Ec2InstanceMetadata` */
};

/**
 * The instance role's credentials: PUT /latest/api/token (IMDSv2; IMDSv1 when that is refused
 * with 403/404/405 and AWS_EC2_METADATA_V1_DISABLED is not true), GET
 * /latest/meta-data/iam/security-credentials/ for the role name, then GET .../<role>. Cached
 * until the expiration minus the margin. C1_ECONFIG when AWS_EC2_METADATA_DISABLED is true
 * (at construction) or the endpoint is not allowed; C1_EAUTH when the instance has no role.
 */
int c1_aws_credentials_provider_new_imds(struct c1_aws_credentials_provider **out,
					 const struct c1_aws_imds_options *opts);

/* ---- ECS/EKS container credentials (credentials_container.c) */

struct c1_aws_container_options {
	const struct c1_aws_env *env;        /* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI,
						AWS_CONTAINER_AUTHORIZATION_TOKEN / _TOKEN_FILE */
	struct c1_http_transport *transport; /* borrowed */
	const struct c1_clock *clock;
	int64_t refresh_margin_ms;
	const char *why;
};

/**
 * Credentials from the container endpoint: RELATIVE_URI against http://169.254.170.2, else
 * FULL_URI (https, or http to loopback or the fixed ECS/EKS addresses), with the authorization
 * token (the file wins and is read on every fetch). C1_ECONFIG at construction when neither URI
 * is set or the URI is not allowed.
 */
int c1_aws_credentials_provider_new_container(struct c1_aws_credentials_provider **out,
					      const struct c1_aws_container_options *opts);

/* ---- IAM Identity Center / SSO (credentials_sso.c) */

struct c1_aws_sso_options {
	const char *profile;      /* for messages (the `aws sso login --profile` hint) */
	const char *session_name; /* [sso-session NAME]; NULL for a legacy profile */
	const char *start_url;
	const char *sso_region;
	const char *account_id;
	const char *role_name;
	const char
	    *portal_url; /* GetRoleCredentials endpoint; NULL: https://portal.sso.<region>.amazonaws.com */
	const char *cache_dir; /* NULL: $HOME/.aws/sso/cache (HOME from env) */
	const struct c1_aws_env *env;
	struct c1_http_transport *transport; /* borrowed */
	const struct c1_clock *clock;
	int64_t refresh_margin_ms;
};

/**
 * Reads the AWS CLI's token cache (<cache_dir>/<sha1 hex of session name, or of start URL>.json;
 * never written or refreshed) and calls the portal's GetRoleCredentials on first get(); caches
 * the role credentials until their expiration minus the margin. A missing, unreadable or expired
 * token (or a 401 from the portal) is C1_EAUTH: "the SSO token for profile X has expired (or is
 * missing): run `aws sso login --profile X`".
 */
int c1_aws_credentials_provider_new_sso(struct c1_aws_credentials_provider **out,
					const struct c1_aws_sso_options *opts);

/* ---- profile resolver (credentials_profile.c) */

struct c1_aws_profile_provider_options {
	const struct c1_aws_env *env;        /* NULL: process environment */
	struct c1_http_transport *transport; /* for AssumeRole; borrowed */
	const struct c1_clock *clock;        /* NULL: system clock */
	const char *region;                  /* STS region; NULL: c1_aws_region_for_profile() */
	long process_timeout_ms;             /* 0: default */
	int64_t refresh_margin_ms;           /* 0: default */
};

/**
 * The provider for `profile_name` (NULL: c1_aws_default_profile_name()), chosen as botocore
 * does for an explicitly named profile: role_arn (AssumeRole, source_profile chains and
 * credential_source Environment / Ec2InstanceMetadata / EcsContainer), then web identity
 * (web_identity_token_file + role_arn), SSO (sso_session or legacy sso_start_url, with
 * sso_account_id and sso_role_name), static keys in the credentials file, login (refused:
 * C1_ECONFIG), credential_process, static keys in the config file, and last the environment's web
 * identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN). Nothing is fetched and no file is read
 * yet (validate relies on it). Errors are C1_ECONFIG and name the profile: unknown profile (and
 * both files), no credentials, partial keys, source_profile loops, mfa_serial, unknown
 * credential_source, incomplete SSO or web identity settings.
 */
int c1_aws_credentials_provider_for_profile(struct c1_aws_credentials_provider **out,
					    const struct c1_aws_config *cfg, const char *profile_name,
					    const struct c1_aws_profile_provider_options *opts);

/* ---- shared by the provider files */

/**
 * Read a small file (at most `max` bytes) into a secret. C1_ECONFIG naming `what` and the path
 * (never the content) when it cannot be read, is empty or is larger.
 */
int c1_aws_read_secret_file(struct c1_secret *out, const char *path, size_t max, const char *what);

/**
 * Credentials from a metadata JSON document (IMDS and container endpoints: AccessKeyId,
 * SecretAccessKey, Token?, Expiration? as ISO-8601). C1_EAPI with a message naming `what` (never
 * a value) when fields are missing or the body is not JSON. The parsed strings are wiped.
 */
int c1_aws_credentials_from_metadata_json(struct c1_aws_credentials **out, const char *body, size_t len,
					  const char *what, const char *source);

/** Fetch function of a caching provider: fill *out (refcount 1) or fail with c1_error_set(). */
typedef int (*c1_aws_credentials_fetch_fn)(void *ctx, struct c1_aws_credentials **out);

/**
 * A provider that caches what `fetch` returns and calls it again only when the cached
 * credentials expire within `margin_ms`. Concurrent callers wait for one fetch. When a refresh
 * fails but the cached credentials have not expired yet, those are returned. `free_ctx` is
 * called on destroy. `description` is copied.
 */
int c1_aws_credentials_provider_new_cached(struct c1_aws_credentials_provider **out,
					   c1_aws_credentials_fetch_fn fetch, void *ctx,
					   void (*free_ctx)(void *ctx), const struct c1_clock *clock,
					   int64_t margin_ms, const char *description);

#endif
