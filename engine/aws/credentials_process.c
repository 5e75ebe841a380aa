/* credential_process: run the profile's command (split like shlex, no shell), read the JSON it
 * prints, and run it again when those credentials are about to expire. */
#define _GNU_SOURCE /* pipe2: pipes must not leak into processes other threads spawn */

#include "engine/aws/credentials.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define S_DEFAULT_TIMEOUT_MS 60000L
#define S_DEFAULT_MAX_OUTPUT ((size_t)64 * 1024)
#define S_STDERR_KEEP        512

struct s_process {
	char **argv;
	char *profile;
	long timeout_ms;
	size_t max_output;
};

static void s_process_free(void *ctx)
{
	struct s_process *p = ctx;
	if (!p)
		return;
	c1_aws_argv_free(p->argv);
	free(p->profile);
	free(p);
}

static int64_t s_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* Printable single-line excerpt of the child's stderr for the error message. */
static void s_stderr_excerpt(char *out, size_t out_len, const char *s, size_t len, bool truncated)
{
	size_t n = 0;
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < len && n + 5 < out_len; i++) {
		unsigned char c = (unsigned char)s[i];
		out[n++] = c == '\n' || c == '\t' ? ' ' : (c >= 0x20 && c != 0x7f ? (char)c : '?');
	}
	if (truncated || len > n) {
		out[n++] = '.';
		out[n++] = '.';
		out[n++] = '.';
	}
	out[n] = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t s_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool s_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/** RFC 3339 date-time ("2024-05-01T12:00:00Z", fraction and +hh:mm allowed) to Unix ms. */
static bool s_parse_rfc3339(const char *s, int64_t *out_ms)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, ms = 0;
	size_t len = strlen(s);
	if (len < 20 || !s_digits(s, 4, &y) || s[4] != '-' || !s_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !s_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !s_digits(s + 11, 2, &h) || s[13] != ':' || !s_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !s_digits(s + 17, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		int scale = 100, digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
		if (!digits)
			return false;
	}
	int sign = 0;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && s_digits(p + 1, 2, &oh) && p[3] == ':' &&
		   s_digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return false;
	}
	int64_t days = s_days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
	*out_ms = secs * 1000 + ms;
	return true;
}

/* Run the child; fill stdout (at most max bytes) and the head of stderr. */
static int s_run(struct s_process *p, char *out, size_t *out_len, char *err, size_t *err_len,
		 bool *err_truncated, int *status)
{
	int rc = 0;
	int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
	pid_t pid = -1;
	bool files_init = false, attr_init = false, reaped = false;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int64_t deadline = s_now_ms() + p->timeout_ms;

	*out_len = *err_len = 0;
	*err_truncated = false;
	if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
		c1_error_set("profile \"%s\": cannot create pipes for credential_process: %s", p->profile,
			     strerror(errno));
		rc = C1_ERROR;
		goto cleanup;
	}
	posix_spawn_file_actions_init(&fa);
	files_init = true;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0); /* batch runs cannot prompt */
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
	posix_spawnattr_init(&attr);
	attr_init = true;
	sigset_t none, defaults;
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setpgroup(&attr, 0); /* own group, so a timeout kills its children too */
	posix_spawnattr_setflags(&attr,
				 POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int err_no = posix_spawnp(&pid, p->argv[0], &fa, &attr, p->argv, environ);
	if (err_no != 0) {
		pid = -1;
		c1_error_set(
		    "profile \"%s\": cannot run credential_process \"%s\": %s; check the command and "
		    "that it is on PATH",
		    p->profile, p->argv[0], strerror(err_no));
		rc = C1_ECONFIG;
		goto cleanup;
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;

	while (out_pipe[0] >= 0 || err_pipe[0] >= 0) {
		int64_t left = deadline - s_now_ms();
		if (left <= 0) {
			rc = C1_ETIMEOUT;
			break;
		}
		struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
		int n = poll(fds, 2, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c1_error_set("profile \"%s\": waiting for credential_process failed: %s", p->profile,
				     strerror(errno));
			rc = C1_ERROR;
			goto cleanup;
		}
		if (fds[0].revents) {
			ssize_t r = read(out_pipe[0], out + *out_len, p->max_output + 1 - *out_len);
			if (r > 0) {
				*out_len += (size_t)r;
				if (*out_len > p->max_output) {
					c1_error_set(
					    "profile \"%s\": credential_process printed more than %zu bytes; "
					    "it must print one small JSON object",
					    p->profile, p->max_output);
					rc = C1_ECONFIG;
					goto cleanup;
				}
			} else if (r == 0 || errno != EINTR) {
				close(out_pipe[0]);
				out_pipe[0] = -1;
			}
		}
		if (fds[1].revents) {
			char scratch[4096];
			ssize_t r = read(err_pipe[0], scratch, sizeof(scratch));
			if (r > 0) {
				size_t room = S_STDERR_KEEP - *err_len;
				size_t keep = (size_t)r < room ? (size_t)r : room;
				if ((size_t)r > room)
					*err_truncated = true;
				memcpy(err + *err_len, scratch, keep);
				*err_len += keep;
				c1_wipe(scratch, sizeof(scratch));
			} else if (r == 0 || errno != EINTR) {
				close(err_pipe[0]);
				err_pipe[0] = -1;
			}
		}
	}
	/* Output closed; the process may still be running: wait, up to the same deadline. */
	while (rc == 0) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid) {
			reaped = true;
			break;
		}
		if (w < 0 && errno != EINTR) {
			c1_error_set("profile \"%s\": waiting for credential_process failed: %s", p->profile,
				     strerror(errno));
			rc = C1_ERROR;
			break;
		}
		if (s_now_ms() >= deadline) {
			rc = C1_ETIMEOUT;
			break;
		}
		s_sleep_ms(5);
	}
	if (rc == C1_ETIMEOUT)
		c1_error_set(
		    "profile \"%s\": credential_process did not finish within %ld ms and was stopped; "
		    "make it faster or check that it does not wait for input",
		    p->profile, p->timeout_ms);
cleanup:
	if (pid > 0 && !reaped) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
		}
	}
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	if (attr_init)
		posix_spawnattr_destroy(&attr);
	if (files_init)
		posix_spawn_file_actions_destroy(&fa);
	return rc;
}

static const char *s_json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int s_process_fetch(void *ctx, struct c1_aws_credentials **out)
{
	struct s_process *p = ctx;
	int rc = 0, status = 0;
	size_t out_len = 0, err_len = 0;
	bool err_truncated = false;
	char *output = c1_malloc(p->max_output + 2);
	char errbuf[S_STDERR_KEEP + 1];
	json_t *root = NULL;
	char *source = NULL;
	int64_t expiration_ms = 0;

	rc = s_run(p, output, &out_len, errbuf, &err_len, &err_truncated, &status);
	if (rc)
		goto cleanup;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char excerpt[S_STDERR_KEEP + 8];
		s_stderr_excerpt(excerpt, sizeof(excerpt), errbuf, err_len, err_truncated);
		if (WIFEXITED(status))
			c1_error_set("profile \"%s\": credential_process exited with status %d%s%s",
				     p->profile, WEXITSTATUS(status),
				     excerpt[0] ? ": " : " and printed nothing on stderr", excerpt);
		else
			c1_error_set("profile \"%s\": credential_process was killed by signal %d%s%s",
				     p->profile, WTERMSIG(status), excerpt[0] ? ": " : "", excerpt);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	json_error_t jerr;
	root = json_loadb(output, out_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root)) {
		/* jerr.text may quote the output (a secret), so only its position is reported. */
		c1_error_set(
		    "profile \"%s\": credential_process did not print a JSON object (problem at line %d, "
		    "column %d); it must print {\"Version\": 1, \"AccessKeyId\": ..., "
		    "\"SecretAccessKey\": ..., \"SessionToken\": ..., \"Expiration\": ...}",
		    p->profile, root ? 1 : jerr.line, root ? 1 : jerr.column);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	json_t *version = json_object_get(root, "Version");
	bool v1 = (json_is_integer(version) && json_integer_value(version) == 1) ||
		  (json_is_real(version) && json_real_value(version) == 1.0);
	if (!v1) {
		c1_error_set(
		    "profile \"%s\": credential_process printed %s; only \"Version\": 1 is supported",
		    p->profile, version ? "an unsupported Version" : "no Version");
		rc = C1_ECONFIG;
		goto cleanup;
	}
	const char *akid = s_json_str(root, "AccessKeyId");
	const char *secret = s_json_str(root, "SecretAccessKey");
	if (!akid || !akid[0] || !secret || !secret[0]) {
		c1_error_set("profile \"%s\": credential_process output lacks %s (a non-empty string)",
			     p->profile, !akid || !akid[0] ? "AccessKeyId" : "SecretAccessKey");
		rc = C1_ECONFIG;
		goto cleanup;
	}
	json_t *token = json_object_get(root, "SessionToken");
	if (token && !json_is_null(token) && !json_is_string(token)) {
		c1_error_set("profile \"%s\": credential_process printed a SessionToken that is not a string",
			     p->profile);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	json_t *exp = json_object_get(root, "Expiration");
	if (exp && !json_is_null(exp)) {
		if (!json_is_string(exp) || !s_parse_rfc3339(json_string_value(exp), &expiration_ms)) {
			c1_error_set(
			    "profile \"%s\": credential_process printed an Expiration that is not an RFC "
			    "3339 timestamp such as 2024-05-01T12:00:00Z",
			    p->profile);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		if (expiration_ms == 0)
			expiration_ms = 1; /* 0 means "never" here */
	}
	source = c1_asprintf("profile \"%s\": credential_process", p->profile);
	*out = c1_aws_credentials_new(akid, secret, json_is_string(token) ? json_string_value(token) : NULL,
				      expiration_ms, source);
cleanup:
	if (root) {
		c1_json_wipe_strings(root);
		json_decref(root);
	}
	c1_wipe(output, p->max_output + 2);
	free(output);
	c1_wipe(errbuf, sizeof(errbuf));
	free(source);
	return rc;
}

int c1_aws_credentials_provider_new_process(struct c1_aws_credentials_provider **out,
					    const struct c1_aws_process_options *opts)
{
	int rc = 0;
	struct s_process *p = c1_calloc(1, sizeof(*p));
	char *desc = NULL;
	const char *profile = opts->profile ? opts->profile : "";

	*out = NULL;
	p->profile = c1_strdup(profile);
	p->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : S_DEFAULT_TIMEOUT_MS;
	p->max_output = opts->max_output_bytes ? opts->max_output_bytes : S_DEFAULT_MAX_OUTPUT;
	size_t argc = 0;
	rc = c1_aws_shlex_split(&p->argv, &argc, opts->command ? opts->command : "");
	if (rc) {
		c1_error_set("profile \"%s\": credential_process cannot be split into words (%s); check its "
			     "quotes and backslashes",
			     profile, rc == C1_EINVALID ? "unbalanced quote or trailing backslash" : "error");
		rc = C1_ECONFIG;
		goto cleanup;
	}
	if (argc == 0) {
		c1_error_set("profile \"%s\": credential_process is empty; set it to the command to run",
			     profile);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	desc = c1_asprintf("profile \"%s\": credential_process", profile);
	rc = c1_aws_credentials_provider_new_cached(out, s_process_fetch, p, s_process_free, opts->clock,
						    opts->refresh_margin_ms, desc);
	p = NULL;
cleanup:
	s_process_free(p);
	free(desc);
	return rc;
}
