/* One Cloud One tenant's cloud accounts (Cloud Account Management), by AWS
 * account id. Cloud One documents no per-account look-up that can tell "no
 * such account" from "no such route" (api-reference 1.5), so a run lists the
 * tenant once, page by page, and every account of the tenant decides adopt or
 * create here instead of listing the tenant again. The run's own creates and
 * deletes keep it current; a row that registers an account claims it first,
 * so two rows of one AWS account (two regions) never both create it.
 * Thread-safe: the tenant's accounts run on any worker. */
#ifndef C1_RUN_CLOUD_INDEX_H
#define C1_RUN_CLOUD_INDEX_H

#include "engine/trend/cloudone.h"

#include <stdbool.h>
#include <stddef.h>

struct c1_cloud_index;

enum c1_cloud_index_answer {
	C1_CLOUD_ABSENT = 0,  /* not registered (or claimed by the asker) */
	C1_CLOUD_PRESENT = 1, /* registered */
	C1_CLOUD_CLAIMED = 2  /* another row of the account is registering it now */
};

struct c1_cloud_index *c1_cloud_index_new(void);
void c1_cloud_index_free(struct c1_cloud_index *idx);

/** Record every account of one list page as registered, with its role. */
void c1_cloud_index_merge(struct c1_cloud_index *idx, const struct c1_cloudone_cloud_account_list *page);

/**
 * What the index knows of `account_id`, as seen by `asker` (a claim of the
 * asker's own reads ABSENT). On PRESENT and a non-NULL `role_arn`, *role_arn
 * is a copy of the registered role (NULL when the list gave none); free it.
 */
enum c1_cloud_index_answer c1_cloud_index_lookup(struct c1_cloud_index *idx, const char *account_id,
						 const void *asker, char **role_arn);

/** ABSENT -> claimed by `owner` (also true when `owner` holds it already); false otherwise. */
bool c1_cloud_index_claim(struct c1_cloud_index *idx, const char *account_id, const void *owner);
/** Drop `owner`'s claim (its create failed): the account reads ABSENT again. */
void c1_cloud_index_unclaim(struct c1_cloud_index *idx, const char *account_id, const void *owner);
/** Registered by this run (any claim ends). */
void c1_cloud_index_put(struct c1_cloud_index *idx, const char *account_id, const char *role_arn);
/** Deregistered by this run. */
void c1_cloud_index_remove(struct c1_cloud_index *idx, const char *account_id);

/** Registered accounts known. */
size_t c1_cloud_index_count(struct c1_cloud_index *idx);

#endif
