/* The libcurl transport against loopback servers run inside the test: a
 * plain HTTP/1.1 server with canned routes (counting accepted connections)
 * and a TLS server with a self-signed certificate made on the fly. */
#define _GNU_SOURCE /* memmem, strcasestr in the test server */
#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/http_curl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- a tiny HTTP/1.1 server ------------------------------------------ */

#define SRV_MAX_CONN 32

struct srv {
	int lfd;
	int port;
	pthread_t thread;
	atomic_int accepted;
	atomic_int requests;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_t workers[SRV_MAX_CONN];
	int nworkers;
	char last_request[16384]; /* head + body of the last request */
};

struct conn {
	struct srv *srv;
	int fd;
};

static void s_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static bool s_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Read until the connection has `want` bytes buffered or the peer/stop ends it. */
static bool s_read_more(struct srv *s, int fd, char *buf, size_t *len, size_t cap)
{
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, 50);
		if (r == 0)
			continue;
		if (r < 0)
			return false;
		if (*len >= cap)
			return false;
		ssize_t n = recv(fd, buf + *len, cap - *len, 0);
		if (n <= 0)
			return false;
		*len += (size_t)n;
		return true;
	}
	return false;
}

static size_t s_content_length(const char *head)
{
	const char *p = strcasestr(head, "\r\nContent-Length:");
	if (!p)
		return 0;
	return (size_t)strtoul(p + 17, NULL, 10);
}

static void s_respond(struct srv *s, int fd, const char *method, const char *path, const char *body,
		      size_t body_len)
{
	char hdr[512];
	if (strncmp(path, "/ok", 3) == 0) {
		const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test:   padded value  \r\n"
				"X-Multi: a\r\nX-Multi: b\r\nX-Empty:\r\n\r\nhello";
		s_write_all(fd, r, strlen(r));
	} else if (strcmp(path, "/echo") == 0) {
		size_t n = strlen(method) + 1 + body_len;
		char *out = c1_malloc(n + 1);
		snprintf(out, n + 1, "%s %.*s", method, (int)body_len, body);
		int h = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
		s_write_all(fd, hdr, (size_t)h);
		s_write_all(fd, out, n);
		free(out);
	} else if (strcmp(path, "/head") == 0) {
		const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nX-Head: yes\r\n\r\n";
		s_write_all(fd, r, strlen(r));
		if (strcmp(method, "HEAD") != 0) {
			char zeros[1234] = {0};
			s_write_all(fd, zeros, sizeof(zeros));
		}
	} else if (strcmp(path, "/big") == 0 || strcmp(path, "/bigchunked") == 0) {
		char chunk[10000]; /* per connection thread: a shared static buffer races */
		memset(chunk, 'x', sizeof(chunk));
		bool chunked = strcmp(path, "/bigchunked") == 0;
		int h = chunked ? snprintf(hdr, sizeof(hdr),
					   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
				: snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
					   sizeof(chunk) * 10);
		if (!s_write_all(fd, hdr, (size_t)h))
			return;
		for (int i = 0; i < 10; i++) {
			if (chunked) {
				h = snprintf(hdr, sizeof(hdr), "%zx\r\n", sizeof(chunk));
				if (!s_write_all(fd, hdr, (size_t)h))
					return;
			}
			if (!s_write_all(fd, chunk, sizeof(chunk)) ||
			    (chunked && !s_write_all(fd, "\r\n", 2)))
				return;
		}
		if (chunked)
			s_write_all(fd, "0\r\n\r\n", 5);
	} else if (strcmp(path, "/slow") == 0) {
		for (int i = 0; i < 40 && !atomic_load(&s->stop); i++)
			s_sleep_ms(50);
		const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate";
		s_write_all(fd, r, strlen(r));
	} else if (strcmp(path, "/continue") == 0) {
		const char *r = "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
				"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\nok";
		s_write_all(fd, r, strlen(r));
	} else if (strcmp(path, "/redirect") == 0) {
		const char *r = "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n";
		s_write_all(fd, r, strlen(r));
	} else {
		const char *r =
		    "HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n{\"message\":\"nope\"}\n";
		s_write_all(fd, r, strlen(r));
	}
}

static void *s_conn_main(void *arg)
{
	struct conn *c = arg;
	struct srv *s = c->srv;
	char *buf = c1_malloc(65536);
	size_t len = 0;
	for (;;) {
		char *end;
		while (!(end = memmem(buf, len, "\r\n\r\n", 4)))
			if (!s_read_more(s, c->fd, buf, &len, 65535))
				goto done;
		size_t head_len = (size_t)(end - buf) + 4;
		buf[len] = '\0';
		char saved = buf[head_len];
		buf[head_len] = '\0';
		size_t blen = s_content_length(buf);
		buf[head_len] = saved;
		while (len < head_len + blen)
			if (!s_read_more(s, c->fd, buf, &len, 65535))
				goto done;
		char method[16] = "", path[256] = "";
		size_t m = strcspn(buf, " ");
		if (m < sizeof(method)) {
			memcpy(method, buf, m);
			method[m] = '\0';
			const char *p = buf + m + 1;
			size_t pl = strcspn(p, " ?");
			if (pl < sizeof(path)) {
				memcpy(path, p, pl);
				path[pl] = '\0';
			}
		}
		pthread_mutex_lock(&s->lock);
		size_t keep = head_len + blen < sizeof(s->last_request) - 1 ? head_len + blen
									    : sizeof(s->last_request) - 1;
		memcpy(s->last_request, buf, keep);
		s->last_request[keep] = '\0';
		pthread_mutex_unlock(&s->lock);
		atomic_fetch_add(&s->requests, 1);
		s_respond(s, c->fd, method, path, buf + head_len, blen);
		memmove(buf, buf + head_len + blen, len - head_len - blen);
		len -= head_len + blen;
	}
done:
	free(buf);
	close(c->fd);
	free(c);
	return NULL;
}

static void *s_srv_main(void *arg)
{
	struct srv *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {s->lfd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		atomic_fetch_add(&s->accepted, 1);
		pthread_mutex_lock(&s->lock);
		if (s->nworkers == SRV_MAX_CONN) {
			pthread_mutex_unlock(&s->lock);
			close(fd);
			continue;
		}
		struct conn *c = c1_malloc(sizeof(*c));
		c->srv = s;
		c->fd = fd;
		pthread_create(&s->workers[s->nworkers++], NULL, s_conn_main, c);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static int s_listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0)
		c1_test_fail(__FILE__, __LINE__, "cannot listen on 127.0.0.1: %s", strerror(errno));
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

static void s_srv_start(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->lfd = s_listen_loopback(&s->port);
	pthread_create(&s->thread, NULL, s_srv_main, s);
}

static void s_srv_stop(struct srv *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	for (int i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	close(s->lfd);
	pthread_mutex_destroy(&s->lock);
}

static char *s_url(const struct srv *s, const char *path)
{
	static __thread char url[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
	return url;
}

static struct c1_http_transport *s_transport(const struct c1_http_curl_options *o)
{
	struct c1_http_transport *t = NULL;
	C1_CHECK_INT(c1_http_curl_new(&t, o), ==, 0);
	return t;
}

static int s_do(struct c1_http_transport *t, const char *method, const char *url, const char *body,
		struct c1_http_response *out)
{
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	req.method = method;
	req.url = url;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	int rc = c1_http_send(t, &req, out);
	c1_http_request_dispose(&req);
	return rc;
}

/* ---- tests ------------------------------------------------------------ */

C1_TEST(get_status_headers_body)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/ok"), NULL, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "hello");
	C1_CHECK_STR(c1_headers_get(&r.headers, "x-test"), "padded value");
	C1_CHECK_STR(c1_headers_get(&r.headers, "X-Empty"), "");
	int multi = 0;
	for (size_t i = 0; i < r.headers.count; i++)
		multi += strcmp(r.headers.items[i].name, "X-Multi") == 0;
	C1_CHECK_INT(multi, ==, 2);
	c1_http_response_dispose(&r);

	/* non-2xx is still a response, not a transport error */
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/missing"), NULL, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 404);
	C1_CHECK_CONTAINS(c1_buf_cstr(&r.body), "nope");
	c1_http_response_dispose(&r);
	t->destroy(t);
	s_srv_stop(&s);
}

C1_TEST(request_body_methods_and_headers_sent)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	req.method = "POST";
	req.url = s_url(&s, "/echo");
	req.body = "Action=DescribeStacks&Version=2010-05-15";
	req.body_len = strlen(req.body);
	c1_headers_add(&req.headers, "Content-Type", "application/x-www-form-urlencoded");
	c1_headers_add(&req.headers, "X-Blank", "");
	C1_CHECK_INT(c1_http_send(t, &req, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "POST Action=DescribeStacks&Version=2010-05-15");
	C1_CHECK_CONTAINS(s.last_request, "POST /echo HTTP/1.1\r\n");
	C1_CHECK_CONTAINS(s.last_request, "Content-Type: application/x-www-form-urlencoded\r\n");
	C1_CHECK_CONTAINS(s.last_request, "X-Blank:");
	C1_CHECK_CONTAINS(s.last_request, "User-Agent: c1onboard/" C1_VERSION "\r\n");
	C1_CHECK_NOT_CONTAINS(s.last_request, "Expect:");
	c1_http_request_dispose(&req);
	c1_http_response_dispose(&r);

	C1_CHECK_INT(s_do(t, "PUT", s_url(&s, "/echo"), "{\"a\":1}", &r), ==, 0);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "PUT {\"a\":1}");
	c1_http_response_dispose(&r);
	C1_CHECK_INT(s_do(t, "DELETE", s_url(&s, "/echo"), NULL, &r), ==, 0);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "DELETE ");
	c1_http_response_dispose(&r);
	/* an empty POST sends Content-Length: 0 instead of reading stdin */
	C1_CHECK_INT(s_do(t, "POST", s_url(&s, "/echo"), NULL, &r), ==, 0);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "POST ");
	C1_CHECK_CONTAINS(s.last_request, "Content-Length: 0\r\n");
	c1_http_response_dispose(&r);

	/* a large body (bigger than curl's internal upload buffer) arrives whole */
	char *big = c1_malloc(40001);
	memset(big, 'b', 40000);
	big[40000] = '\0';
	C1_CHECK_INT(s_do(t, "POST", s_url(&s, "/echo"), big, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	free(big);
	c1_http_response_dispose(&r);
	t->destroy(t);
	s_srv_stop(&s);
}

C1_TEST(head_request_has_no_body)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	C1_CHECK_INT(s_do(t, "HEAD", s_url(&s, "/head"), NULL, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_INT(r.body.len, ==, 0);
	C1_CHECK_STR(c1_headers_get(&r.headers, "Content-Length"), "1234");
	C1_CHECK_CONTAINS(s.last_request, "HEAD /head HTTP/1.1");
	c1_http_response_dispose(&r);
	/* the connection is still usable afterwards */
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/ok"), NULL, &r), ==, 0);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "hello");
	C1_CHECK_INT(atomic_load(&s.accepted), ==, 1);
	c1_http_response_dispose(&r);
	t->destroy(t);
	s_srv_stop(&s);
}

C1_TEST(body_cap_gives_etoobig)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_curl_options o = C1_HTTP_CURL_OPTIONS_INIT;
	o.max_body_bytes = 50000;
	struct c1_http_transport *t = s_transport(&o);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	/* Content-Length known up front */
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/big"), NULL, &r), ==, C1_ETOOBIG);
	C1_CHECK_CONTAINS(c1_error_last(), "50000");
	C1_CHECK_CONTAINS(c1_error_last(), "GET 127.0.0.1");
	c1_http_response_dispose(&r);
	/* chunked: caught while streaming */
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/bigchunked"), NULL, &r), ==, C1_ETOOBIG);
	C1_CHECK(r.body.len <= 50000);
	c1_http_response_dispose(&r);
	/* the caller's own smaller cap wins */
	r.body.max = 3;
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/ok"), NULL, &r), ==, C1_ETOOBIG);
	c1_http_response_dispose(&r);
	r.body.max = 0;
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/ok"), NULL, &r), ==, 0);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "hello");
	c1_http_response_dispose(&r);
	t->destroy(t);
	s_srv_stop(&s);
}

C1_TEST(timeout_gives_etimeout_without_query)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	req.method = "GET";
	req.url = s_url(&s, "/slow?X-Amz-Signature=0123456789abcdef");
	req.timeout_ms = 300;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	C1_CHECK_INT(c1_http_send(t, &req, &r), ==, C1_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	C1_CHECK_INT(ms, >=, 250);
	C1_CHECK_INT(ms, <, 1500);
	C1_CHECK_CONTAINS(c1_error_last(), "GET 127.0.0.1");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "0123456789abcdef");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "/slow");
	c1_http_request_dispose(&req);
	c1_http_response_dispose(&r);
	t->destroy(t);
	s_srv_stop(&s);
}

struct reuse_arg {
	struct c1_http_transport *t;
	struct srv *s;
	int failures;
};

static void *s_reuse_thread(void *arg)
{
	struct reuse_arg *ra = arg;
	for (int i = 0; i < 3; i++) {
		struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
		if (s_do(ra->t, "GET", s_url(ra->s, "/ok"), NULL, &r) != 0 || r.status != 200)
			ra->failures++;
		c1_http_response_dispose(&r);
	}
	return NULL;
}

C1_TEST(connections_are_reused_across_requests_and_threads)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	for (int i = 0; i < 5; i++) {
		struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
		C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/ok"), NULL, &r), ==, 0);
		C1_CHECK_INT(r.status, ==, 200);
		c1_http_response_dispose(&r);
	}
	C1_CHECK_INT(atomic_load(&s.requests), ==, 5);
	C1_CHECK_INT(atomic_load(&s.accepted), ==, 1);

	/* Another thread, one after the other: the pooled handle (with its
	 * connection) is handed to it. */
	struct reuse_arg ra = {t, &s, 0};
	pthread_t th;
	pthread_create(&th, NULL, s_reuse_thread, &ra);
	pthread_join(th, NULL);
	C1_CHECK_INT(ra.failures, ==, 0);
	C1_CHECK_INT(atomic_load(&s.requests), ==, 8);
	C1_CHECK_INT(atomic_load(&s.accepted), ==, 1);

	/* Concurrent threads need their own connections, but not one per request. */
	struct reuse_arg rb[4];
	pthread_t ths[4];
	for (int i = 0; i < 4; i++) {
		rb[i] = (struct reuse_arg){t, &s, 0};
		pthread_create(&ths[i], NULL, s_reuse_thread, &rb[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(ths[i], NULL);
		C1_CHECK_INT(rb[i].failures, ==, 0);
	}
	C1_CHECK_INT(atomic_load(&s.requests), ==, 20);
	C1_CHECK_INT(atomic_load(&s.accepted), <=, 5);
	t->destroy(t);
	s_srv_stop(&s);
}

C1_TEST(plain_http_to_remote_host_refused_before_network)
{
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* 192.0.2.1 is TEST-NET-1: a connect attempt would hang until the timeout. */
	C1_CHECK_INT(s_do(t, "GET", "http://192.0.2.1/?Signature=abc", NULL, &r), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "192.0.2.1");
	C1_CHECK_CONTAINS(c1_error_last(), "https");
	C1_CHECK_INT(s_do(t, "GET", "http://example.invalid/", NULL, &r), ==, C1_EINVALID);
	C1_CHECK_INT(s_do(t, "GET", "ftp://127.0.0.1/", NULL, &r), ==, C1_EINVALID);
	C1_CHECK_INT(s_do(t, "GET", "https://user:pw@127.0.0.1/", NULL, &r), ==, C1_EINVALID);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	C1_CHECK_INT(ms, <, 200);
	C1_CHECK_INT(r.status, ==, 0);
	c1_http_response_dispose(&r);
	t->destroy(t);
}

C1_TEST(connection_refused_gives_etransport)
{
	int port;
	int fd = s_listen_loopback(&port);
	close(fd); /* nothing listens there now */
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x?token=secretvalue", port);
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	C1_CHECK_INT(s_do(t, "GET", url, NULL, &r), ==, C1_ETRANSPORT);
	C1_CHECK_CONTAINS(c1_error_last(), "GET 127.0.0.1");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "secretvalue");
	C1_CHECK_INT(r.status, ==, 0);
	c1_http_response_dispose(&r);
	t->destroy(t);
}

C1_TEST(interim_100_and_redirects)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/continue"), NULL, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 201);
	C1_CHECK_STR(c1_headers_get(&r.headers, "X-Final"), "yes");
	C1_CHECK(c1_headers_get(&r.headers, "X-Interim") == NULL);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "ok");
	c1_http_response_dispose(&r);
	/* redirects are returned, never followed */
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/redirect"), NULL, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 302);
	C1_CHECK_STR(c1_headers_get(&r.headers, "Location"), "/ok");
	C1_CHECK_INT(atomic_load(&s.requests), ==, 2);
	c1_http_response_dispose(&r);
	t->destroy(t);
	s_srv_stop(&s);
}

C1_TEST(header_injection_refused)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	req.method = "GET";
	req.url = s_url(&s, "/ok");
	c1_headers_add(&req.headers, "Authorization", "ApiKey secret\r\nX-Evil: 1");
	C1_CHECK_INT(c1_http_send(t, &req, &r), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "Authorization");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "secret");
	c1_http_request_dispose(&req);
	req.method = "GET\r\nX: y";
	req.url = s_url(&s, "/ok");
	C1_CHECK_INT(c1_http_send(t, &req, &r), ==, C1_EINVALID);
	C1_CHECK_INT(atomic_load(&s.requests), ==, 0);
	c1_http_response_dispose(&r);
	t->destroy(t);
	s_srv_stop(&s);
}

/* ---- TLS: verification is on, and the CA bundle option is honoured ---- */

struct tls_srv {
	int lfd;
	int port;
	SSL_CTX *ctx;
	pthread_t thread;
	atomic_bool stop;
	atomic_int handshakes_ok;
};

static void *s_tls_main(void *arg)
{
	struct tls_srv *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {s->lfd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		struct timeval tv = {2, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		SSL *ssl = SSL_new(s->ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1) {
			atomic_fetch_add(&s->handshakes_ok, 1);
			char buf[4096];
			size_t len = 0;
			while (len < sizeof(buf) - 1) {
				int n = SSL_read(ssl, buf + len, (int)(sizeof(buf) - 1 - len));
				if (n <= 0)
					break;
				len += (size_t)n;
				buf[len] = '\0';
				if (strstr(buf, "\r\n\r\n"))
					break;
			}
			const char *resp =
			    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntls";
			SSL_write(ssl, resp, (int)strlen(resp));
			SSL_shutdown(ssl);
		}
		SSL_free(ssl);
		close(fd);
		ERR_clear_error();
	}
	return NULL;
}

/* A self-signed certificate for IP 127.0.0.1, written as PEM to `ca_path`. */
static void s_make_cert(EVP_PKEY **out_key, X509 **out_cert, const char *ca_path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	C1_CHECK(key && x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"c1onboard test", -1, -1,
				   0);
	X509_set_issuer_name(x, name);
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	const char *exts[][2] = {{"subjectAltName", "IP:127.0.0.1"},
				 {"basicConstraints", "critical,CA:TRUE"},
				 {"keyUsage", "critical,digitalSignature,keyCertSign"}};
	for (size_t i = 0; i < 3; i++) {
		X509_EXTENSION *e = X509V3_EXT_nconf(NULL, &v3, exts[i][0], exts[i][1]);
		C1_CHECK(e != NULL);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	C1_CHECK(X509_sign(x, key, EVP_sha256()) > 0);
	FILE *f = fopen(ca_path, "w");
	C1_CHECK(f != NULL);
	PEM_write_X509(f, x);
	fclose(f);
	*out_key = key;
	*out_cert = x;
}

C1_TEST(tls_verification_is_on_and_ca_bundle_works)
{
	/* The test server writes with plain write(); a client that hangs up
	 * after refusing the certificate must not kill the test process. */
	signal(SIGPIPE, SIG_IGN);
	char ca_path[512];
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", c1_test_tmpdir());
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	s_make_cert(&key, &cert, ca_path);

	struct tls_srv s;
	memset(&s, 0, sizeof(s));
	s.ctx = SSL_CTX_new(TLS_server_method());
	C1_CHECK(SSL_CTX_use_certificate(s.ctx, cert) == 1);
	C1_CHECK(SSL_CTX_use_PrivateKey(s.ctx, key) == 1);
	s.lfd = s_listen_loopback(&s.port);
	pthread_create(&s.thread, NULL, s_tls_main, &s);

	char url[64];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/x", s.port);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;

	/* System trust store: the self-signed certificate is refused. */
	struct c1_http_transport *t = s_transport(NULL);
	/* Not a transport hiccup: the same on every try, so not retried. */
	C1_CHECK_INT(s_do(t, "GET", url, NULL, &r), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "GET 127.0.0.1");
	C1_CHECK_CONTAINS(c1_error_last(), "certificate");
	C1_CHECK_CONTAINS(c1_error_last(), "--ca-bundle");
	C1_CHECK_INT(atomic_load(&s.handshakes_ok), ==, 0);
	c1_http_response_dispose(&r);
	t->destroy(t);

	/* Trusting exactly that certificate through the CA bundle option works. */
	struct c1_http_curl_options o = C1_HTTP_CURL_OPTIONS_INIT;
	o.ca_bundle = ca_path;
	t = s_transport(&o);
	C1_CHECK_INT(s_do(t, "GET", url, NULL, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "tls");
	c1_http_response_dispose(&r);

	/* Name mismatch is refused too: the cert is for 127.0.0.1, not localhost. */
	snprintf(url, sizeof(url), "https://localhost:%d/x", s.port);
	C1_CHECK_INT(s_do(t, "GET", url, NULL, &r), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "host name");
	c1_http_response_dispose(&r);
	t->destroy(t);

	/* A CA bundle that cannot be read says so. */
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/no-such-ca.pem", c1_test_tmpdir());
	o.ca_bundle = missing;
	t = s_transport(&o);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/x", s.port);
	C1_CHECK_INT(s_do(t, "GET", url, NULL, &r), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "CA bundle");
	c1_http_response_dispose(&r);
	t->destroy(t);

	atomic_store(&s.stop, true);
	pthread_join(s.thread, NULL);
	close(s.lfd);
	SSL_CTX_free(s.ctx);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* ---- submit: the event-driven path ---------------------------------- */

struct done_log {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls;
	int rc[32];
	long status[32];
	char body[32][64];
	char error[32][200];
};

struct done_arg {
	struct done_log *log;
	int i;
};

static void s_on_done_test(void *arg, int rc, struct c1_http_response *resp, const char *error)
{
	struct done_arg *a = arg;
	struct done_log *l = a->log;
	pthread_mutex_lock(&l->lock);
	l->rc[a->i] = rc;
	l->status[a->i] = resp->status;
	snprintf(l->body[a->i], sizeof(l->body[a->i]), "%s", c1_buf_cstr(&resp->body));
	snprintf(l->error[a->i], sizeof(l->error[a->i]), "%s", error ? error : "");
	l->calls++;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

static void s_wait_calls(struct done_log *l, int n)
{
	pthread_mutex_lock(&l->lock);
	while (l->calls < n)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

C1_TEST(submit_runs_requests_concurrently_and_copies_the_body)
{
	struct srv s;
	s_srv_start(&s);
	struct c1_http_transport *t = s_transport(NULL);
	struct done_log log = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	struct done_arg args[16];
	enum { N = 12 };
	for (int i = 0; i < N; i++) {
		struct c1_http_request req = C1_HTTP_REQUEST_INIT;
		char *body = c1_asprintf("request-%d", i);
		req.method = "POST";
		req.url = s_url(&s, "/echo");
		req.body = body;
		req.body_len = strlen(body);
		args[i] = (struct done_arg){&log, i};
		C1_CHECK_INT(t->submit(t, &req, 0, s_on_done_test, &args[i]), ==, 0);
		memset(body, 'X', strlen(body)); /* the transport must have its own copy */
		free(body);
		c1_http_request_dispose(&req);
	}
	s_wait_calls(&log, N);
	for (int i = 0; i < N; i++) {
		char want[64];
		snprintf(want, sizeof(want), "POST request-%d", i);
		C1_CHECK_INT(log.rc[i], ==, 0);
		C1_CHECK_INT(log.status[i], ==, 200);
		C1_CHECK_STR(log.body[i], want);
	}

	/* a timeout comes back through the callback, classified as send() would */
	struct c1_http_request slow = C1_HTTP_REQUEST_INIT;
	slow.method = "GET";
	slow.url = s_url(&s, "/slow?X-Amz-Signature=0123456789abcdef");
	slow.timeout_ms = 300;
	args[N] = (struct done_arg){&log, N};
	C1_CHECK_INT(t->submit(t, &slow, 0, s_on_done_test, &args[N]), ==, 0);
	s_wait_calls(&log, N + 1);
	C1_CHECK_INT(log.rc[N], ==, C1_ETIMEOUT);
	C1_CHECK_CONTAINS(log.error[N], "GET 127.0.0.1");
	C1_CHECK_NOT_CONTAINS(log.error[N], "0123456789abcdef");

	/* a request refused before the network is refused by submit, no callback */
	struct c1_http_request bad = C1_HTTP_REQUEST_INIT;
	bad.method = "GET";
	bad.url = "http://192.0.2.1/x";
	C1_CHECK_INT(t->submit(t, &bad, 0, s_on_done_test, &args[N + 1]), ==, C1_EINVALID);

	/* quiesce ends what is in flight as cancelled, and refuses what comes after */
	slow.timeout_ms = 10000;
	args[N + 1] = (struct done_arg){&log, N + 1};
	C1_CHECK_INT(t->submit(t, &slow, 0, s_on_done_test, &args[N + 1]), ==, 0);
	c1_http_curl_quiesce(t);
	C1_CHECK_INT(log.calls, ==, N + 2);
	C1_CHECK_INT(log.rc[N + 1], ==, C1_ECANCELLED);
	C1_CHECK_INT(t->submit(t, &slow, 0, s_on_done_test, &args[N + 1]), ==, C1_ECANCELLED);
	C1_CHECK_INT(log.calls, ==, N + 2);
	/* send still works after quiesce */
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	C1_CHECK_INT(s_do(t, "GET", s_url(&s, "/ok"), NULL, &r), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	c1_http_response_dispose(&r);
	c1_http_request_dispose(&slow);
	c1_http_request_dispose(&bad);
	t->destroy(t);
	s_srv_stop(&s);
}
