#include "engine/run/cloud_index.h"

#include "engine/core/alloc.h"
#include "engine/core/hash.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Nodes are allocated one by one and chained: growing the bucket array moves
 * only bucket heads, never a node (docs/growable-arrays.md). */
struct s_node {
	struct s_node *next;
	char *account_id;
	char *role_arn;
	const void *claimant; /* non-NULL: being registered by this row */
	bool present;
};

struct c1_cloud_index {
	pthread_mutex_t lock;
	struct s_node **buckets;
	size_t nbuckets; /* a power of two */
	size_t nodes;
	size_t present;
};

static uint64_t s_hash(const char *s)
{
	return c1_fnv1a_str(s);
}

struct c1_cloud_index *c1_cloud_index_new(void)
{
	struct c1_cloud_index *idx = c1_calloc(1, sizeof(*idx));
	pthread_mutex_init(&idx->lock, NULL);
	idx->nbuckets = 64;
	idx->buckets = c1_calloc(idx->nbuckets, sizeof(*idx->buckets));
	return idx;
}

void c1_cloud_index_free(struct c1_cloud_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->nbuckets; i++) {
		struct s_node *n = idx->buckets[i];
		while (n) {
			struct s_node *next = n->next;
			free(n->account_id);
			free(n->role_arn);
			free(n);
			n = next;
		}
	}
	free(idx->buckets);
	pthread_mutex_destroy(&idx->lock);
	free(idx);
}

static void s_grow(struct c1_cloud_index *idx)
{
	size_t nb = idx->nbuckets * 2;
	struct s_node **b = c1_calloc(nb, sizeof(*b));
	for (size_t i = 0; i < idx->nbuckets; i++) {
		struct s_node *n = idx->buckets[i];
		while (n) {
			struct s_node *next = n->next;
			size_t j = (size_t)(s_hash(n->account_id) & (nb - 1));
			n->next = b[j];
			b[j] = n;
			n = next;
		}
	}
	free(idx->buckets);
	idx->buckets = b;
	idx->nbuckets = nb;
}

/* The node of `account_id`, added (absent, unclaimed) when `add`. Lock held. */
static struct s_node *s_find(struct c1_cloud_index *idx, const char *account_id, bool add)
{
	size_t j = (size_t)(s_hash(account_id) & (idx->nbuckets - 1));
	for (struct s_node *n = idx->buckets[j]; n; n = n->next)
		if (strcmp(n->account_id, account_id) == 0)
			return n;
	if (!add)
		return NULL;
	if (idx->nodes >= idx->nbuckets) {
		s_grow(idx);
		j = (size_t)(s_hash(account_id) & (idx->nbuckets - 1));
	}
	struct s_node *n = c1_calloc(1, sizeof(*n));
	n->account_id = c1_strdup(account_id);
	n->next = idx->buckets[j];
	idx->buckets[j] = n;
	idx->nodes++;
	return n;
}

static void s_set_present(struct c1_cloud_index *idx, struct s_node *n, const char *role_arn)
{
	if (!n->present)
		idx->present++;
	n->present = true;
	n->claimant = NULL;
	free(n->role_arn);
	n->role_arn = role_arn ? c1_strdup(role_arn) : NULL;
}

void c1_cloud_index_merge(struct c1_cloud_index *idx, const struct c1_cloudone_cloud_account_list *page)
{
	pthread_mutex_lock(&idx->lock);
	for (size_t i = 0; i < page->count; i++)
		if (page->items[i].id)
			s_set_present(idx, s_find(idx, page->items[i].id, true), page->items[i].role_arn);
	pthread_mutex_unlock(&idx->lock);
}

enum c1_cloud_index_answer c1_cloud_index_lookup(struct c1_cloud_index *idx, const char *account_id,
						 const void *asker, char **role_arn)
{
	enum c1_cloud_index_answer a = C1_CLOUD_ABSENT;
	if (role_arn)
		*role_arn = NULL;
	pthread_mutex_lock(&idx->lock);
	struct s_node *n = s_find(idx, account_id, false);
	if (n && n->present) {
		a = C1_CLOUD_PRESENT;
		if (role_arn && n->role_arn)
			*role_arn = c1_strdup(n->role_arn);
	} else if (n && n->claimant && n->claimant != asker) {
		a = C1_CLOUD_CLAIMED;
	}
	pthread_mutex_unlock(&idx->lock);
	return a;
}

bool c1_cloud_index_claim(struct c1_cloud_index *idx, const char *account_id, const void *owner)
{
	bool ok = false;
	pthread_mutex_lock(&idx->lock);
	struct s_node *n = s_find(idx, account_id, true);
	if (!n->present && (!n->claimant || n->claimant == owner)) {
		n->claimant = owner;
		ok = true;
	}
	pthread_mutex_unlock(&idx->lock);
	return ok;
}

void c1_cloud_index_unclaim(struct c1_cloud_index *idx, const char *account_id, const void *owner)
{
	pthread_mutex_lock(&idx->lock);
	struct s_node *n = s_find(idx, account_id, false);
	if (n && n->claimant == owner)
		n->claimant = NULL;
	pthread_mutex_unlock(&idx->lock);
}

void c1_cloud_index_put(struct c1_cloud_index *idx, const char *account_id, const char *role_arn)
{
	pthread_mutex_lock(&idx->lock);
	s_set_present(idx, s_find(idx, account_id, true), role_arn);
	pthread_mutex_unlock(&idx->lock);
}

void c1_cloud_index_remove(struct c1_cloud_index *idx, const char *account_id)
{
	pthread_mutex_lock(&idx->lock);
	struct s_node *n = s_find(idx, account_id, false);
	if (n && n->present) {
		n->present = false;
		idx->present--;
		free(n->role_arn);
		n->role_arn = NULL;
	}
	pthread_mutex_unlock(&idx->lock);
}

size_t c1_cloud_index_count(struct c1_cloud_index *idx)
{
	pthread_mutex_lock(&idx->lock);
	size_t n = idx->present;
	pthread_mutex_unlock(&idx->lock);
	return n;
}
