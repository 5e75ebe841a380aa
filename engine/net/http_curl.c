#include "engine/net/http_curl.h"

#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/net/url.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define C1_CURL_DEFAULT_CONNECT_MS 10000L
#define C1_CURL_DEFAULT_TIMEOUT_MS 60000L
#define C1_CURL_DEFAULT_MAX_BODY   ((size_t)16 * 1024 * 1024)
#define C1_CURL_MAX_HEADER_BYTES   ((size_t)256 * 1024)
#define C1_CURL_MAX_IDLE_HANDLES   32

struct s_curl {
	struct c1_http_transport base; /* first */
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_lock;
	CURL *idle[C1_CURL_MAX_IDLE_HANDLES];
	size_t nidle;
	char *ca_bundle;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	/* The I/O loop (submit): started on first use, one thread for every transfer. */
	CURLM *multi;
	pthread_mutex_t loop_lock;
	pthread_t loop_thread;
	bool loop_started, loop_stop;
	struct s_xfer *submitted; /* handed to the loop, not yet added */
	struct s_xfer *active;    /* in the multi handle; loop thread only */
	int epfd;                 /* the sockets curl watches, and wakefd */
	int wakefd;               /* eventfd: a submit or a stop */
	int64_t timer_at_ms;      /* curl's timer (monotonic ms), -1 none; loop thread only */
};

/* Per-transfer state handed to the write/header callbacks. */
struct s_transfer {
	struct c1_http_response *out;
	size_t body_cap;
	size_t header_bytes;
	bool too_big;
	bool headers_too_big;
};

static pthread_once_t s_global_once = PTHREAD_ONCE_INIT;
static CURLcode s_global_rc = CURLE_OK;

static void s_global_init(void)
{
	s_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void s_share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr)
{
	(void)handle;
	(void)access;
	struct s_curl *c = userptr;
	pthread_mutex_lock(&c->share_locks[data]);
}

static void s_share_unlock(CURL *handle, curl_lock_data data, void *userptr)
{
	(void)handle;
	struct s_curl *c = userptr;
	pthread_mutex_unlock(&c->share_locks[data]);
}

static size_t s_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct s_transfer *t = userdata;
	size_t n = size * nmemb;
	struct c1_buf *b = &t->out->body;
	if (n > t->body_cap || b->len > t->body_cap - n) {
		t->too_big = true;
		return 0; /* anything but n aborts the transfer */
	}
	if (c1_buf_put(b, ptr, n) != 0) {
		t->too_big = true;
		return 0;
	}
	return n;
}

static size_t s_on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct s_transfer *t = userdata;
	size_t n = size * nmemb;
	t->header_bytes += n;
	if (t->header_bytes > C1_CURL_MAX_HEADER_BYTES) {
		t->headers_too_big = true;
		return 0;
	}
	struct c1_str line = {ptr, n};
	while (line.len && (line.ptr[line.len - 1] == '\n' || line.ptr[line.len - 1] == '\r'))
		line.len--;
	/* A status line starts a new response (after 100 Continue or any 1xx):
	 * keep only the headers of the last one. */
	if (line.len >= 5 && memcmp(line.ptr, "HTTP/", 5) == 0) {
		c1_headers_dispose(&t->out->headers);
		return n;
	}
	const char *colon = line.len ? memchr(line.ptr, ':', line.len) : NULL;
	if (!colon)
		return n; /* blank line ending the block, or junk */
	struct c1_str name = c1_str_trim((struct c1_str){line.ptr, (size_t)(colon - line.ptr)});
	struct c1_str value =
	    c1_str_trim((struct c1_str){colon + 1, line.len - (size_t)(colon - line.ptr) - 1});
	if (name.len == 0)
		return n;
	char *k = c1_str_dup(name);
	char *v = c1_str_dup(value);
	c1_headers_add(&t->out->headers, k, v);
	free(k);
	c1_free_secure_str(v);
	return n;
}

static void s_slist_free_secure(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l; l = l->next)
		c1_wipe(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static bool s_has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

/* Build the header list; refuses CR/LF (header injection) without quoting
 * the header value, which may be a secret. */
static int s_build_headers(struct curl_slist **out, const struct c1_headers *headers)
{
	struct curl_slist *list = NULL;
	int rc = 0;
	for (size_t i = 0; i < headers->count; i++) {
		const struct c1_header *h = &headers->items[i];
		if (!h->name || !*h->name || s_has_crlf(h->name) || strchr(h->name, ':') ||
		    s_has_crlf(h->value)) {
			c1_error_set(
			    "refusing to send header '%.64s': the name is empty or the name/value holds "
			    "CR, LF or ':'",
			    h->name ? h->name : "");
			rc = C1_EINVALID;
			goto cleanup;
		}
		/* "Name;" is curl's way to send a header with an empty value. */
		char *line = h->value && *h->value ? c1_asprintf("%s: %s", h->name, h->value)
						   : c1_asprintf("%s;", h->name);
		struct curl_slist *next = curl_slist_append(list, line);
		c1_free_secure_str(line);
		if (!next)
			abort(); /* out of memory: house rule is to abort */
		list = next;
	}
	/* We never want Expect: 100-continue round trips. */
	list = curl_slist_append(list, "Expect:");
	if (!list)
		abort();
cleanup:
	if (rc) {
		s_slist_free_secure(list);
		list = NULL;
	}
	*out = list;
	return rc;
}

static CURL *s_handle_get(struct s_curl *c)
{
	CURL *h = NULL;
	pthread_mutex_lock(&c->pool_lock);
	if (c->nidle)
		h = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->pool_lock);
	if (h) {
		/* Options go, the connection cache (in the share) stays. */
		curl_easy_reset(h);
		return h;
	}
	h = curl_easy_init();
	if (!h)
		abort();
	return h;
}

static void s_handle_put(struct s_curl *c, CURL *h)
{
	pthread_mutex_lock(&c->pool_lock);
	if (c->nidle < C1_CURL_MAX_IDLE_HANDLES) {
		c->idle[c->nidle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->pool_lock);
	if (h)
		curl_easy_cleanup(h);
}

#define S_SETOPT(h, opt, val)                                                                           \
	do {                                                                                            \
		CURLcode s_rc_ = curl_easy_setopt((h), (opt), (val));                                   \
		if (s_rc_ != CURLE_OK) {                                                                \
			c1_error_set("libcurl refused option %s: %s", #opt, curl_easy_strerror(s_rc_)); \
			rc = C1_ETRANSPORT;                                                             \
			goto cleanup;                                                                   \
		}                                                                                       \
	} while (0)

/* One request's libcurl state: the handle and what its options point at. */
struct s_xfer {
	struct s_xfer *next; /* submit queue, then the loop's list of active transfers */
	struct s_xfer *prev;
	CURL *h;
	struct curl_slist *headers;
	struct s_transfer t;
	struct c1_http_response resp; /* async: the response being received */
	char errbuf[CURL_ERROR_SIZE];
	char method[16];
	char host[256];
	c1_http_done_fn done;
	void *arg;
};

/* Checks the request and sets up x->h for it (headers, limits, callbacks
 * into x->t). `copy_body`: the body is copied into the handle (submit, where
 * the caller's buffer does not outlive the call). */
static int s_prepare(struct s_curl *c, struct s_xfer *x, const struct c1_http_request *req,
		     struct c1_http_response *out, size_t body_max, bool copy_body)
{
	struct c1_url url = C1_URL_INIT;
	int rc = 0;
	const char *method = req->method ? req->method : "GET";

	x->t = (struct s_transfer){out, c->max_body, 0, false, false};
	if (body_max && body_max < x->t.body_cap)
		x->t.body_cap = body_max;
	x->errbuf[0] = '\0';
	/* Parse first so every later message can name the host, and check the
	 * transport rule before anything touches the network. */
	rc = c1_url_parse(&url, req->url);
	if (rc)
		goto cleanup;
	snprintf(x->host, sizeof(x->host), "%s", url.host);
	rc = req->aws_metadata ? c1_url_check_metadata_transport_allowed(req->url)
			       : c1_url_check_transport_allowed(req->url);
	if (rc)
		goto cleanup;
	if (!*method || s_has_crlf(method) || strchr(method, ' ') || strlen(method) >= sizeof(x->method)) {
		c1_error_set("invalid HTTP method '%.32s'", method);
		rc = C1_EINVALID;
		goto cleanup;
	}
	snprintf(x->method, sizeof(x->method), "%s", method);
	rc = s_build_headers(&x->headers, &req->headers);
	if (rc)
		goto cleanup;

	CURL *h = x->h = s_handle_get(c);
	S_SETOPT(h, CURLOPT_SHARE, c->share);
	S_SETOPT(h, CURLOPT_URL, req->url);
	S_SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	S_SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	S_SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	S_SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	S_SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	S_SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle)
		S_SETOPT(h, CURLOPT_CAINFO, c->ca_bundle);
	S_SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	S_SETOPT(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms);
	S_SETOPT(h, CURLOPT_USERAGENT, c->user_agent);
	S_SETOPT(h, CURLOPT_HTTPHEADER, x->headers);
	S_SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
	S_SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	S_SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->t.body_cap);
	/* Small buffers: -j transfers are open at once and the answers are a few KB
	 * (libcurl's defaults, 16 KB down and 64 KB up, made 500 transfers cost 40 MB). */
	S_SETOPT(h, CURLOPT_BUFFERSIZE, 8192L);
	S_SETOPT(h, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	S_SETOPT(h, CURLOPT_WRITEFUNCTION, s_on_body);
	S_SETOPT(h, CURLOPT_WRITEDATA, &x->t);
	S_SETOPT(h, CURLOPT_HEADERFUNCTION, s_on_header);
	S_SETOPT(h, CURLOPT_HEADERDATA, &x->t);
	S_SETOPT(h, CURLOPT_PRIVATE, x);
	if (c1_url_host_is_loopback(url.host) || c1_url_host_is_aws_metadata(url.host))
		S_SETOPT(h, CURLOPT_PROXY, ""); /* a proxy must never see loopback or metadata traffic */

	bool has_body = req->body && req->body_len > 0;
	if (strcmp(method, "HEAD") == 0) {
		S_SETOPT(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") == 0 && !has_body) {
		S_SETOPT(h, CURLOPT_HTTPGET, 1L);
	} else {
		if (has_body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
		    strcmp(method, "PATCH") == 0) {
			/* Always give POSTFIELDS: without it curl would read stdin. */
			S_SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(has_body ? req->body_len : 0));
			if (copy_body)
				S_SETOPT(h, CURLOPT_COPYPOSTFIELDS, has_body ? req->body : "");
			else
				S_SETOPT(h, CURLOPT_POSTFIELDS, has_body ? req->body : "");
		}
		if (strcmp(method, "POST") != 0)
			S_SETOPT(h, CURLOPT_CUSTOMREQUEST, method);
	}
	c1_headers_dispose(&out->headers);
	c1_buf_clear(&out->body);
	out->status = 0;
cleanup:
	c1_url_dispose(&url);
	return rc;
}

/* The transfer ended with `cc`: the response status and the return code. */
static int s_finished(struct s_xfer *x, CURLcode cc)
{
	long status = 0;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	x->t.out->status = status;
	const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_OK)
		return 0;
	if (x->t.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		c1_error_set("%s %s: response body larger than the %zu-byte limit; transfer aborted",
			     x->method, x->host, x->t.body_cap);
		return C1_ETOOBIG;
	}
	if (x->t.headers_too_big) {
		c1_error_set("%s %s: response headers larger than %zu bytes; transfer aborted", x->method,
			     x->host, C1_CURL_MAX_HEADER_BYTES);
		return C1_ETOOBIG;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		c1_error_set("%s %s: timed out (%s)", x->method, x->host, detail);
		return C1_ETIMEOUT;
	}
	/* A refused certificate or an unusable CA file is the same on every try:
	 * C1_ECONFIG keeps it from being retried, and the message says the fix. */
	if (cc == CURLE_PEER_FAILED_VERIFICATION) {
		/* The fix first: callers prefix their context and reports cap the length. */
		c1_error_set("%s %s: TLS certificate refused: if a private CA issued it (a test server, "
			     "a TLS proxy) trust that CA with --ca-bundle FILE.pem, and check that the "
			     "host name is one the certificate names (%s)",
			     x->method, x->host, detail);
		return C1_ECONFIG;
	}
	if (cc == CURLE_SSL_CACERT_BADFILE) {
		c1_error_set("%s %s: the CA bundle cannot be used (%s); --ca-bundle needs a readable PEM "
			     "file of CA certificates",
			     x->method, x->host, detail);
		return C1_ECONFIG;
	}
	c1_error_set("%s %s: %s (curl %d)", x->method, x->host, detail, (int)cc);
	return C1_ETRANSPORT;
}

/* Pools the handle (pointers into `x` detached first) and frees the headers. */
static void s_xfer_release(struct s_curl *c, struct s_xfer *x)
{
	if (x->h) {
		curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(x->h, CURLOPT_PRIVATE, NULL);
		s_handle_put(c, x->h);
		x->h = NULL;
	}
	s_slist_free_secure(x->headers);
	x->headers = NULL;
}

static int s_send(struct c1_http_transport *self, const struct c1_http_request *req,
		  struct c1_http_response *out)
{
	struct s_curl *c = (struct s_curl *)self;
	struct s_xfer x;
	memset(&x, 0, sizeof(x));
	int rc = s_prepare(c, &x, req, out, out->body.max, false);
	if (rc == 0)
		rc = s_finished(&x, curl_easy_perform(x.h));
	s_xfer_release(c, &x);
	return rc;
}

/* ---- the I/O loop: every submitted transfer on one thread (curl multi) ---- */

/* A submitted transfer is over: tell its owner (rc, with c1_error_last() as
 * the message when rc != 0) and free it. Loop thread only. */
static void s_xfer_end(struct s_curl *c, struct s_xfer *x, int rc)
{
	x->done(x->arg, rc, &x->resp, rc ? c1_error_last() : NULL);
	s_xfer_release(c, x);
	c1_http_response_dispose(&x->resp);
	free(x);
}

static void s_complete(struct s_curl *c, struct s_xfer *x, CURLcode cc)
{
	s_xfer_end(c, x, s_finished(x, cc));
}

static void s_unlink(struct s_curl *c, struct s_xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		c->active = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->next = x->prev = NULL;
}

/* curl tells which sockets to watch for what: kept in epoll, so each event
 * costs the same however many transfers are open (curl_multi_perform and
 * poll() would walk all of them every time). Loop thread only. */
static int s_on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	(void)easy;
	(void)socketp;
	struct s_curl *c = userp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	struct epoll_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.events = (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? EPOLLIN : 0) |
		    (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
		epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

static int64_t s_mono_ms(void)
{
	return c1_clock_monotonic_ms(c1_clock_system());
}

/* curl's one timer: when it wants to be called with CURL_SOCKET_TIMEOUT. */
static int s_on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct s_curl *c = userp;
	c->timer_at_ms = timeout_ms < 0 ? -1 : s_mono_ms() + timeout_ms;
	return 0;
}

static void s_collect(struct s_curl *c)
{
	CURLMsg *msg;
	int left = 0;
	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct s_xfer *x = NULL;
		CURL *h = msg->easy_handle;
		CURLcode cc = msg->data.result;
		curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(c->multi, h);
		s_unlink(c, x);
		s_complete(c, x, cc);
	}
}

static void *s_loop_main(void *arg)
{
	struct s_curl *c = arg;
	struct epoll_event events[256];
	int running = 0;
	for (;;) {
		pthread_mutex_lock(&c->loop_lock);
		struct s_xfer *incoming = c->submitted;
		c->submitted = NULL;
		bool stop = c->loop_stop;
		pthread_mutex_unlock(&c->loop_lock);
		while (incoming) {
			struct s_xfer *x = incoming;
			incoming = x->next;
			x->next = NULL;
			CURLMcode mc = curl_multi_add_handle(c->multi, x->h);
			if (mc != CURLM_OK) {
				c1_error_set("%s %s: libcurl could not start the transfer: %s", x->method,
					     x->host, curl_multi_strerror(mc));
				s_xfer_end(c, x, C1_ETRANSPORT);
				continue;
			}
			x->next = c->active;
			if (c->active)
				c->active->prev = x;
			c->active = x;
		}
		if (stop)
			break;
		int64_t now = s_mono_ms();
		if (c->timer_at_ms >= 0 && c->timer_at_ms <= now) {
			c->timer_at_ms = -1;
			curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
			s_collect(c);
			continue; /* the action may have asked for another timer at once */
		}
		int wait = c->timer_at_ms < 0 ? 1000 : (int)(c->timer_at_ms - now);
		if (wait > 1000)
			wait = 1000;
		int n = epoll_wait(c->epfd, events, (int)(sizeof(events) / sizeof(events[0])), wait);
		for (int i = 0; i < n; i++) {
			if (events[i].data.fd == c->wakefd) {
				uint64_t v;
				if (read(c->wakefd, &v, sizeof(v)) < 0) {
					/* nothing to drain: another read took it */
				}
				continue;
			}
			int flags = ((events[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
				    ((events[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
				    ((events[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
			curl_multi_socket_action(c->multi, events[i].data.fd, flags, &running);
		}
		s_collect(c);
	}
	/* Stopping: whatever is still in flight ends as cancelled. */
	while (c->active) {
		struct s_xfer *x = c->active;
		s_unlink(c, x);
		curl_multi_remove_handle(c->multi, x->h);
		c1_error_set("%s %s: the run is stopping; request abandoned", x->method, x->host);
		s_xfer_end(c, x, C1_ECANCELLED);
	}
	return NULL;
}

static void s_wake_loop(struct s_curl *c)
{
	uint64_t one = 1;
	if (write(c->wakefd, &one, sizeof(one)) < 0) {
		/* the counter is full: the loop is awake already */
	}
}

static int s_submit(struct c1_http_transport *self, const struct c1_http_request *req, size_t body_max,
		    c1_http_done_fn done, void *arg)
{
	struct s_curl *c = (struct s_curl *)self;
	struct s_xfer *x = c1_calloc(1, sizeof(*x));
	x->resp = (struct c1_http_response)C1_HTTP_RESPONSE_INIT;
	int rc = s_prepare(c, x, req, &x->resp, body_max, true);
	x->done = done;
	x->arg = arg;
	pthread_mutex_lock(&c->loop_lock);
	if (rc == 0 && c->loop_stop) {
		c1_error_set("%s %s: the run is stopping; request not sent", x->method, x->host);
		rc = C1_ECANCELLED;
	}
	if (rc == 0 && !c->loop_started) {
		int prc = pthread_create(&c->loop_thread, NULL, s_loop_main, c);
		if (prc != 0) {
			c1_error_set("cannot start the HTTP I/O thread: %s", strerror(prc));
			rc = C1_ETRANSPORT;
		} else {
			c->loop_started = true;
		}
	}
	if (rc == 0) {
		x->next = c->submitted;
		c->submitted = x;
	}
	pthread_mutex_unlock(&c->loop_lock);
	if (rc) {
		s_xfer_release(c, x);
		c1_http_response_dispose(&x->resp);
		free(x);
		return rc;
	}
	s_wake_loop(c);
	return 0;
}

void c1_http_curl_quiesce(struct c1_http_transport *t)
{
	struct s_curl *c = (struct s_curl *)t;
	pthread_mutex_lock(&c->loop_lock);
	c->loop_stop = true;
	bool started = c->loop_started;
	c->loop_started = false;
	pthread_mutex_unlock(&c->loop_lock);
	if (!started)
		return;
	s_wake_loop(c);
	pthread_join(c->loop_thread, NULL);
}

static void s_destroy(struct c1_http_transport *self)
{
	struct s_curl *c = (struct s_curl *)self;
	if (!c)
		return;
	if (c->multi) {
		c1_http_curl_quiesce(self);
		curl_multi_cleanup(c->multi);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->wakefd >= 0)
		close(c->wakefd);
	pthread_mutex_destroy(&c->loop_lock);
	for (size_t i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	if (c->share)
		curl_share_cleanup(c->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_locks[i]);
	pthread_mutex_destroy(&c->pool_lock);
	free(c->ca_bundle);
	free(c->user_agent);
	free(c);
}

int c1_http_curl_new(struct c1_http_transport **out, const struct c1_http_curl_options *opts)
{
	struct c1_http_curl_options o = C1_HTTP_CURL_OPTIONS_INIT;
	struct s_curl *c = NULL;
	int rc = 0;

	if (opts)
		o = *opts;
	pthread_once(&s_global_once, s_global_init);
	if (s_global_rc != CURLE_OK) {
		c1_error_set("libcurl initialisation failed: %s", curl_easy_strerror(s_global_rc));
		rc = C1_ETRANSPORT;
		goto cleanup;
	}
	c = c1_calloc(1, sizeof(*c));
	c->base.send = s_send;
	c->base.destroy = s_destroy;
	c->base.submit = s_submit;
	c->epfd = c->wakefd = -1;
	pthread_mutex_init(&c->loop_lock, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_locks[i], NULL);
	pthread_mutex_init(&c->pool_lock, NULL);
	c->ca_bundle = o.ca_bundle ? c1_strdup(o.ca_bundle) : NULL;
	c->user_agent = c1_strdup(o.user_agent ? o.user_agent : "c1onboard/" C1_VERSION);
	c->connect_timeout_ms = o.connect_timeout_ms > 0 ? o.connect_timeout_ms : C1_CURL_DEFAULT_CONNECT_MS;
	c->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : C1_CURL_DEFAULT_TIMEOUT_MS;
	c->max_body = o.max_body_bytes > 0 ? o.max_body_bytes : C1_CURL_DEFAULT_MAX_BODY;

	c->share = curl_share_init();
	if (!c->share)
		abort();
	CURLSHcode sc = CURLSHE_OK;
	if (sc == CURLSHE_OK)
		sc = curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, s_share_lock);
	if (sc == CURLSHE_OK)
		sc = curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, s_share_unlock);
	if (sc == CURLSHE_OK)
		sc = curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	/* Not the connection cache: libcurl does not support sharing connections
	 * between concurrent threads (CURLSHOPT_SHARE), and doing it let a
	 * worker's transfer and the I/O loop's read one connection at once
	 * (a 200 reply cut short: "Premature end of data"). Submitted transfers
	 * reuse connections through the multi handle (one thread); send() through
	 * the connections each pooled easy handle keeps. */
	if (sc == CURLSHE_OK)
		sc = curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	if (sc == CURLSHE_OK)
		sc = curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	if (sc != CURLSHE_OK) {
		c1_error_set("libcurl share handle setup failed: %s", curl_share_strerror(sc));
		rc = C1_ETRANSPORT;
		goto cleanup;
	}
	c->multi = curl_multi_init();
	if (!c->multi)
		abort();
	c->timer_at_ms = -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->epfd < 0 || c->wakefd < 0) {
		c1_error_set("cannot set up the HTTP I/O loop: %s", strerror(errno));
		rc = C1_ETRANSPORT;
		goto cleanup;
	}
	struct epoll_event wev;
	memset(&wev, 0, sizeof(wev));
	wev.events = EPOLLIN;
	wev.data.fd = c->wakefd;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->wakefd, &wev);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, s_on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, s_on_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	*out = &c->base;
	c = NULL;
cleanup:
	if (c)
		s_destroy(&c->base);
	return rc;
}
