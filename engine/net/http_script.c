#include "engine/net/http_script.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct s_reply {
	struct s_reply *next;
	char *method;   /* NULL: any */
	char *url_part; /* NULL: any */
	int rc;         /* 0: send the response below */
	char *message;
	long status;
	struct c1_headers headers;
	char *body;
	size_t body_len;
};

struct c1_http_script {
	struct c1_http_transport base; /* first: the transport pointer is the script */
	pthread_mutex_t lock;
	struct s_reply *head;
	struct s_reply *tail;
	struct c1_http_script_request **records;
	size_t count;
	size_t cap;
};

static void s_reply_free(struct s_reply *r)
{
	if (!r)
		return;
	free(r->method);
	free(r->url_part);
	free(r->message);
	c1_headers_dispose(&r->headers);
	free(r->body);
	free(r);
}

static void s_parse_headers(struct c1_headers *out, const char *text)
{
	if (!text)
		return;
	while (*text) {
		size_t n = strcspn(text, "\r\n");
		const char *colon = memchr(text, ':', n);
		if (colon) {
			struct c1_str name = c1_str_trim((struct c1_str){text, (size_t)(colon - text)});
			struct c1_str value =
			    c1_str_trim((struct c1_str){colon + 1, n - (size_t)(colon - text) - 1});
			char *k = c1_str_dup(name), *v = c1_str_dup(value);
			c1_headers_add(out, k, v);
			free(k);
			free(v);
		}
		text += n;
		while (*text == '\r' || *text == '\n')
			text++;
	}
}

static bool s_matches(const struct s_reply *r, const struct c1_http_request *req)
{
	if (r->method && (!req->method || strcmp(r->method, req->method) != 0))
		return false;
	if (r->url_part && (!req->url || !strstr(req->url, r->url_part)))
		return false;
	return true;
}

static void s_record(struct c1_http_script *s, const struct c1_http_request *req)
{
	struct c1_http_script_request *rec = c1_calloc(1, sizeof(*rec));
	rec->method = c1_strdup(req->method ? req->method : "");
	rec->url = c1_strdup(req->url ? req->url : "");
	c1_headers_copy(&rec->headers, &req->headers);
	rec->body_len = req->body ? req->body_len : 0;
	rec->body = c1_malloc(rec->body_len + 1);
	if (rec->body_len)
		memcpy(rec->body, req->body, rec->body_len);
	rec->body[rec->body_len] = '\0';
	rec->timeout_ms = req->timeout_ms;
	if (s->count == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->records = c1_realloc(s->records, s->cap * sizeof(*s->records));
	}
	s->records[s->count++] = rec;
}

static int s_send(struct c1_http_transport *self, const struct c1_http_request *req,
		  struct c1_http_response *out)
{
	struct c1_http_script *s = (struct c1_http_script *)self;
	struct s_reply *r = NULL, *prev = NULL;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	s_record(s, req);
	for (r = s->head; r; prev = r, r = r->next)
		if (s_matches(r, req))
			break;
	if (r) {
		if (prev)
			prev->next = r->next;
		else
			s->head = r->next;
		if (s->tail == r)
			s->tail = prev;
	}
	pthread_mutex_unlock(&s->lock);

	if (!r) {
		c1_error_set("http_script: no scripted response for %s %s", req->method ? req->method : "?",
			     req->url ? req->url : "?");
		rc = C1_ETRANSPORT;
		goto cleanup;
	}
	if (r->rc) {
		c1_error_set("%s", r->message ? r->message : "scripted transport error");
		rc = r->rc;
		goto cleanup;
	}
	out->status = r->status;
	for (size_t i = 0; i < r->headers.count; i++)
		c1_headers_add(&out->headers, r->headers.items[i].name, r->headers.items[i].value);
	rc = c1_buf_put(&out->body, r->body ? r->body : "", r->body_len);
cleanup:
	s_reply_free(r);
	return rc;
}

static void s_destroy(struct c1_http_transport *self)
{
	c1_http_script_free((struct c1_http_script *)self);
}

struct c1_http_script *c1_http_script_new(void)
{
	struct c1_http_script *s = c1_calloc(1, sizeof(*s));
	s->base.send = s_send;
	s->base.destroy = s_destroy;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void c1_http_script_free(struct c1_http_script *script)
{
	if (!script)
		return;
	struct s_reply *r = script->head;
	while (r) {
		struct s_reply *next = r->next;
		s_reply_free(r);
		r = next;
	}
	for (size_t i = 0; i < script->count; i++) {
		struct c1_http_script_request *rec = script->records[i];
		free(rec->method);
		free(rec->url);
		c1_headers_dispose(&rec->headers);
		c1_wipe(rec->body, rec->body_len);
		free(rec->body);
		free(rec);
	}
	free(script->records);
	pthread_mutex_destroy(&script->lock);
	free(script);
}

struct c1_http_transport *c1_http_script_transport(struct c1_http_script *script)
{
	return &script->base;
}

static void s_enqueue(struct c1_http_script *s, struct s_reply *r)
{
	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = r;
	else
		s->head = r;
	s->tail = r;
	pthread_mutex_unlock(&s->lock);
}

void c1_http_script_push_match(struct c1_http_script *script, const char *method, const char *url_part,
			       long status, const char *headers, const char *body)
{
	struct s_reply *r = c1_calloc(1, sizeof(*r));
	r->method = method ? c1_strdup(method) : NULL;
	r->url_part = url_part ? c1_strdup(url_part) : NULL;
	r->status = status;
	s_parse_headers(&r->headers, headers);
	r->body_len = body ? strlen(body) : 0;
	r->body = body ? c1_strdup(body) : NULL;
	s_enqueue(script, r);
}

void c1_http_script_push(struct c1_http_script *script, long status, const char *headers, const char *body)
{
	c1_http_script_push_match(script, NULL, NULL, status, headers, body);
}

void c1_http_script_push_error(struct c1_http_script *script, int rc, const char *message)
{
	struct s_reply *r = c1_calloc(1, sizeof(*r));
	r->rc = rc ? rc : C1_ETRANSPORT;
	r->message = c1_strdup(message ? message : "scripted transport error");
	s_enqueue(script, r);
}

size_t c1_http_script_count(struct c1_http_script *script)
{
	pthread_mutex_lock(&script->lock);
	size_t n = script->count;
	pthread_mutex_unlock(&script->lock);
	return n;
}

const struct c1_http_script_request *c1_http_script_request(struct c1_http_script *script, size_t i)
{
	pthread_mutex_lock(&script->lock);
	const struct c1_http_script_request *rec = i < script->count ? script->records[i] : NULL;
	pthread_mutex_unlock(&script->lock);
	return rec;
}

size_t c1_http_script_pending(struct c1_http_script *script)
{
	pthread_mutex_lock(&script->lock);
	size_t n = 0;
	for (struct s_reply *r = script->head; r; r = r->next)
		n++;
	pthread_mutex_unlock(&script->lock);
	return n;
}
