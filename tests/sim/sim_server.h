/* c1sim's server core: the libmicrohttpd listener, the router (control plane,
 * SigV4 / ApiKey / Bearer authentication, faults, dispatch), per-route
 * counters, and the entry points sim_main.c and the tests call. */
#ifndef C1_SIM_SERVER_H
#define C1_SIM_SERVER_H

#include "sim.h"

#include <stdbool.h>
#include <stddef.h>

#define SIM_MAX_BODY_BYTES ((size_t)1024 * 1024)

struct sim_server_options {
	int port;        /* 0: any free port */
	int threads;     /* N > 0 (default 4): a pool of N epoll threads; a delayed answer
			    suspends its connection and a timer resumes it, so no thread waits.
			    0: one thread per connection, which sleeps through the delay */
	bool verbose;    /* one log line per request */
	size_t max_body; /* 0: SIM_MAX_BODY_BYTES; bigger bodies get 413 */
	/* PEM text of a certificate (chain) and its private key: both set, the
	 * server speaks only HTTPS (control plane included); both NULL, plain http. */
	const char *tls_cert_pem;
	const char *tls_key_pem;
};

#define SIM_SERVER_DEFAULT_THREADS 4

#define SIM_SERVER_OPTIONS_INIT                                     \
	{                                                           \
		0, SIM_SERVER_DEFAULT_THREADS, false, 0, NULL, NULL \
	}

struct sim_server;

/**
 * Listen on 127.0.0.1:`opts->port` and serve until sim_server_free().
 * Returns 0, or C1_ERROR with c1_error_set() when the socket cannot be
 * bound, when only one of the TLS cert and key is given, when this
 * libmicrohttpd lacks TLS, or when it refuses the certificate or key.
 * sim_world_init() must have run.
 */
int sim_server_start(struct sim_server **out, const struct sim_server_options *opts);
/** The bound TCP port. */
int sim_server_port(const struct sim_server *srv);
/** "https" when serving TLS, else "http". */
const char *sim_server_scheme(const struct sim_server *srv);
/** Answers waiting out their latency right now (0 for a thread-per-connection server). */
size_t sim_server_delayed(const struct sim_server *srv);
/** Stop listening, wait for connection threads, free. NULL is fine. */
void sim_server_free(struct sim_server *srv);

/** Embedded request/response lifecycle (the server and tests use them). */
void sim_request_init(struct sim_request *req, const char *method, const char *raw_uri);
void sim_request_dispose(struct sim_request *req);
void sim_response_init(struct sim_response *resp);
void sim_response_dispose(struct sim_response *resp);

/**
 * Route, authenticate, apply faults and run one request: the whole server
 * minus the sockets. The fault plan's latency is not waited here: it comes
 * back in `resp->delay_ms` for the caller to honour (the server delays the
 * answer without holding a thread). `req->now_ms` 0 means "now". Thread-safe.
 */
void sim_server_dispatch(struct sim_request *req, struct sim_response *resp);

/** Every service module, in routing order; static storage. */
const struct sim_service *const *sim_services(size_t *count);

/** Append `requests` (per service+route counters) to the state document. */
void sim_counters_dump(json_t *state);
void sim_counters_reset(void);

/** The /_sim/ control plane (sim_control.c). */
void sim_control_handle(struct sim_request *req, struct sim_response *resp);
/** Forget every module's state, the fault plan and the counters; reseed. */
void sim_reset_all(void);

/** Restart the seeded generators from the configured seed (sim_world.c). */
void sim_world_reset(void);

/** S3 routing (sim_s3.c): fills req->route from method, bucket and query. */
void sim_s3_route(struct sim_request *req);
/** The bucket a request addresses (virtual host or first path segment); "" when none. */
void sim_s3_request_bucket(const struct sim_request *req, char *out, size_t out_len);

/** `c1sim gen N DIR ...` (sim_gen.c); returns the process exit code. */
int sim_gen_main(int argc, char **argv);

#endif
