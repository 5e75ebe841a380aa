/* c1sim: the local AWS + Cloud One + Vision One simulator (SPEC 6).
 * `c1sim [serve options]` runs the server until SIGTERM/SIGINT;
 * `c1sim gen N DIR ...` writes a universe. */
#include "sim_server.h"

#include "engine/core/parse.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/core/log.h"

#include <errno.h>
#include <microhttpd.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include "sim_cfn.h"
#include "sim_trend.h"

#include "engine/run/templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: c1sim [--port N] [--port-file FILE] [--seed N] [--time-scale F] [--faults FILE.json]\n"
    "             [--latency-ms MS] [--rate-limit SERVICE=RATE[:BURST]]... [--threads N]\n"
    "             [--tls-cert CERT.pem --tls-key KEY.pem] [--skip-role-verification]\n"
    "             [--variant NAME=VALUE]... [-v]\n"
    "       c1sim gen N DIR [--tenants T] [--seed S] [--endpoint URL]\n"
    "       c1sim durations   (simulated seconds a create of each c1onboard stack takes, JSON)\n"
    "       c1sim variants    (the server behaviours public material leaves open, and their values)\n"
    "Serves AWS (STS, CloudFormation, S3, CloudTrail), Cloud One and Vision One on 127.0.0.1\n"
    "until SIGTERM. --port 0 picks a free port; --port-file receives it once listening.\n"
    "--latency-ms and --rate-limit set the fault plan's latency_ms and rate_limits (over the\n"
    "--faults file's): a limit holds per AWS account and region (sts, cloudformation, s3,\n"
    "cloudtrail), per Cloud One API key (cloudone), per Vision One tenant (visionone).\n"
    "--threads N: N epoll worker threads (default 4); a request's injected latency parks its\n"
    "connection, not a thread. --threads 0: one thread per connection (it sleeps the latency).\n"
    "--tls-cert/--tls-key: serve HTTPS only (control plane too) with this PEM certificate\n"
    "(chain) and private key; point clients at https://127.0.0.1:PORT (or localhost, as the\n"
    "certificate names) and give them the issuing CA (c1onboard --ca-bundle CA.pem).\n"
    "--skip-role-verification: Cloud One accepts any IAM role ARN of the right account (for\n"
    "tests where another server, e.g. moto, plays AWS and c1sim only Cloud One/Vision One).\n"
    "--variant NAME=VALUE: answer as that plausible server would (c1sim variants lists them);\n"
    "--variant random=SEED: every variant drawn from SEED.\n";

/* --variant NAME=VALUE, or random=SEED. */
static int s_set_variant(const char *spec)
{
	char name[64], err[256];
	const char *eq = spec ? strchr(spec, '=') : NULL;
	long seed;
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(name)) {
		fprintf(stderr, "c1sim: --variant needs NAME=VALUE (c1sim variants lists them), not '%s'\n",
			spec ? spec : "");
		return -1;
	}
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	if (strcmp(name, "random") == 0) {
		if (c1_parse_long(&seed, eq + 1, 0, LONG_MAX) != 0) {
			fprintf(stderr, "c1sim: --variant random=SEED needs a number, not '%s'\n", eq + 1);
			return -1;
		}
		sim_variants_randomize((uint64_t)seed);
		return 0;
	}
	if (sim_variant_set(name, eq + 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "c1sim: --variant: %s\n", err);
		return -1;
	}
	return 0;
}

static int s_write_port_file(const char *path, int port)
{
	char *tmp = c1_asprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = -1;
	FILE *f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "%d\n", port);
		rc = fclose(f) == 0 ? 0 : -1;
		if (rc == 0)
			rc = rename(tmp, path);
	}
	if (rc != 0) {
		fprintf(stderr, "c1sim: cannot write the port file %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* Read the fault plan file into *out (a JSON object). */
static int s_read_faults(json_t **out, const char *path)
{
	struct c1_buf text = C1_BUF_INIT;
	json_t *plan = NULL;
	char chunk[4096];
	int rc = -1;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "c1sim: cannot open the fault plan %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (c1_buf_put(&text, chunk, n) < 0)
			goto cleanup;
	if (c1_json_parse(&plan, c1_buf_view(&text), 0, 0) < 0) {
		fprintf(stderr, "c1sim: %s is not valid JSON: %s\n", path, c1_error_last());
		goto cleanup;
	}
	if (!json_is_object(plan)) {
		fprintf(stderr, "c1sim: bad fault plan in %s: a fault plan must be a JSON object\n", path);
		goto cleanup;
	}
	*out = plan;
	plan = NULL;
	rc = 0;
cleanup:
	if (f)
		fclose(f);
	json_decref(plan);
	c1_buf_dispose(&text);
	return rc;
}

/* A --tls-cert / --tls-key PEM file into *out (caller frees; the key with
 * c1_free_secure_str). PEM files are a few KB; 1 MB means a wrong file. */
static int s_read_pem(char **out, const char *option, const char *path, const char *marker)
{
	struct c1_buf text = C1_BUF_INIT;
	char chunk[4096];
	int rc = -1;
	size_t n;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "c1sim: %s %s: cannot open: %s\n", option, path, strerror(errno));
		goto cleanup;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && text.len < 1024 * 1024)
		if (c1_buf_put(&text, chunk, n) < 0)
			goto cleanup;
	if (text.len >= 1024 * 1024 || !strstr(c1_buf_cstr(&text), marker)) {
		fprintf(stderr, "c1sim: %s %s: not a PEM file with a \"%s\" block\n", option, path, marker);
		goto cleanup;
	}
	*out = c1_buf_detach(&text);
	rc = 0;
cleanup:
	if (f)
		fclose(f);
	c1_buf_dispose_secure(&text);
	return rc;
}

/* `--rate-limit SERVICE=RATE[:BURST]` into the plan's rate_limits (the service
 * name is checked with the rest of the plan). */
static int s_add_rate_limit(json_t *plan, const char *spec)
{
	const char *eq = spec ? strchr(spec, '=') : NULL;
	char *end = NULL;
	if (!eq || eq == spec)
		goto bad;
	double rate = strtod(eq + 1, &end);
	double burst = 0;
	if (end == eq + 1 || !(rate > 0))
		goto bad;
	if (*end == ':') {
		const char *b = end + 1;
		burst = strtod(b, &end);
		if (end == b || !(burst >= 1))
			goto bad;
	}
	if (*end)
		goto bad;
	json_t *limits = json_object_get(plan, "rate_limits");
	if (!json_is_object(limits)) {
		limits = json_object();
		json_object_set_new(plan, "rate_limits", limits);
	}
	char *service = c1_strndup(spec, (size_t)(eq - spec));
	json_object_set_new(limits, service,
			    burst > 0 ? json_pack("{s:f, s:f}", "per_second", rate, "burst", burst)
				      : json_real(rate));
	free(service);
	return 0;
bad:
	fprintf(stderr,
		"c1sim: --rate-limit wants SERVICE=RATE[:BURST] (requests per second, e.g. cloudone=10 or "
		"cloudformation=2:4), not '%s'\n",
		spec ? spec : "");
	return -1;
}

static int s_serve(int argc, char **argv)
{
	struct sim_server_options opts = SIM_SERVER_OPTIONS_INIT;
	struct sim_config cfg = {1.0, 0};
	struct sim_server *srv = NULL;
	const char *port_file = NULL;
	const char *faults = NULL;
	const char *tls_cert = NULL, *tls_key = NULL;
	char *cert_pem = NULL, *key_pem = NULL;
	json_t *overrides = json_object(); /* --latency-ms and --rate-limit, over the file's plan */
	json_t *plan = NULL;
	char err[256];
	int rc = 64;
	long v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(s_usage, stdout);
			rc = 0;
			goto cleanup;
		} else if (strcmp(a, "--skip-role-verification") == 0) {
			sim_cloudone_set_trust_roles(true);
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			opts.verbose = true;
		} else if (strcmp(a, "--port") == 0 && c1_parse_long(&v, next, 0, 65535) == 0) {
			opts.port = (int)v;
			i++;
		} else if (strcmp(a, "--threads") == 0 && c1_parse_long(&v, next, 0, 1024) == 0) {
			opts.threads = (int)v;
			i++;
		} else if (strcmp(a, "--seed") == 0 && c1_parse_long(&v, next, 0, LONG_MAX) == 0) {
			cfg.seed = (uint64_t)v;
			i++;
		} else if (strcmp(a, "--time-scale") == 0 && next) {
			char *end = NULL;
			cfg.time_scale = strtod(next, &end);
			if (!*next || *end || !(cfg.time_scale > 0)) {
				fprintf(stderr,
					"c1sim: --time-scale needs a positive number (0.01 = 100x faster)\n");
				goto cleanup;
			}
			i++;
		} else if (strcmp(a, "--port-file") == 0 && next) {
			port_file = next;
			i++;
		} else if (strcmp(a, "--tls-cert") == 0 && next) {
			tls_cert = next;
			i++;
		} else if (strcmp(a, "--tls-key") == 0 && next) {
			tls_key = next;
			i++;
		} else if (strcmp(a, "--faults") == 0 && next) {
			faults = next;
			i++;
		} else if (strcmp(a, "--latency-ms") == 0 && c1_parse_long(&v, next, 0, 60000) == 0) {
			json_object_set_new(overrides, "latency_ms", json_integer(v));
			i++;
		} else if (strcmp(a, "--variant") == 0) {
			if (s_set_variant(next) < 0)
				goto cleanup;
			i++;
		} else if (strcmp(a, "--rate-limit") == 0) {
			if (s_add_rate_limit(overrides, next) < 0)
				goto cleanup;
			i++;
		} else {
			fprintf(stderr, "c1sim: bad or incomplete option '%s'\n%s", a, s_usage);
			goto cleanup;
		}
	}

	if (!tls_cert != !tls_key) {
		fprintf(stderr,
			"c1sim: --tls-cert and --tls-key go together (a PEM certificate and its "
			"private key)\n%s",
			s_usage);
		goto cleanup;
	}
	if (tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "c1sim: this libmicrohttpd was built without TLS (MHD_FEATURE_TLS), "
					"so --tls-cert cannot be served; install a libmicrohttpd built with "
					"GnuTLS (Debian's libmicrohttpd12 is)\n");
			rc = 69;
			goto cleanup;
		}
		if (s_read_pem(&cert_pem, "--tls-cert", tls_cert, "CERTIFICATE") < 0 ||
		    s_read_pem(&key_pem, "--tls-key", tls_key, "PRIVATE KEY") < 0) {
			rc = 78;
			goto cleanup;
		}
		opts.tls_cert_pem = cert_pem;
		opts.tls_key_pem = key_pem;
	}

	c1_log_configure(opts.verbose ? C1_LOG_INFO : C1_LOG_WARN, C1_LOG_TEXT, stderr);
	sim_world_init(&cfg);
	if (faults && s_read_faults(&plan, faults) < 0) {
		rc = 78;
		goto cleanup;
	}
	if (json_object_size(overrides) > 0) {
		if (!plan)
			plan = json_object();
		json_t *limits = json_object_get(overrides, "rate_limits");
		if (limits && json_is_object(json_object_get(plan, "rate_limits")))
			json_object_update(json_object_get(plan, "rate_limits"), limits);
		else if (limits)
			json_object_set(plan, "rate_limits", limits);
		if (json_object_get(overrides, "latency_ms"))
			json_object_set(plan, "latency_ms", json_object_get(overrides, "latency_ms"));
	}
	if (plan && sim_faults_set(plan, err, sizeof(err)) < 0) {
		fprintf(stderr, "c1sim: bad fault plan%s%s: %s\n", faults ? " in " : "", faults ? faults : "",
			err);
		rc = 78;
		goto cleanup;
	}

	/* Block the stop signals before MHD starts its threads so only sigwait sees them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sim_server_start(&srv, &opts) < 0) {
		fprintf(stderr, "c1sim: %s\n", c1_error_last());
		rc = 69;
		goto cleanup;
	}
	if (port_file && s_write_port_file(port_file, sim_server_port(srv)) < 0) {
		rc = 73;
		goto cleanup;
	}
	if (opts.verbose)
		C1_INFO("c1sim", "listening on %s://127.0.0.1:%d (seed %llu, time scale %g)",
			sim_server_scheme(srv), sim_server_port(srv), (unsigned long long)cfg.seed,
			cfg.time_scale);
	int sig = 0;
	sigwait(&stop, &sig);
	rc = 0;
cleanup:
	json_decref(overrides);
	json_decref(plan);
	sim_server_free(srv);
	free(cert_pem);
	c1_free_secure_str(key_pem);
	sim_reset_all();
	return rc;
}

/* Simulated seconds a create of each stack c1onboard deploys takes in this
 * c1sim (the benchmark's lower bound is computed from these). */
static int s_durations(void)
{
	static const struct {
		const char *name;
		const char *url;
	} stacks[] = {
	    {"ws_role", NULL},
	    {"new_trail", NULL},
	    {"c1_role", "https://cloud-one-cloud-accounts-us-east-1.s3.us-east-1.amazonaws.com/templates/aws/"
			"cloud-account-management-role.template"},
	    {"cloudtrail_stack", "https://cloud-trail-client-stack-template-prod-us-east-1.s3.us-east-1."
				 "amazonaws.com/templates/cloudtrail-forwarder.template"},
	    {"template", "https://cloudone-community.s3.us-east-1.amazonaws.com/templates/"
			 "trend-cloudone-onboard/main.template.yaml"},
	};
	json_t *out = json_object();
	char err[256];
	int rc = 0;
	for (size_t i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		struct cfn_template t;
		const char *body = i == 0 ? c1_template_ws_role() : i == 1 ? c1_template_new_trail() : NULL;
		if (cfn_template_load(&t, body, stacks[i].url, err, sizeof(err)) != 0) {
			fprintf(stderr, "c1sim durations: %s: %s\n", stacks[i].name, err);
			rc = 70;
			continue;
		}
		json_object_set_new(out, stacks[i].name, json_real(cfn_template_duration(&t, 0)));
		cfn_template_dispose(&t);
	}
	char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text && rc == 0)
		printf("%s\n", text);
	free(text);
	json_decref(out);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "gen") == 0)
		return sim_gen_main(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "durations") == 0)
		return s_durations();
	if (argc == 2 && strcmp(argv[1], "variants") == 0) {
		sim_variants_print(stdout);
		return 0;
	}
	return s_serve(argc, argv);
}
