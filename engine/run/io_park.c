#include "engine/run/io_park.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a task keeps for its call in flight. Written by the I/O thread before
 * c1_task_io_done and read by the task's next run: the scheduler's lock
 * orders the two. */
struct s_slot {
	struct c1_scheduler *sched;
	struct c1_task *task;
	struct c1_task_ctx *ctx; /* of the run that armed it; valid during that run only */
	uint64_t request;        /* fingerprint of the request the answer belongs to */
	bool answered;
	int rc;
	struct c1_http_response resp;
	char error[600];
};

static _Thread_local struct s_slot *s_armed;

struct s_park {
	struct c1_http_transport base; /* first */
	struct c1_http_transport *inner;
};

/* The same call repeated by the next run has the same method, URL and body
 * (its signature headers differ: they carry the time). */
static uint64_t s_fingerprint(const struct c1_http_request *req)
{
	uint64_t h = C1_FNV1A_INIT;
	const char *m = req->method ? req->method : "GET";
	h = c1_fnv1a(h, m, strlen(m) + 1);
	h = c1_fnv1a(h, req->url, strlen(req->url) + 1);
	if (req->body)
		h = c1_fnv1a(h, req->body, req->body_len);
	return h;
}

static void s_drop_answer(struct s_slot *sl)
{
	c1_http_response_dispose(&sl->resp);
	sl->resp = (struct c1_http_response)C1_HTTP_RESPONSE_INIT;
	c1_wipe(sl->error, sizeof(sl->error));
	sl->answered = false;
}

static void s_on_done(void *arg, int rc, struct c1_http_response *resp, const char *error)
{
	struct s_slot *sl = arg;
	sl->rc = rc;
	sl->resp = *resp;
	*resp = (struct c1_http_response)C1_HTTP_RESPONSE_INIT;
	snprintf(sl->error, sizeof(sl->error), "%s", error ? error : "");
	sl->answered = true;
	c1_task_io_done(sl->sched, sl->task);
}

static int s_send(struct c1_http_transport *self, const struct c1_http_request *req,
		  struct c1_http_response *out)
{
	struct s_park *p = (struct s_park *)self;
	struct s_slot *sl = s_armed;
	s_armed = NULL;
	if (sl && sl->ctx != c1_task_current_ctx())
		sl = NULL; /* armed by an earlier run that did not send: not this call's */
	if (!sl || !p->inner->submit)
		return p->inner->send(p->inner, req, out);
	uint64_t fp = s_fingerprint(req);
	if (sl->answered && sl->request == fp) {
		size_t max = out->body.max;
		c1_http_response_dispose(out);
		*out = sl->resp;
		if (max && out->body.max == 0)
			out->body.max = max;
		sl->resp = (struct c1_http_response)C1_HTTP_RESPONSE_INIT;
		int rc = sl->rc;
		if (rc)
			c1_error_set("%s", sl->error);
		s_drop_answer(sl);
		return rc;
	}
	/* An answer the run did not come back for (it took another path): gone. */
	if (sl->answered)
		s_drop_answer(sl);
	sl->request = fp;
	/* Announced before submitting: the answer may arrive before submit returns. */
	c1_task_io_begin(sl->ctx);
	int rc = p->inner->submit(p->inner, req, out->body.max, s_on_done, sl);
	if (rc) {
		c1_task_io_cancel(sl->ctx);
		return rc;
	}
	c1_error_set("request in flight; the task parks until its answer");
	return C1_EINPROGRESS;
}

static void s_destroy(struct c1_http_transport *self)
{
	free(self);
}

int c1_io_transport_new(struct c1_http_transport **out, struct c1_http_transport *inner)
{
	struct s_park *p = c1_calloc(1, sizeof(*p));
	p->base.send = s_send;
	p->base.destroy = s_destroy;
	p->inner = inner;
	*out = &p->base;
	return 0;
}

bool c1_io_replaying(struct c1_task_ctx *ctx)
{
	struct s_slot *sl = ctx->task ? ctx->task->io : NULL;
	return sl && sl->answered;
}

void c1_io_arm(struct c1_task_ctx *ctx)
{
	struct c1_task *t = ctx->task;
	if (!t) {
		s_armed = NULL;
		return;
	}
	struct s_slot *sl = t->io;
	if (!sl) {
		sl = c1_calloc(1, sizeof(*sl));
		sl->resp = (struct c1_http_response)C1_HTTP_RESPONSE_INIT;
		sl->task = t;
		t->io = sl;
	}
	sl->sched = ctx->sched;
	sl->ctx = ctx;
	s_armed = sl;
}

void c1_io_disarm(void)
{
	s_armed = NULL;
}

void c1_io_slot_free(struct c1_task *task)
{
	if (!task || !task->io)
		return;
	struct s_slot *sl = task->io;
	if (s_armed == sl)
		s_armed = NULL;
	s_drop_answer(sl);
	free(sl);
	task->io = NULL;
}
