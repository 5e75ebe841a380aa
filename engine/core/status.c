#include "engine/core/status.h"

#include "engine/core/error.h"

#include <string.h>

static const char *const s_account_names[] = {"succeeded",   "unchanged", "repaired", "drifted",
					      "rolled_back", "failed",    "invalid",  "interrupted",
					      "not_started", "orphaned",  "running"};
static const char *const s_step_names[] = {"pending", "running",     "done",   "failed",
					   "undone",  "undo_failed", "skipped"};
static const char *const s_run_names[] = {"running", "finished", "interrupted", "crashed"};
static const char *const s_plane_names[] = {"aws", "cloudone", "visionone", "config"};
static const char *const s_v1_names[] = {"unknown",    "linked", "already_linked",
					 "not_linked", "failed", "skipped"};

static const char *s_name(const char *const *names, size_t count, int value)
{
	return value >= 0 && (size_t)value < count ? names[value] : "unknown";
}

static int s_parse(int *out, const char *const *names, size_t count, const char *name, const char *what)
{
	for (size_t i = 0; name && i < count; i++) {
		if (strcmp(names[i], name) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	c1_error_set("unknown %s \"%s\"", what, name ? name : "(null)");
	return C1_EINVALID;
}

#define S_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *c1_account_status_name(enum c1_account_status s)
{
	return s_name(s_account_names, S_COUNT(s_account_names), (int)s);
}

bool c1_account_status_onboarded(enum c1_account_status s)
{
	return s == C1_ACCOUNT_SUCCEEDED || s == C1_ACCOUNT_UNCHANGED || s == C1_ACCOUNT_REPAIRED ||
	       s == C1_ACCOUNT_DRIFTED;
}

const char *c1_step_status_name(enum c1_step_status s)
{
	return s_name(s_step_names, S_COUNT(s_step_names), (int)s);
}

const char *c1_run_status_name(enum c1_run_status s)
{
	return s_name(s_run_names, S_COUNT(s_run_names), (int)s);
}

const char *c1_drift_plane_name(enum c1_drift_plane p)
{
	return s_name(s_plane_names, S_COUNT(s_plane_names), (int)p);
}

const char *c1_visionone_status_name(enum c1_visionone_status s)
{
	return s_name(s_v1_names, S_COUNT(s_v1_names), (int)s);
}

int c1_account_status_parse(enum c1_account_status *out, const char *name)
{
	int v = 0;
	int rc = s_parse(&v, s_account_names, S_COUNT(s_account_names), name, "account status");
	if (rc == 0)
		*out = (enum c1_account_status)v;
	return rc;
}

int c1_step_status_parse(enum c1_step_status *out, const char *name)
{
	int v = 0;
	int rc = s_parse(&v, s_step_names, S_COUNT(s_step_names), name, "step status");
	if (rc == 0)
		*out = (enum c1_step_status)v;
	return rc;
}

int c1_run_status_parse(enum c1_run_status *out, const char *name)
{
	int v = 0;
	int rc = s_parse(&v, s_run_names, S_COUNT(s_run_names), name, "run status");
	if (rc == 0)
		*out = (enum c1_run_status)v;
	return rc;
}

int c1_drift_plane_parse(enum c1_drift_plane *out, const char *name)
{
	int v = 0;
	int rc = s_parse(&v, s_plane_names, S_COUNT(s_plane_names), name, "drift plane");
	if (rc == 0)
		*out = (enum c1_drift_plane)v;
	return rc;
}

int c1_visionone_status_parse(enum c1_visionone_status *out, const char *name)
{
	int v = 0;
	int rc = s_parse(&v, s_v1_names, S_COUNT(s_v1_names), name, "Vision One link status");
	if (rc == 0)
		*out = (enum c1_visionone_status)v;
	return rc;
}
