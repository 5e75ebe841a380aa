/* c1sim throughput benchmark: client threads (one keep-alive libcurl easy
 * handle each) hammer a running c1sim with a SigV4-signed CloudFormation
 * DescribeStacks and a Cloud One GET /api/awsconnectorsettings, and report
 * requests per second and latency per endpoint and thread count. */
#include "engine/aws/sigv4.h"
#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/net/headers.h"
#include "engine/net/http.h"
#include "sim.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef C1_BINARY_DIR
#define C1_BINARY_DIR "build"
#endif

#define BENCH_MAX_THREADS  64
#define BENCH_MAX_SIM_ARGS 16
#define BENCH_HIST_BUCKETS 20000 /* 10 us each: up to 200 ms; slower lands in the last */
#define BENCH_HIST_US      10
#define BENCH_REGION       "us-east-1"
#define BENCH_STACK        "bench-stack"
#define BENCH_C1_REGION    "us-1"
#define BENCH_C1_ACCOUNT   "424242424242"
#define BENCH_CFN_BODY     "Action=DescribeStacks&Version=2010-05-15&StackName=" BENCH_STACK
#define BENCH_CREATE_BODY                                              \
	"Action=CreateStack&Version=2010-05-15&StackName=" BENCH_STACK \
	"&TemplateBody=%7B%22Resources%22%3A%7B"                       \
	"%22T%22%3A%7B%22Type%22%3A%22AWS%3A%3ASNS%3A%3ATopic%22%7D%7D%7D"

enum bench_endpoint { BENCH_CFN = 0, BENCH_C1, BENCH_ENDPOINTS };

static const char *const s_endpoint_names[BENCH_ENDPOINTS] = {"cfn DescribeStacks (SigV4)",
							      "Cloud One GET awsconnectorsettings"};

struct bench_options {
	const char *url;   /* a running c1sim; NULL: start one */
	const char *c1sim; /* binary to start */
	const char *sim_args[BENCH_MAX_SIM_ARGS];
	int sim_arg_count;
	int threads[BENCH_MAX_THREADS];
	int thread_count;
	double seconds;
};

/* What every worker shares: read-only but for `stop`. */
struct bench_plan {
	const char *base_url;
	enum bench_endpoint endpoint;
	char aws_key_id[32];
	char aws_secret[64];
	char *c1_auth; /* "ApiKey <id>:<secret>" */
	atomic_int stop;
};

struct bench_worker {
	pthread_t tid;
	struct bench_plan *plan;
	long ok;
	long failed;
	long first_bad_status;
	uint32_t *hist;
};

struct bench_result {
	double rps;
	double p50_ms;
	double p99_ms;
	long failed;
	long first_bad_status;
};

static double s_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t s_discard(char *data, size_t size, size_t nmemb, void *user)
{
	(void)data;
	(void)user;
	return size * nmemb;
}

static size_t s_collect(char *data, size_t size, size_t nmemb, void *user)
{
	struct c1_buf *buf = user;
	return c1_buf_put(buf, data, size * nmemb) == 0 ? size * nmemb : 0;
}

/* One request on `curl` (keep-alive across calls); status into *status. */
static int s_request(CURL *curl, struct bench_plan *plan, enum bench_endpoint ep, const char *form_body,
		     struct c1_buf *body_out, long *status)
{
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct curl_slist *list = NULL;
	char *url = NULL;
	int rc = C1_ERROR;
	CURLcode cc;

	if (ep == BENCH_CFN) {
		struct c1_sigv4_credentials creds = {plan->aws_key_id, plan->aws_secret, NULL};
		struct c1_sigv4_params params = {0};
		params.region = BENCH_REGION;
		params.service = "cloudformation";
		params.time_s = (int64_t)time(NULL);
		url = c1_asprintf("%s/", plan->base_url);
		req.method = "POST";
		req.url = url;
		req.body = form_body;
		req.body_len = strlen(form_body);
		c1_headers_add(&req.headers, "Content-Type",
			       "application/x-www-form-urlencoded; charset=utf-8");
		rc = c1_sigv4_sign_request(&req, &creds, &params);
		if (rc != 0)
			goto cleanup;
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)req.body_len);
	} else {
		url = c1_asprintf("%s/api/awsconnectorsettings", plan->base_url);
		c1_headers_add(&req.headers, "Authorization", plan->c1_auth);
		c1_headers_add(&req.headers, "api-version", "v1");
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	for (size_t i = 0; i < req.headers.count; i++) {
		char *line = c1_asprintf("%s: %s", req.headers.items[i].name, req.headers.items[i].value);
		struct curl_slist *next = curl_slist_append(list, line);
		c1_free_secure_str(line);
		if (!next) {
			c1_error_set("out of memory building headers");
			rc = C1_ERROR;
			goto cleanup;
		}
		list = next;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_out ? s_collect : s_discard);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body_out);
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		c1_error_set("request to %s failed: %s", url, curl_easy_strerror(cc));
		rc = C1_ETRANSPORT;
		goto cleanup;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	rc = 0;
cleanup:
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(list);
	req.method = NULL;
	req.url = NULL;
	req.body = NULL;
	c1_headers_dispose(&req.headers);
	free(url);
	return rc;
}

static CURL *s_easy_new(void)
{
	CURL *curl = curl_easy_init();
	if (!curl)
		return NULL;
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
	return curl;
}

static void *s_worker_main(void *arg)
{
	struct bench_worker *w = arg;
	CURL *curl = s_easy_new();
	if (!curl) {
		w->failed++;
		return NULL;
	}
	while (!atomic_load_explicit(&w->plan->stop, memory_order_relaxed)) {
		long status = 0;
		double t0 = s_now();
		int rc = s_request(curl, w->plan, w->plan->endpoint, BENCH_CFN_BODY, NULL, &status);
		double us = (s_now() - t0) * 1e6;
		size_t bucket = (size_t)(us / BENCH_HIST_US);
		if (rc != 0 || status != 200) {
			if (!w->first_bad_status)
				w->first_bad_status = rc != 0 ? -1 : status;
			w->failed++;
			continue;
		}
		w->ok++;
		w->hist[bucket < BENCH_HIST_BUCKETS ? bucket : BENCH_HIST_BUCKETS - 1]++;
	}
	curl_easy_cleanup(curl);
	return NULL;
}

static double s_percentile(const uint32_t *hist, long total, double p)
{
	long want = (long)((double)total * p);
	long seen = 0;
	for (size_t i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen > want)
			return (double)((i + 1) * BENCH_HIST_US) / 1000.0;
	}
	return (double)(BENCH_HIST_BUCKETS * BENCH_HIST_US) / 1000.0;
}

/* `threads` workers on one endpoint for `seconds`. */
static int s_run(struct bench_result *out, struct bench_plan *plan, int threads, double seconds)
{
	struct bench_worker workers[BENCH_MAX_THREADS];
	uint32_t *hist = c1_calloc(BENCH_HIST_BUCKETS, sizeof(*hist));
	long ok = 0;
	int started = 0;
	int rc = C1_ERROR;
	double t0, elapsed;

	memset(out, 0, sizeof(*out));
	memset(workers, 0, sizeof(workers));
	atomic_store(&plan->stop, 0);
	t0 = s_now();
	for (started = 0; started < threads; started++) {
		workers[started].plan = plan;
		workers[started].hist = c1_calloc(BENCH_HIST_BUCKETS, sizeof(uint32_t));
		if (pthread_create(&workers[started].tid, NULL, s_worker_main, &workers[started]) != 0) {
			c1_error_set("cannot start client thread %d", started);
			free(workers[started].hist);
			workers[started].hist = NULL;
			break;
		}
	}
	struct timespec nap = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
		;
	atomic_store(&plan->stop, 1);
	for (int i = 0; i < started; i++) {
		pthread_join(workers[i].tid, NULL);
		ok += workers[i].ok;
		out->failed += workers[i].failed;
		if (!out->first_bad_status)
			out->first_bad_status = workers[i].first_bad_status;
		for (size_t b = 0; b < BENCH_HIST_BUCKETS; b++)
			hist[b] += workers[i].hist[b];
		free(workers[i].hist);
	}
	elapsed = s_now() - t0;
	if (started != threads)
		goto cleanup;
	out->rps = (double)ok / elapsed;
	out->p50_ms = s_percentile(hist, ok, 0.50);
	out->p99_ms = s_percentile(hist, ok, 0.99);
	rc = 0;
cleanup:
	free(hist);
	return rc;
}

/* One request of each kind must succeed before anything is measured, so the
 * figures never count error responses. */
static int s_preflight(struct bench_plan *plan)
{
	CURL *curl = s_easy_new();
	struct c1_buf body = C1_BUF_INIT;
	long status = 0;
	int rc = C1_ERROR;

	if (!curl) {
		c1_error_set("curl_easy_init failed");
		goto cleanup;
	}
	/* The stack c1onboard would poll; AlreadyExists when reusing a server. */
	rc = s_request(curl, plan, BENCH_CFN, BENCH_CREATE_BODY, &body, &status);
	if (rc != 0)
		goto cleanup;
	if (status != 200 && !strstr(c1_buf_cstr(&body), "AlreadyExistsException")) {
		c1_error_set("CreateStack answered %ld: %.300s", status, c1_buf_cstr(&body));
		rc = C1_EAPI;
		goto cleanup;
	}
	c1_buf_clear(&body);
	rc = s_request(curl, plan, BENCH_CFN, BENCH_CFN_BODY, &body, &status);
	if (rc != 0)
		goto cleanup;
	if (status != 200 || !strstr(c1_buf_cstr(&body), "<StackName>" BENCH_STACK "</StackName>")) {
		c1_error_set("DescribeStacks answered %ld: %.300s", status, c1_buf_cstr(&body));
		rc = C1_EAPI;
		goto cleanup;
	}
	c1_buf_clear(&body);
	rc = s_request(curl, plan, BENCH_C1, NULL, &body, &status);
	if (rc != 0)
		goto cleanup;
	if (status != 200 || !strstr(c1_buf_cstr(&body), "externalId")) {
		c1_error_set("GET /api/awsconnectorsettings answered %ld: %.300s", status,
			     c1_buf_cstr(&body));
		rc = C1_EAPI;
		goto cleanup;
	}
	rc = 0;
cleanup:
	c1_buf_dispose(&body);
	if (curl)
		curl_easy_cleanup(curl);
	return rc;
}

/* Start `c1sim --port 0 --port-file DIR/port ARGS` and read its port. */
static int s_start_sim(pid_t *pid_out, char **url_out, const struct bench_options *opts, const char *dir)
{
	const char *argv[BENCH_MAX_SIM_ARGS + 8];
	char *port_file = c1_asprintf("%s/c1sim.port", dir);
	char port[16] = "";
	int argc = 0;
	int rc = C1_ERROR;
	pid_t pid = 0;

	argv[argc++] = opts->c1sim;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--port-file";
	argv[argc++] = port_file;
	for (int i = 0; i < opts->sim_arg_count; i++)
		argv[argc++] = opts->sim_args[i];
	argv[argc] = NULL;
	if (posix_spawn(&pid, opts->c1sim, NULL, NULL, (char *const *)argv, environ) != 0) {
		c1_error_set("cannot start %s: %s", opts->c1sim, strerror(errno));
		goto cleanup;
	}
	*pid_out = pid;
	for (int i = 0; i < 200 && !port[0]; i++) {
		FILE *f = fopen(port_file, "r");
		if (f) {
			if (!fgets(port, sizeof(port), f))
				port[0] = '\0';
			fclose(f);
		}
		port[strcspn(port, "\r\n")] = '\0';
		if (!port[0])
			usleep(50 * 1000);
	}
	if (!port[0]) {
		c1_error_set("%s wrote no port to %s within 10 s", opts->c1sim, port_file);
		goto cleanup;
	}
	*url_out = c1_asprintf("http://127.0.0.1:%s", port);
	rc = 0;
cleanup:
	free(port_file);
	return rc;
}

static int s_parse_threads(struct bench_options *opts, const char *list)
{
	char *end = NULL;
	opts->thread_count = 0;
	for (const char *p = list; *p;) {
		long n = strtol(p, &end, 10);
		if (end == p || n < 1 || n > BENCH_MAX_THREADS || opts->thread_count == BENCH_MAX_THREADS ||
		    (*end && *end != ','))
			return C1_EINVALID;
		opts->threads[opts->thread_count++] = (int)n;
		p = *end ? end + 1 : end;
	}
	return opts->thread_count ? 0 : C1_EINVALID;
}

static void s_usage(FILE *out)
{
	fprintf(out, "usage: sim_throughput [--url URL | --c1sim PATH] [--threads 1,2,4,8] [--seconds S]\n"
		     "                      [--sim-arg ARG]...\n"
		     "  --url URL      measure a running c1sim (default: start one on port 0)\n"
		     "  --c1sim PATH   the binary to start (default " C1_BINARY_DIR "/c1sim)\n"
		     "  --threads LIST client thread counts, one run each (default 1,2,4,8)\n"
		     "  --seconds S    duration of each run (default 3)\n"
		     "  --sim-arg ARG  extra argument for the started c1sim (repeatable)\n");
}

static int s_parse_args(struct bench_options *opts, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			s_usage(stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "sim_throughput: %s needs a value\n", a);
			return C1_EINVALID;
		}
		i++;
		if (!strcmp(a, "--url")) {
			opts->url = v;
		} else if (!strcmp(a, "--c1sim")) {
			opts->c1sim = v;
		} else if (!strcmp(a, "--threads")) {
			if (s_parse_threads(opts, v) != 0) {
				fprintf(stderr,
					"sim_throughput: --threads wants a list like 1,2,4,8 (each 1..%d)\n",
					BENCH_MAX_THREADS);
				return C1_EINVALID;
			}
		} else if (!strcmp(a, "--seconds")) {
			char *end = NULL;
			opts->seconds = strtod(v, &end);
			if (*end || opts->seconds <= 0 || opts->seconds > 600) {
				fprintf(stderr, "sim_throughput: --seconds wants a number in (0, 600]\n");
				return C1_EINVALID;
			}
		} else if (!strcmp(a, "--sim-arg")) {
			if (opts->sim_arg_count == BENCH_MAX_SIM_ARGS) {
				fprintf(stderr, "sim_throughput: at most %d --sim-arg\n", BENCH_MAX_SIM_ARGS);
				return C1_EINVALID;
			}
			opts->sim_args[opts->sim_arg_count++] = v;
		} else {
			fprintf(stderr, "sim_throughput: unknown option %s\n", a);
			s_usage(stderr);
			return C1_EINVALID;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_options opts = {0};
	struct bench_plan plan = {0};
	struct bench_result results[BENCH_MAX_THREADS][BENCH_ENDPOINTS];
	char dir[] = "/tmp/c1sim-bench.XXXXXX";
	char account[13];
	char *c1_key = NULL;
	char *url = NULL;
	pid_t pid = 0;
	bool made_dir = false;
	int status = 1;

	opts.c1sim = C1_BINARY_DIR "/c1sim";
	opts.threads[0] = 1;
	opts.threads[1] = 2;
	opts.threads[2] = 4;
	opts.threads[3] = 8;
	opts.thread_count = 4;
	opts.seconds = 3.0;
	if (s_parse_args(&opts, argc, argv) != 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "sim_throughput: curl_global_init failed\n");
		return 1;
	}
	if (!opts.url) {
		if (!mkdtemp(dir)) {
			fprintf(stderr, "sim_throughput: mkdtemp: %s\n", strerror(errno));
			goto cleanup;
		}
		made_dir = true;
		if (s_start_sim(&pid, &url, &opts, dir) != 0) {
			fprintf(stderr, "sim_throughput: %s\n", c1_error_last());
			goto cleanup;
		}
		plan.base_url = url;
	} else {
		plan.base_url = opts.url;
	}

	/* The MSP account's static key (any AKIA<account><4 chars> is a sim key). */
	sim_creds_aws_key_id(plan.aws_key_id, SIM_MSP_ACCOUNT, "BNCH");
	if (sim_creds_aws_secret(plan.aws_secret, sizeof(plan.aws_secret), plan.aws_key_id, account) != 0) {
		fprintf(stderr, "sim_throughput: cannot derive the secret of %s\n", plan.aws_key_id);
		goto cleanup;
	}
	c1_key = sim_creds_cloudone_key(BENCH_C1_REGION, BENCH_C1_ACCOUNT);
	plan.c1_auth = c1_asprintf("ApiKey %s", c1_key);
	if (s_preflight(&plan) != 0) {
		fprintf(stderr, "sim_throughput: preflight against %s failed: %s\n", plan.base_url,
			c1_error_last());
		goto cleanup;
	}

	printf("c1sim throughput: %s, %.1f s per run, one keep-alive connection per client thread\n",
	       plan.base_url, opts.seconds);
	for (int t = 0; t < opts.thread_count; t++) {
		for (int e = 0; e < BENCH_ENDPOINTS; e++) {
			plan.endpoint = (enum bench_endpoint)e;
			if (s_run(&results[t][e], &plan, opts.threads[t], opts.seconds) != 0) {
				fprintf(stderr, "sim_throughput: %s\n", c1_error_last());
				goto cleanup;
			}
		}
	}
	printf("\n%7s | %-38s | %-38s\n", "threads", s_endpoint_names[BENCH_CFN], s_endpoint_names[BENCH_C1]);
	printf("%7s | %9s %8s %8s %9s | %9s %8s %8s %9s\n", "", "req/s", "p50 ms", "p99 ms", "failed",
	       "req/s", "p50 ms", "p99 ms", "failed");
	for (int t = 0; t < opts.thread_count; t++) {
		printf("%7d |", opts.threads[t]);
		for (int e = 0; e < BENCH_ENDPOINTS; e++) {
			const struct bench_result *r = &results[t][e];
			printf(" %9.0f %8.2f %8.2f %9ld %s", r->rps, r->p50_ms, r->p99_ms, r->failed,
			       e + 1 < BENCH_ENDPOINTS ? "|" : "\n");
		}
	}
	status = 0;
	for (int t = 0; t < opts.thread_count; t++)
		for (int e = 0; e < BENCH_ENDPOINTS; e++)
			if (results[t][e].failed) {
				fprintf(stderr,
					"sim_throughput: %ld failed requests (%s, %d threads; first status "
					"%ld)\n",
					results[t][e].failed, s_endpoint_names[e], opts.threads[t],
					results[t][e].first_bad_status);
				status = 1;
			}
cleanup:
	if (pid > 0) {
		int wstatus = 0;
		kill(pid, SIGTERM);
		waitpid(pid, &wstatus, 0);
	}
	if (made_dir) {
		char *port_file = c1_asprintf("%s/c1sim.port", dir);
		unlink(port_file);
		free(port_file);
		rmdir(dir);
	}
	c1_free_secure_str(c1_key);
	c1_free_secure_str(plan.c1_auth);
	c1_wipe(plan.aws_secret, sizeof(plan.aws_secret));
	free(url);
	curl_global_cleanup();
	return status;
}
