/* Credentials objects, the provider reference counting, and the caching provider that the
 * credential_process and AssumeRole variants sit on. */
#include "engine/aws/credentials.h"

#include "engine/aws/sts.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct c1_aws_credentials *c1_aws_credentials_new(const char *access_key_id, const char *secret_access_key,
						  const char *session_token, int64_t expiration_ms,
						  const char *source)
{
	struct c1_aws_credentials *c = c1_calloc(1, sizeof(*c));
	c1_secret_set(&c->access_key_id, access_key_id ? access_key_id : "",
		      access_key_id ? strlen(access_key_id) : 0);
	c1_secret_set(&c->secret_access_key, secret_access_key ? secret_access_key : "",
		      secret_access_key ? strlen(secret_access_key) : 0);
	if (session_token && session_token[0])
		c1_secret_set(&c->session_token, session_token, strlen(session_token));
	c->expiration_ms = expiration_ms;
	c->source = c1_strdup(source ? source : "");
	atomic_init(&c->refcount, 1);
	return c;
}

struct c1_aws_credentials *c1_aws_credentials_new_from_secrets(const struct c1_secret *access_key_id,
							       const struct c1_secret *secret_access_key,
							       const struct c1_secret *session_token,
							       int64_t expiration_ms, const char *source)
{
	struct c1_aws_credentials *c = c1_aws_credentials_new(NULL, NULL, NULL, expiration_ms, source);
	c1_secret_copy(&c->access_key_id, access_key_id);
	c1_secret_copy(&c->secret_access_key, secret_access_key);
	if (session_token)
		c1_secret_copy(&c->session_token, session_token);
	return c;
}

struct c1_aws_credentials *c1_aws_credentials_acquire(struct c1_aws_credentials *creds)
{
	if (creds)
		atomic_fetch_add(&creds->refcount, 1);
	return creds;
}

void c1_aws_credentials_release(struct c1_aws_credentials *creds)
{
	if (!creds || atomic_fetch_sub(&creds->refcount, 1) != 1)
		return;
	c1_secret_dispose(&creds->access_key_id);
	c1_secret_dispose(&creds->secret_access_key);
	c1_secret_dispose(&creds->session_token);
	free(creds->source);
	free(creds);
}

void c1_aws_credentials_sigv4_view(const struct c1_aws_credentials *creds, struct c1_sigv4_credentials *out)
{
	out->access_key_id = c1_secret_reveal(&creds->access_key_id);
	out->secret_access_key = c1_secret_reveal(&creds->secret_access_key);
	out->session_token =
	    c1_secret_is_set(&creds->session_token) ? c1_secret_reveal(&creds->session_token) : NULL;
}

bool c1_aws_credentials_expiring(const struct c1_aws_credentials *creds, int64_t now_wall_ms,
				 int64_t margin_ms)
{
	return creds->expiration_ms != 0 && now_wall_ms >= creds->expiration_ms - margin_ms;
}

int c1_aws_credentials_provider_get(struct c1_aws_credentials_provider *provider,
				    struct c1_aws_credentials **out)
{
	*out = NULL;
	return provider->get(provider, out);
}

struct c1_aws_credentials_provider *c1_aws_credentials_provider_acquire(struct c1_aws_credentials_provider *p)
{
	if (p)
		atomic_fetch_add(&p->refcount, 1);
	return p;
}

void c1_aws_credentials_provider_release(struct c1_aws_credentials_provider *p)
{
	if (!p || atomic_fetch_sub(&p->refcount, 1) != 1)
		return;
	if (p->destroy)
		p->destroy(p);
	free(p->description);
	free(p);
}

/* ---------------------------------------------------------------- shared helpers */

int c1_aws_read_secret_file(struct c1_secret *out, const char *path, size_t max, const char *what)
{
	int rc = 0;
	int fd = -1;
	char *data = NULL;
	size_t len = 0;
	struct stat st;

	c1_secret_dispose(out);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		c1_error_set("%s %s cannot be read: %s", what, path, strerror(errno));
		rc = C1_ECONFIG;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		c1_error_set("%s %s is not a regular file", what, path);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	data = c1_malloc(max + 1);
	for (;;) {
		ssize_t n = read(fd, data + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c1_error_set("%s %s cannot be read: %s", what, path, strerror(errno));
			rc = C1_ECONFIG;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			c1_error_set("%s %s is larger than %zu bytes", what, path, max);
			rc = C1_ECONFIG;
			goto cleanup;
		}
	}
	if (len == 0) {
		c1_error_set("%s %s is empty", what, path);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	c1_secret_set(out, data, len);
cleanup:
	if (data) {
		c1_wipe(data, max + 1);
		free(data);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int c1_aws_credentials_from_metadata_json(struct c1_aws_credentials **out, const char *body, size_t len,
					  const char *what, const char *source)
{
	json_t *doc = NULL;
	int64_t expiration_ms = 0;
	int rc = c1_json_parse(&doc, (struct c1_str){body, len}, 64 * 1024, 8);
	*out = NULL;
	if (rc || !json_is_object(doc)) {
		c1_error_set("%s answered with a body that is not a JSON object", what);
		rc = C1_EAPI;
		goto cleanup;
	}
	const char *code = c1_json_get_string(doc, "Code");
	if (code && strcmp(code, "Success") != 0) {
		c1_error_set("%s answered Code \"%.40s\" instead of Success", what, code);
		rc = C1_EAPI;
		goto cleanup;
	}
	const char *akid = c1_json_get_string(doc, "AccessKeyId");
	const char *secret = c1_json_get_string(doc, "SecretAccessKey");
	const char *token = c1_json_get_string(doc, "Token");
	const char *expiration = c1_json_get_string(doc, "Expiration");
	if (!akid || !akid[0] || !secret || !secret[0]) {
		c1_error_set("%s answered without AccessKeyId or SecretAccessKey", what);
		rc = C1_EAPI;
		goto cleanup;
	}
	if (expiration && c1_sts_parse_time_ms(&expiration_ms, expiration) != 0) {
		c1_error_set("%s answered an Expiration that is not an ISO-8601 time", what);
		rc = C1_EAPI;
		goto cleanup;
	}
	*out = c1_aws_credentials_new(akid, secret, token, expiration_ms, source);
cleanup:
	if (doc) {
		c1_json_wipe_strings(doc);
		json_decref(doc);
	}
	return rc;
}

/* ---------------------------------------------------------------- caching provider */

struct s_cached {
	c1_aws_credentials_fetch_fn fetch;
	void *ctx;
	void (*free_ctx)(void *ctx);
	const struct c1_clock *clock;
	int64_t margin_ms;
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool refreshing;
	struct c1_aws_credentials *current;
	/* Outcome of the last fetch, handed to callers that waited for it. */
	unsigned long generation;
	int last_rc;
	char last_error[512];
};

static int s_cached_get(struct c1_aws_credentials_provider *self, struct c1_aws_credentials **out)
{
	struct s_cached *c = self->impl;
	struct c1_aws_credentials *fresh = NULL;
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		int64_t now = c1_clock_wall_ms(c->clock);
		if (c->current && !c1_aws_credentials_expiring(c->current, now, c->margin_ms)) {
			*out = c1_aws_credentials_acquire(c->current);
			goto unlock;
		}
		if (!c->refreshing)
			break;
		/* Someone else is fetching: wait for that one call and share its outcome. */
		unsigned long gen = c->generation;
		while (c->refreshing && c->generation == gen)
			pthread_cond_wait(&c->done, &c->lock);
		if (c->last_rc && c->generation != gen) {
			now = c1_clock_wall_ms(c->clock);
			if (c->current && now < c->current->expiration_ms) {
				*out = c1_aws_credentials_acquire(c->current);
				goto unlock;
			}
			rc = c->last_rc;
			c1_error_set("%s", c->last_error);
			goto unlock;
		}
	}
	c->refreshing = true;
	pthread_mutex_unlock(&c->lock);

	rc = c->fetch(c->ctx, &fresh);

	pthread_mutex_lock(&c->lock);
	c->refreshing = false;
	if (rc == C1_EINPROGRESS) {
		/* Sent, not answered: not a failure to remember. A caller waiting on this
		 * fetch finds no credentials and fetches for itself. */
		pthread_cond_broadcast(&c->done);
		goto unlock;
	}
	c->generation++;
	c->last_rc = rc;
	if (rc == 0) {
		c1_aws_credentials_release(c->current);
		c->current = fresh;
		fresh = NULL;
		*out = c1_aws_credentials_acquire(c->current);
	} else {
		snprintf(c->last_error, sizeof(c->last_error), "%s", c1_error_last());
		int64_t now = c1_clock_wall_ms(c->clock);
		if (c->current && now < c->current->expiration_ms) {
			/* Still valid for a while: keep working and try again on the next call. */
			C1_WARN("credentials",
				"refreshing credentials (%s) failed, using the cached ones until %lld: %s",
				self->description, (long long)c->current->expiration_ms, c->last_error);
			*out = c1_aws_credentials_acquire(c->current);
			rc = 0;
		}
	}
	pthread_cond_broadcast(&c->done);
unlock:
	pthread_mutex_unlock(&c->lock);
	c1_aws_credentials_release(fresh);
	return rc;
}

static void s_cached_destroy(struct c1_aws_credentials_provider *self)
{
	struct s_cached *c = self->impl;
	if (!c)
		return;
	if (c->free_ctx)
		c->free_ctx(c->ctx);
	c1_aws_credentials_release(c->current);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->done);
	free(c);
}

int c1_aws_credentials_provider_new_cached(struct c1_aws_credentials_provider **out,
					   c1_aws_credentials_fetch_fn fetch, void *ctx,
					   void (*free_ctx)(void *ctx), const struct c1_clock *clock,
					   int64_t margin_ms, const char *description)
{
	struct c1_aws_credentials_provider *p = c1_calloc(1, sizeof(*p));
	struct s_cached *c = c1_calloc(1, sizeof(*c));
	c->fetch = fetch;
	c->ctx = ctx;
	c->free_ctx = free_ctx;
	c->clock = clock ? clock : c1_clock_system();
	c->margin_ms = margin_ms > 0 ? margin_ms : C1_AWS_CREDENTIALS_REFRESH_MARGIN_MS;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->done, NULL);
	p->get = s_cached_get;
	p->destroy = s_cached_destroy;
	p->impl = c;
	p->description = c1_strdup(description ? description : "");
	atomic_init(&p->refcount, 1);
	*out = p;
	return 0;
}
