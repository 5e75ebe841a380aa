#include "engine/run/state.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/run/lock.h"
#include "reports/report_json.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define C1_STATE_BUSY_TIMEOUT_MS  10000
/* A checkpoint fsyncs the WAL and the db while holding the store's mutex,
 * stalling every worker (~100 ms each on a slow virtual disk); SQLite's
 * default of 1000 pages checkpoints every ~250 writes. 8000 pages (32 MiB)
 * makes that ~8x rarer; the WAL is cut back after each checkpoint. */
#define C1_STATE_CHECKPOINT_PAGES 8000
#define S_STR2(x)                 #x
#define S_STR(x)                  S_STR2(x)

/* Prepared statements by SQL text, kept for the connection's life: parsing
 * and planning the same few statements for every step write cost more CPU
 * than the writes (a 1,000-account run prepared ~40,000 statements). */
#define C1_STATE_STMT_CACHE 48

struct s_cached_stmt {
	char *sql;
	sqlite3_stmt *stmt;
	bool in_use;
};

/* Step and account rows of a run are grouped into one transaction for at
 * most this long (each commit is a WAL write and file locks: per row, they
 * cost more CPU than the onboarding). Ledger rows and run rows commit at
 * once, taking the group with them: what must survive a crash always does;
 * a killed run may lose the last moments of step bookkeeping, which the
 * ledger and the next run's look-ups make good. */
#define C1_STATE_GROUP_MS 250

struct c1_state {
	sqlite3 *db;
	int64_t group_started_ms;
	struct s_cached_stmt stmts[C1_STATE_STMT_CACHE];
	size_t nstmts;
	pthread_mutex_t mu;
	char *dir;
	char *db_path;
	const struct c1_clock *clock;
};

/* Schema migrations: entry N-1 takes the store from version N-1 to N. Append
 * only; never edit a shipped entry. */
static const char *const s_migrations[] = {
    /* 1 */
    "CREATE TABLE runs ("
    "  id TEXT PRIMARY KEY,"
    "  command TEXT NOT NULL,"
    "  strategy TEXT,"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('running','finished','interrupted','crashed')),"
    "  tool_version TEXT,"
    "  input_path TEXT,"
    "  input_sha256 TEXT,"
    "  options_json TEXT,"
    "  summary_json TEXT,"
    "  pid INTEGER);"
    "CREATE INDEX runs_status ON runs(status);"
    "CREATE TABLE accounts ("
    "  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  row INTEGER NOT NULL,"
    "  line INTEGER,"
    "  account_id TEXT NOT NULL,"
    "  region TEXT,"
    "  name TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('running','succeeded','unchanged','repaired','drifted',"
    "    'rolled_back','failed','invalid','not_started')),"
    "  started_at TEXT,"
    "  finished_at TEXT,"
    "  duration_ms INTEGER,"
    "  reason TEXT,"
    "  resources_json TEXT,"
    "  drift_json TEXT,"
    "  rollback_json TEXT,"
    "  PRIMARY KEY (run_id, row));"
    "CREATE TABLE steps ("
    "  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  account_id TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  step TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('pending','running','done','failed','undone','undo_failed',"
    "    'skipped')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  started_at TEXT,"
    "  finished_at TEXT,"
    "  error_code TEXT,"
    "  error_message TEXT,"
    "  http_status INTEGER,"
    "  request_id TEXT,"
    "  resource_kind TEXT,"
    "  resource_id TEXT,"
    "  PRIMARY KEY (run_id, account_id, region, step));"
    "CREATE TABLE tenants ("
    "  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  api_key_id TEXT NOT NULL,"
    "  c1_account_id TEXT,"
    "  c1_region TEXT,"
    "  visionone_status TEXT NOT NULL,"
    "  ws_external_id TEXT,"
    "  error TEXT,"
    "  PRIMARY KEY (run_id, api_key_id));"
    /* The ledger outlives runs: no foreign key to runs. */
    "CREATE TABLE resources ("
    "  account_id TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  physical_id TEXT,"
    "  state TEXT NOT NULL CHECK (state IN ('intent','created','delete_intent','deleted','adopted')),"
    "  created_by_run TEXT,"
    "  updated_by_run TEXT,"
    "  updated_at TEXT NOT NULL,"
    "  detail_json TEXT,"
    "  PRIMARY KEY (account_id, region, kind, name));"
    "CREATE INDEX resources_state ON resources(state);",
    /* 2: the `interrupted` account status (SPEC 5). SQLite cannot change a
     * CHECK constraint in place: the table is rebuilt with its rows. */
    "CREATE TABLE accounts_v2 ("
    "  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  row INTEGER NOT NULL,"
    "  line INTEGER,"
    "  account_id TEXT NOT NULL,"
    "  region TEXT,"
    "  name TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('running','succeeded','unchanged','repaired','drifted',"
    "    'rolled_back','failed','invalid','interrupted','not_started')),"
    "  started_at TEXT,"
    "  finished_at TEXT,"
    "  duration_ms INTEGER,"
    "  reason TEXT,"
    "  resources_json TEXT,"
    "  drift_json TEXT,"
    "  rollback_json TEXT,"
    "  PRIMARY KEY (run_id, row));"
    "INSERT INTO accounts_v2 SELECT run_id, row, line, account_id, region, name, status, started_at, "
    "  finished_at, duration_ms, reason, resources_json, drift_json, rollback_json FROM accounts;"
    "DROP TABLE accounts;"
    "ALTER TABLE accounts_v2 RENAME TO accounts;",
};

#define S_MIGRATIONS_LEN ((int)(sizeof(s_migrations) / sizeof(s_migrations[0])))

_Static_assert(S_MIGRATIONS_LEN == C1_STATE_SCHEMA_VERSION, "one migration per schema version");

static const char *const s_kind_names[] = {"stack", "ws_connector", "cloud_account", "visionone_link",
					   "cloudtrail_token"};
static const char *const s_res_state_names[] = {"intent", "created", "delete_intent", "deleted", "adopted"};

const char *c1_resource_kind_name(enum c1_resource_kind kind)
{
	return (int)kind >= 0 && kind < C1_RESOURCE_KIND_COUNT ? s_kind_names[kind] : "unknown";
}

const char *c1_resource_state_name(enum c1_resource_state state)
{
	return (int)state >= 0 && state < C1_RESOURCE_STATE_COUNT ? s_res_state_names[state] : "unknown";
}

static int s_fail(struct c1_state *st, const char *what)
{
	/* A full disk shows as SQLITE_FULL, or as an I/O error caused by ENOSPC (creating the WAL or
	 * its index): say so and how to go on, since SQLite's "disk I/O error" does not. */
	bool full = sqlite3_errcode(st->db) == SQLITE_FULL || sqlite3_system_errno(st->db) == ENOSPC;
	c1_error_set("state store %s: %s failed: %s%s", st->db_path, what, sqlite3_errmsg(st->db),
		     full ? " (no space left on the disk holding it: make room there and run again; what "
			    "the store recorded so far is kept)"
			  : "");
	return C1_ERROR;
}

static void s_lock(struct c1_state *st)
{
	pthread_mutex_lock(&st->mu);
}

static void s_unlock(struct c1_state *st)
{
	pthread_mutex_unlock(&st->mu);
}

static void s_now(struct c1_state *st, char out[32])
{
	c1_report_format_time(out, c1_clock_wall_ms(st->clock));
}

static int s_prepare(struct c1_state *st, sqlite3_stmt **out, const char *sql, const char *what)
{
	*out = NULL;
	for (size_t i = 0; i < st->nstmts; i++) {
		struct s_cached_stmt *c = &st->stmts[i];
		if (!c->in_use && strcmp(c->sql, sql) == 0) {
			c->in_use = true;
			*out = c->stmt;
			return 0;
		}
	}
	unsigned flags = st->nstmts < C1_STATE_STMT_CACHE ? SQLITE_PREPARE_PERSISTENT : 0;
	if (sqlite3_prepare_v3(st->db, sql, -1, flags, out, NULL) != SQLITE_OK)
		return s_fail(st, what);
	if (st->nstmts < C1_STATE_STMT_CACHE)
		st->stmts[st->nstmts++] = (struct s_cached_stmt){c1_strdup(sql), *out, true};
	return 0;
}

/* Done with a statement of s_prepare: a cached one is reset for the next use. */
static void s_finalize(struct c1_state *st, sqlite3_stmt *stmt)
{
	if (!stmt)
		return;
	for (size_t i = 0; i < st->nstmts; i++) {
		if (st->stmts[i].stmt == stmt) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			st->stmts[i].in_use = false;
			return;
		}
	}
	sqlite3_finalize(stmt);
}

static void s_stmt_cache_clear(struct c1_state *st)
{
	for (size_t i = 0; i < st->nstmts; i++) {
		sqlite3_finalize(st->stmts[i].stmt);
		free(st->stmts[i].sql);
	}
	st->nstmts = 0;
}

static void s_bind_text(sqlite3_stmt *stmt, int idx, const char *value)
{
	if (value)
		sqlite3_bind_text(stmt, idx, value, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, idx);
}

static void s_bind_time(sqlite3_stmt *stmt, int idx, int64_t unix_ms)
{
	char iso[32];
	if (unix_ms <= 0) {
		sqlite3_bind_null(stmt, idx);
		return;
	}
	c1_report_format_time(iso, unix_ms);
	sqlite3_bind_text(stmt, idx, iso, -1, SQLITE_TRANSIENT);
}

/* Run a statement that returns no rows; explains constraint failures. */
static int s_step_done(struct c1_state *st, sqlite3_stmt *stmt, const char *what)
{
	int src = sqlite3_step(stmt);
	if (src == SQLITE_DONE)
		return 0;
	if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_FOREIGNKEY) {
		c1_error_set("state store %s: %s: unknown run id", st->db_path, what);
		return C1_ENOTFOUND;
	}
	return s_fail(st, what);
}

static int s_exec(struct c1_state *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return s_fail(st, what);
	return 0;
}

/* The group's age is real time, whatever clock the store was given (a test's
 * fake clock that never moves must not hold a group open). */
static int64_t s_mono_ms(void)
{
	return c1_clock_monotonic_ms(c1_clock_system());
}

/* Lock held. Is the group open? Between calls the group is the only
 * transaction the store leaves open, so SQLite knows: and when SQLite rolls
 * it back by itself on an error (SQLITE_FULL, SQLITE_IOERR), the group is
 * gone and the next write opens a new one instead of running outside any. */
static bool s_group_open(struct c1_state *st)
{
	return st->db && !sqlite3_get_autocommit(st->db); /* no db: an open that failed early */
}

/* Lock held. Before a bookkeeping write: join (or open) the group. */
static void s_group_join(struct c1_state *st)
{
	if (!s_group_open(st) && sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		st->group_started_ms = s_mono_ms();
}

/* Lock held. After a write: commit the group when `now` or when it is old enough. */
static int s_group_commit(struct c1_state *st, bool now)
{
	if (!s_group_open(st))
		return 0;
	if (!now && s_mono_ms() - st->group_started_ms < C1_STATE_GROUP_MS)
		return 0;
	return s_exec(st, "COMMIT", "committing state rows");
}

int c1_state_flush(struct c1_state *st)
{
	if (!st)
		return 0;
	pthread_mutex_lock(&st->mu);
	int rc = s_group_commit(st, true);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static char *s_col_dup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *v = sqlite3_column_text(stmt, col);
	return v ? c1_strdup((const char *)v) : NULL;
}

static const char *s_col(sqlite3_stmt *stmt, int col)
{
	return (const char *)sqlite3_column_text(stmt, col);
}

static int s_mkdir_p(const char *dir)
{
	int rc = 0;
	char *copy = c1_strdup(dir);
	for (char *p = copy + 1; rc == 0 && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			rc = C1_ECONFIG;
		else
			*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
		rc = C1_ECONFIG;
	if (rc != 0)
		c1_error_set("cannot create state directory %s: %s; pick another --state-dir", copy,
			     strerror(errno));
	free(copy);
	return rc;
}

static int s_schema_version(struct c1_state *st, int *out)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	*out = 0;
	rc = s_prepare(st, &stmt, "SELECT COALESCE(MAX(version), 0) FROM schema_version",
		       "reading the schema version");
	if (rc != 0)
		goto cleanup;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = s_fail(st, "reading the schema version");
		goto cleanup;
	}
	*out = sqlite3_column_int(stmt, 0);
cleanup:
	s_finalize(st, stmt);
	return rc;
}

static int s_migrate(struct c1_state *st)
{
	int rc = 0;
	int version = 0;
	bool in_tx = false;
	if ((rc = s_exec(st, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
			 "creating the schema version table")) != 0)
		goto cleanup;
	/* IMMEDIATE takes the write lock first, so two processes never both
	 * decide to run the same migration. */
	if ((rc = s_exec(st, "BEGIN IMMEDIATE", "starting the schema migration")) != 0)
		goto cleanup;
	in_tx = true;
	if ((rc = s_schema_version(st, &version)) != 0)
		goto cleanup;
	if (version > C1_STATE_SCHEMA_VERSION) {
		c1_error_set(
		    "state store %s has schema version %d, newer than this c1onboard understands (%d); "
		    "upgrade c1onboard or use another --state-dir",
		    st->db_path, version, C1_STATE_SCHEMA_VERSION);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	for (int v = version + 1; v <= C1_STATE_SCHEMA_VERSION; v++) {
		char insert[80];
		if ((rc = s_exec(st, s_migrations[v - 1], "migrating the schema")) != 0)
			goto cleanup;
		snprintf(insert, sizeof(insert), "INSERT INTO schema_version(version) VALUES (%d)", v);
		if ((rc = s_exec(st, insert, "recording the schema version")) != 0)
			goto cleanup;
	}
	if ((rc = s_exec(st, "COMMIT", "committing the schema migration")) == 0)
		in_tx = false;
cleanup:
	if (in_tx)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A run still `running` whose process is gone died without finishing. The
 * lock is the witness: free means no live run; held by us means only the run
 * it names is live. Held by someone else: leave everything alone (their run
 * may have begun before they wrote its id into the lock file). */
/* 'running' runs whose recorded process no longer exists. A recycled pid keeps its run
 * 'running' until a later look: that errs on leaving a live run alone. */
static int s_mark_dead_runs_crashed(struct c1_state *st)
{
	sqlite3_stmt *stmt = NULL;
	char **dead = NULL;
	size_t n = 0;
	int rc = s_prepare(st, &stmt, "SELECT id, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL",
			   "looking for unfinished runs");
	if (rc != 0)
		return rc;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		pid_t pid = (pid_t)sqlite3_column_int64(stmt, 1);
		if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
			dead = c1_realloc(dead, (n + 1) * sizeof(*dead));
			dead[n++] = c1_strdup(s_col(stmt, 0));
		}
	}
	s_finalize(st, stmt);
	char now[32];
	s_now(st, now);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 &&
		    (rc = s_prepare(st, &stmt,
				    "UPDATE runs SET status = 'crashed', finished_at = "
				    "COALESCE(finished_at, ?1) WHERE id = ?2 AND status = 'running'",
				    "marking crashed runs")) == 0) {
			s_bind_text(stmt, 1, now);
			s_bind_text(stmt, 2, dead[i]);
			rc = s_step_done(st, stmt, "marking crashed runs");
			s_finalize(st, stmt);
		}
		free(dead[i]);
	}
	free(dead);
	return rc;
}

static int s_mark_crashed(struct c1_state *st)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	struct c1_lock_holder holder;
	int running = 0;
	char now[32];

	rc = s_prepare(st, &stmt, "SELECT COUNT(*) FROM runs WHERE status = 'running'",
		       "looking for unfinished runs");
	if (rc != 0)
		goto cleanup;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		running = sqlite3_column_int(stmt, 0);
	s_finalize(st, stmt);
	stmt = NULL;
	if (running == 0)
		goto cleanup;
	rc = c1_lock_probe(&holder, st->dir);
	if (rc != 0)
		goto cleanup;
	if (holder.held && (holder.pid != getpid() || holder.shared)) {
		/* Others may be running: only a run whose process is gone has crashed. */
		rc = s_mark_dead_runs_crashed(st);
		goto cleanup;
	}
	rc = s_prepare(st, &stmt,
		       "UPDATE runs SET status = 'crashed', finished_at = COALESCE(finished_at, ?1) "
		       "WHERE status = 'running' AND id IS NOT ?2",
		       "marking crashed runs");
	if (rc != 0)
		goto cleanup;
	s_now(st, now);
	s_bind_text(stmt, 1, now);
	s_bind_text(stmt, 2, holder.held ? holder.run_id : NULL);
	rc = s_step_done(st, stmt, "marking crashed runs");
cleanup:
	s_finalize(st, stmt);
	return rc;
}

static int s_pragma_check(struct c1_state *st, const char *sql, const char *expect, const char *what)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	if ((rc = s_prepare(st, &stmt, sql, what)) != 0)
		goto cleanup;
	if (sqlite3_step(stmt) != SQLITE_ROW || !s_col(stmt, 0) || strcmp(s_col(stmt, 0), expect) != 0) {
		c1_error_set("state store %s: %s failed (the file system may not support it; use a local "
			     "--state-dir)",
			     st->db_path, what);
		rc = C1_ERROR;
	}
cleanup:
	s_finalize(st, stmt);
	return rc;
}

int c1_state_open(struct c1_state **out, const char *state_dir)
{
	int rc = C1_ERROR;
	struct c1_state *st = NULL;
	int fd = -1;

	*out = NULL;
	if ((rc = s_mkdir_p(state_dir)) != 0)
		goto cleanup;
	st = c1_calloc(1, sizeof(*st));
	/* Recursive: c1_state_resource_found reads and writes through the public
	 * functions while holding the lock for the whole read-modify-write. */
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&st->mu, &attr);
	pthread_mutexattr_destroy(&attr);
	st->clock = c1_clock_system();
	st->dir = c1_strdup(state_dir);
	st->db_path = c1_asprintf("%s/state.db", state_dir);
	/* Create the file ourselves so it starts 0600; SQLite gives the -wal
	 * and -shm files the database file's mode. */
	fd = open(st->db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		c1_error_set("cannot open state store %s: %s; check the permissions of --state-dir",
			     st->db_path, strerror(errno));
		rc = C1_ECONFIG;
		goto cleanup;
	}
	close(fd);
	if (sqlite3_open_v2(st->db_path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = s_fail(st, "opening");
		goto cleanup;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, C1_STATE_BUSY_TIMEOUT_MS);
	if ((rc = s_pragma_check(st, "PRAGMA journal_mode=WAL", "wal", "switching to WAL")) != 0 ||
	    (rc = s_exec(st, "PRAGMA synchronous=NORMAL", "setting synchronous")) != 0 ||
	    (rc = s_exec(st, "PRAGMA wal_autocheckpoint=" S_STR(C1_STATE_CHECKPOINT_PAGES),
			 "setting checkpoints")) != 0 ||
	    (rc = s_exec(st, "PRAGMA journal_size_limit=67108864", "limiting the WAL size")) != 0 ||
	    (rc = s_exec(st, "PRAGMA foreign_keys=ON", "enabling foreign keys")) != 0 ||
	    (rc = s_migrate(st)) != 0 || (rc = s_mark_crashed(st)) != 0)
		goto cleanup;
	/* Test knob: a database that cannot grow past N pages fails its writes
	 * with SQLITE_FULL, as on a full disk (integration.engine_state_full). */
	const char *max_pages = getenv("C1ONBOARD_STATE_MAX_PAGES");
	if (max_pages && *max_pages) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%ld", strtol(max_pages, NULL, 10));
		if ((rc = s_exec(st, sql, "capping the database size")) != 0)
			goto cleanup;
	}
	*out = st;
	st = NULL;
	rc = 0;
cleanup:
	c1_state_close(st);
	return rc;
}

void c1_state_close(struct c1_state *st)
{
	if (!st)
		return;
	s_group_commit(st, true);
	s_stmt_cache_clear(st);
	sqlite3_close(st->db);
	pthread_mutex_destroy(&st->mu);
	free(st->dir);
	free(st->db_path);
	free(st);
}

void c1_state_set_clock(struct c1_state *st, const struct c1_clock *clock)
{
	s_lock(st);
	st->clock = clock ? clock : c1_clock_system();
	s_unlock(st);
}

const char *c1_state_db_path(const struct c1_state *st)
{
	return st->db_path;
}

int c1_state_integrity_check(struct c1_state *st)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	s_lock(st);
	if ((rc = s_prepare(st, &stmt, "PRAGMA integrity_check", "integrity check")) != 0)
		goto cleanup;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = s_fail(st, "integrity check");
		goto cleanup;
	}
	if (!s_col(stmt, 0) || strcmp(s_col(stmt, 0), "ok") != 0) {
		c1_error_set("state store %s is damaged: %s; move it away to start afresh", st->db_path,
			     s_col(stmt, 0) ? s_col(stmt, 0) : "unknown problem");
		rc = C1_ERROR;
	}
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

/* ---- runs ---- */

static bool s_is_json_object(const char *text)
{
	json_t *v = NULL;
	bool ok = c1_json_parse(&v, c1_str_from(text), 0, 0) == 0 && json_is_object(v);
	json_decref(v);
	return ok;
}

static void s_make_run_id(struct c1_state *st, char out[C1_STATE_RUN_ID_SIZE])
{
	int64_t ms = c1_clock_wall_ms(st->clock);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	unsigned char rnd[2] = {0, 0};
	char wide[128];
	size_t len;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		/* Uniqueness only needs to beat runs started in the same second;
		 * the insert retries on a clash. */
		rnd[0] = (unsigned char)(ms & 0xff);
		rnd[1] = (unsigned char)((ms >> 8) ^ getpid());
	}
	gmtime_r(&secs, &tm);
	/* Formatted wide first: the compiler cannot see that tm's fields are small. */
	snprintf(wide, sizeof(wide), "%04d%02d%02dT%02d%02d%02dZ-%02x%02x", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rnd[0], rnd[1]);
	len = strnlen(wide, C1_STATE_RUN_ID_SIZE - 1);
	memcpy(out, wide, len);
	out[len] = '\0';
}

int c1_state_run_begin(struct c1_state *st, const struct c1_state_run_info *info,
		       char out_id[C1_STATE_RUN_ID_SIZE])
{
	int rc = C1_ERROR;
	sqlite3_stmt *stmt = NULL;
	char now[32];

	out_id[0] = '\0';
	if (!info->command || !*info->command) {
		c1_error_set("a run needs a command name");
		return C1_EINVALID;
	}
	if (info->options_json && !s_is_json_object(info->options_json)) {
		c1_error_set("run options must be a JSON object");
		return C1_EINVALID;
	}
	s_lock(st);
	rc = s_prepare(
	    st, &stmt,
	    "INSERT INTO runs(id, command, strategy, started_at, status, tool_version, input_path, "
	    "input_sha256, options_json, pid) VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7, ?8, ?9)",
	    "beginning a run");
	if (rc != 0)
		goto cleanup;
	for (int attempt = 0;; attempt++) {
		char id[C1_STATE_RUN_ID_SIZE];
		int src;
		s_make_run_id(st, id);
		s_now(st, now);
		sqlite3_reset(stmt);
		s_bind_text(stmt, 1, id);
		s_bind_text(stmt, 2, info->command);
		s_bind_text(stmt, 3, info->strategy);
		s_bind_text(stmt, 4, now);
		s_bind_text(stmt, 5, info->tool_version);
		s_bind_text(stmt, 6, info->input_path);
		s_bind_text(stmt, 7, info->input_sha256);
		s_bind_text(stmt, 8, info->options_json);
		sqlite3_bind_int64(stmt, 9, (sqlite3_int64)getpid());
		src = sqlite3_step(stmt);
		if (src == SQLITE_DONE) {
			memcpy(out_id, id, sizeof(id));
			rc = 0;
			break;
		}
		if (sqlite3_extended_errcode(st->db) != SQLITE_CONSTRAINT_PRIMARYKEY || attempt >= 16) {
			rc = s_fail(st, "beginning a run");
			break;
		}
	}
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_run_finish(struct c1_state *st, const char *run_id, enum c1_run_status status,
			const char *summary_json)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	char now[32];

	if ((int)status < 0 || status >= C1_RUN_STATUS_COUNT) {
		c1_error_set("invalid run status %d", (int)status);
		return C1_EINVALID;
	}
	s_lock(st);
	rc = s_prepare(
	    st, &stmt,
	    "UPDATE runs SET status = ?2, finished_at = ?3, summary_json = COALESCE(?4, summary_json) "
	    "WHERE id = ?1",
	    "finishing a run");
	if (rc != 0)
		goto cleanup;
	s_now(st, now);
	s_bind_text(stmt, 1, run_id);
	s_bind_text(stmt, 2, c1_run_status_name(status));
	s_bind_text(stmt, 3, status == C1_RUN_RUNNING ? NULL : now);
	s_bind_text(stmt, 4, summary_json);
	if ((rc = s_step_done(st, stmt, "finishing a run")) != 0)
		goto cleanup;
	if (sqlite3_changes(st->db) == 0) {
		c1_error_set("state store %s has no run %s", st->db_path, run_id);
		rc = C1_ENOTFOUND;
	}
	int crc = s_group_commit(st, true);
	if (rc == 0)
		rc = crc;
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_run_latest(struct c1_state *st, const char *command, char out_id[C1_STATE_RUN_ID_SIZE])
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	out_id[0] = '\0';
	s_lock(st);
	rc = s_prepare(
	    st, &stmt,
	    "SELECT id FROM runs WHERE ?1 IS NULL OR command = ?1 ORDER BY started_at DESC, rowid DESC "
	    "LIMIT 1",
	    "finding the latest run");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, command);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		c1_error_set("state store %s holds no %s run yet", st->db_path, command ? command : "");
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	snprintf(out_id, C1_STATE_RUN_ID_SIZE, "%s", s_col(stmt, 0) ? s_col(stmt, 0) : "");
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_run_status(struct c1_state *st, const char *run_id, enum c1_run_status *out)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	s_lock(st);
	if ((rc = s_prepare(st, &stmt, "SELECT status FROM runs WHERE id = ?1", "reading a run")) != 0)
		goto cleanup;
	s_bind_text(stmt, 1, run_id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		c1_error_set("state store %s has no run %s", st->db_path, run_id);
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	rc = c1_run_status_parse(out, s_col(stmt, 0));
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

/* ---- accounts, steps, tenants ---- */

int c1_state_account_upsert(struct c1_state *st, const char *run_id, const struct c1_state_account *a)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;

	if ((int)a->status < 0 || a->status > C1_ACCOUNT_RUNNING) {
		c1_error_set("invalid account status %d", (int)a->status);
		return C1_EINVALID;
	}
	s_lock(st);
	rc = s_prepare(
	    st, &stmt,
	    "INSERT INTO accounts(run_id, row, line, account_id, region, name, status, started_at, "
	    "finished_at, duration_ms, reason, resources_json, drift_json, rollback_json) "
	    /* A final write may omit account_id; NOT NULL is checked before the
	     * conflict, so fill it from the stored row. */
	    "VALUES (?1, ?2, ?3, COALESCE(?4, (SELECT account_id FROM accounts WHERE run_id = ?1 AND "
	    "row = ?2)), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
	    "ON CONFLICT(run_id, row) DO UPDATE SET "
	    "line = COALESCE(excluded.line, line), account_id = COALESCE(excluded.account_id, account_id), "
	    "region = COALESCE(excluded.region, region), name = COALESCE(excluded.name, name), "
	    "status = excluded.status, started_at = COALESCE(excluded.started_at, started_at), "
	    "finished_at = COALESCE(excluded.finished_at, finished_at), "
	    "duration_ms = COALESCE(excluded.duration_ms, duration_ms), "
	    "reason = COALESCE(excluded.reason, reason), "
	    "resources_json = COALESCE(excluded.resources_json, resources_json), "
	    "drift_json = COALESCE(excluded.drift_json, drift_json), "
	    "rollback_json = COALESCE(excluded.rollback_json, rollback_json)",
	    "recording an account");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, run_id);
	sqlite3_bind_int(stmt, 2, a->row);
	if (a->line > 0)
		sqlite3_bind_int(stmt, 3, a->line);
	else
		sqlite3_bind_null(stmt, 3);
	s_bind_text(stmt, 4, a->account_id);
	s_bind_text(stmt, 5, a->region);
	s_bind_text(stmt, 6, a->name);
	s_bind_text(stmt, 7, c1_account_status_name(a->status));
	s_bind_time(stmt, 8, a->started_at_ms);
	s_bind_time(stmt, 9, a->finished_at_ms);
	if (a->duration_ms >= 0)
		sqlite3_bind_int64(stmt, 10, a->duration_ms);
	else
		sqlite3_bind_null(stmt, 10);
	s_bind_text(stmt, 11, a->reason);
	s_bind_text(stmt, 12, a->resources_json);
	s_bind_text(stmt, 13, a->drift_json);
	s_bind_text(stmt, 14, a->rollback_json);
	s_group_join(st);
	rc = s_step_done(st, stmt, "recording an account");
	if (rc == 0)
		rc = s_group_commit(st, false);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_step_start(struct c1_state *st, const char *run_id, const char *account_id, const char *region,
			const char *step)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	char now[32];
	s_lock(st);
	rc = s_prepare(st, &stmt,
		       "INSERT INTO steps(run_id, account_id, region, step, status, attempts, started_at) "
		       "VALUES (?1, ?2, ?3, ?4, 'running', 1, ?5) "
		       "ON CONFLICT(run_id, account_id, region, step) DO UPDATE SET status = 'running', "
		       "attempts = attempts + 1, started_at = COALESCE(started_at, excluded.started_at), "
		       "finished_at = NULL",
		       "recording a step start");
	if (rc != 0)
		goto cleanup;
	s_now(st, now);
	s_bind_text(stmt, 1, run_id);
	s_bind_text(stmt, 2, account_id);
	s_bind_text(stmt, 3, region ? region : "");
	s_bind_text(stmt, 4, step);
	s_bind_text(stmt, 5, now);
	s_group_join(st);
	rc = s_step_done(st, stmt, "recording a step start");
	if (rc == 0)
		rc = s_group_commit(st, false);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_step_finish(struct c1_state *st, const char *run_id, const char *account_id, const char *region,
			 const char *step, const struct c1_state_step_outcome *o)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	char now[32];
	if ((int)o->status < 0 || o->status >= C1_STEP_STATUS_COUNT) {
		c1_error_set("invalid step status %d", (int)o->status);
		return C1_EINVALID;
	}
	s_lock(st);
	rc =
	    s_prepare(st, &stmt,
		      "INSERT INTO steps(run_id, account_id, region, step, status, attempts, finished_at, "
		      "error_code, error_message, http_status, request_id, resource_kind, resource_id) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
		      "ON CONFLICT(run_id, account_id, region, step) DO UPDATE SET status = excluded.status, "
		      "finished_at = excluded.finished_at, error_code = excluded.error_code, "
		      "error_message = excluded.error_message, http_status = excluded.http_status, "
		      "request_id = excluded.request_id, "
		      "resource_kind = COALESCE(excluded.resource_kind, resource_kind), "
		      "resource_id = COALESCE(excluded.resource_id, resource_id)",
		      "recording a step outcome");
	if (rc != 0)
		goto cleanup;
	s_now(st, now);
	s_bind_text(stmt, 1, run_id);
	s_bind_text(stmt, 2, account_id);
	s_bind_text(stmt, 3, region ? region : "");
	s_bind_text(stmt, 4, step);
	s_bind_text(stmt, 5, c1_step_status_name(o->status));
	s_bind_text(stmt, 6, o->status == C1_STEP_PENDING || o->status == C1_STEP_RUNNING ? NULL : now);
	s_bind_text(stmt, 7, o->error_code);
	s_bind_text(stmt, 8, o->error_message);
	if (o->http_status > 0)
		sqlite3_bind_int64(stmt, 9, o->http_status);
	else
		sqlite3_bind_null(stmt, 9);
	s_bind_text(stmt, 10, o->request_id);
	s_bind_text(stmt, 11, o->resource_kind);
	s_bind_text(stmt, 12, o->resource_id);
	s_group_join(st);
	rc = s_step_done(st, stmt, "recording a step outcome");
	if (rc == 0)
		rc = s_group_commit(st, false);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_tenant_upsert(struct c1_state *st, const char *run_id, const struct c1_state_tenant *t)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	if ((int)t->visionone < 0 || t->visionone >= C1_V1_STATUS_COUNT || !t->api_key_id) {
		c1_error_set("a tenant needs an API key id and a valid Vision One status");
		return C1_EINVALID;
	}
	s_lock(st);
	rc = s_prepare(st, &stmt,
		       "INSERT INTO tenants(run_id, api_key_id, c1_account_id, c1_region, visionone_status, "
		       "ws_external_id, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		       "ON CONFLICT(run_id, api_key_id) DO UPDATE SET "
		       "c1_account_id = COALESCE(excluded.c1_account_id, c1_account_id), "
		       "c1_region = COALESCE(excluded.c1_region, c1_region), "
		       "visionone_status = excluded.visionone_status, "
		       "ws_external_id = COALESCE(excluded.ws_external_id, ws_external_id), "
		       "error = COALESCE(excluded.error, error)",
		       "recording a tenant");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, run_id);
	s_bind_text(stmt, 2, t->api_key_id);
	s_bind_text(stmt, 3, t->c1_account_id);
	s_bind_text(stmt, 4, t->c1_region);
	s_bind_text(stmt, 5, c1_visionone_status_name(t->visionone));
	s_bind_text(stmt, 6, t->ws_external_id);
	s_bind_text(stmt, 7, t->error);
	s_group_join(st);
	rc = s_step_done(st, stmt, "recording a tenant");
	if (rc == 0)
		rc = s_group_commit(st, false);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

/* ---- resource ledger ---- */

#define S_RES_INSERT                                                                                 \
	"INSERT INTO resources(account_id, region, kind, name, physical_id, state, created_by_run, " \
	"updated_by_run, updated_at, detail_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) " \
	"ON CONFLICT(account_id, region, kind, name) DO UPDATE SET state = excluded.state, "         \
	"updated_by_run = excluded.updated_by_run, updated_at = excluded.updated_at, "               \
	"detail_json = COALESCE(excluded.detail_json, detail_json), "

static int s_resource_write(struct c1_state *st, const struct c1_resource_key *key,
			    enum c1_resource_state state, const char *run_id, const char *created_by_run,
			    const char *physical_id, const char *detail_json, const char *sql)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	char now[32];
	const char *what = c1_resource_state_name(state);

	if (!key->account_id || !key->region || !key->name || (int)key->kind < 0 ||
	    key->kind >= C1_RESOURCE_KIND_COUNT) {
		c1_error_set("a ledger key needs an account id, a region, a kind and a name");
		return C1_EINVALID;
	}
	s_lock(st);
	if ((rc = s_prepare(st, &stmt, sql, "writing the resource ledger")) != 0)
		goto cleanup;
	s_now(st, now);
	s_bind_text(stmt, 1, key->account_id);
	s_bind_text(stmt, 2, key->region);
	s_bind_text(stmt, 3, c1_resource_kind_name(key->kind));
	s_bind_text(stmt, 4, key->name);
	s_bind_text(stmt, 5, physical_id);
	s_bind_text(stmt, 6, what);
	s_bind_text(stmt, 7, created_by_run);
	s_bind_text(stmt, 8, run_id);
	s_bind_text(stmt, 9, now);
	s_bind_text(stmt, 10, detail_json);
	s_group_join(st);
	rc = s_step_done(st, stmt, "writing the resource ledger");
	/* An intent is durable before the remote call it announces (and the group
	 * with it). An outcome may wait for the group: lost in a crash, it leaves
	 * the intent, which the next run resolves by looking the resource up. */
	s_finalize(st, stmt);
	stmt = NULL;
	if (rc == 0)
		rc = s_group_commit(st, state == C1_RESOURCE_INTENT || state == C1_RESOURCE_DELETE_INTENT);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_resource_intent(struct c1_state *st, const struct c1_resource_key *key, const char *run_id,
			     const char *detail_json)
{
	/* A row that was deleted starts a new life: forget its old id and creator. */
	return s_resource_write(st, key, C1_RESOURCE_INTENT, run_id, run_id, NULL, detail_json,
				S_RES_INSERT
				"physical_id = CASE WHEN state = 'deleted' THEN NULL ELSE physical_id END, "
				"created_by_run = CASE WHEN state = 'deleted' THEN excluded.created_by_run "
				"ELSE created_by_run END");
}

int c1_state_resource_created(struct c1_state *st, const struct c1_resource_key *key, const char *run_id,
			      const char *physical_id, const char *detail_json)
{
	return s_resource_write(st, key, C1_RESOURCE_CREATED, run_id, run_id, physical_id, detail_json,
				S_RES_INSERT "physical_id = COALESCE(excluded.physical_id, physical_id), "
					     "created_by_run = excluded.created_by_run");
}

int c1_state_resource_adopted(struct c1_state *st, const struct c1_resource_key *key, const char *run_id,
			      const char *physical_id, const char *detail_json)
{
	return s_resource_write(st, key, C1_RESOURCE_ADOPTED, run_id, NULL, physical_id, detail_json,
				S_RES_INSERT "physical_id = COALESCE(excluded.physical_id, physical_id)");
}

int c1_state_resource_delete_intent(struct c1_state *st, const struct c1_resource_key *key,
				    const char *run_id)
{
	return s_resource_write(st, key, C1_RESOURCE_DELETE_INTENT, run_id, NULL, NULL, NULL,
				S_RES_INSERT "physical_id = physical_id");
}

int c1_state_resource_deleted(struct c1_state *st, const struct c1_resource_key *key, const char *run_id)
{
	return s_resource_write(st, key, C1_RESOURCE_DELETED, run_id, NULL, NULL, NULL,
				S_RES_INSERT "physical_id = physical_id");
}

#define S_RES_COLUMNS                                                                                 \
	"SELECT account_id, region, kind, name, physical_id, state, created_by_run, updated_by_run, " \
	"updated_at, detail_json FROM resources "

static int s_parse_name(int *out, const char *const *names, int count, const char *name)
{
	for (int i = 0; name && i < count; i++) {
		if (strcmp(names[i], name) == 0) {
			*out = i;
			return 0;
		}
	}
	return C1_ERROR;
}

static int s_resource_from_row(struct c1_state *st, sqlite3_stmt *stmt, struct c1_resource *r)
{
	int kind = 0;
	int state = 0;
	memset(r, 0, sizeof(*r));
	if (s_parse_name(&kind, s_kind_names, C1_RESOURCE_KIND_COUNT, s_col(stmt, 2)) != 0 ||
	    s_parse_name(&state, s_res_state_names, C1_RESOURCE_STATE_COUNT, s_col(stmt, 5)) != 0) {
		c1_error_set("state store %s: resource ledger row has an unknown kind or state", st->db_path);
		return C1_ERROR;
	}
	r->account_id = s_col_dup(stmt, 0);
	r->region = s_col_dup(stmt, 1);
	r->kind = (enum c1_resource_kind)kind;
	r->name = s_col_dup(stmt, 3);
	r->physical_id = s_col_dup(stmt, 4);
	r->state = (enum c1_resource_state)state;
	r->created_by_run = s_col_dup(stmt, 6);
	r->updated_by_run = s_col_dup(stmt, 7);
	r->updated_at = s_col_dup(stmt, 8);
	r->detail_json = s_col_dup(stmt, 9);
	return 0;
}

/*
 * Did the finished run `run_id` leave this account onboarded? A run that
 * created a resource and then failed, rolled back part-way or stopped
 * recorded the account as such: its leftovers are unfinished business, not
 * a working integration. No row at all says nothing: keep (false).
 */
static bool s_run_left_account_unfinished(struct c1_state *st, const char *run_id,
					  const struct c1_resource_key *key)
{
	sqlite3_stmt *stmt = NULL;
	bool rows = false, onboarded = false;
	if (s_prepare(st, &stmt,
		      "SELECT status FROM accounts WHERE run_id = ?1 AND account_id = ?2 "
		      "AND (region = ?3 OR region IS NULL)",
		      "reading a run's accounts") != 0)
		return false;
	s_bind_text(stmt, 1, run_id);
	s_bind_text(stmt, 2, key->account_id);
	s_bind_text(stmt, 3, key->region);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		enum c1_account_status status;
		rows = true;
		if (c1_account_status_parse(&status, s_col(stmt, 0)) != 0 ||
		    c1_account_status_onboarded(status))
			onboarded = true;
	}
	s_finalize(st, stmt);
	return rows && !onboarded;
}

int c1_state_resource_found(struct c1_state *st, const struct c1_resource_key *key, const char *run_id,
			    const char *physical_id, bool *ours)
{
	struct c1_resource r = {0};
	int rc;
	*ours = false;
	s_lock(st);
	rc = c1_state_resource_get(st, key, &r);
	if (rc == C1_ENOTFOUND) {
		rc = c1_state_resource_adopted(st, key, run_id, physical_id, NULL);
	} else if (rc == 0 && (r.state == C1_RESOURCE_INTENT || r.state == C1_RESOURCE_CREATED ||
			       r.state == C1_RESOURCE_DELETE_INTENT)) {
		enum c1_run_status creator = C1_RUN_FINISHED;
		if (r.created_by_run && strcmp(r.created_by_run, run_id) == 0)
			*ours = true;
		else if (r.created_by_run && c1_state_run_status(st, r.created_by_run, &creator) == 0 &&
			 (creator != C1_RUN_FINISHED ||
			  s_run_left_account_unfinished(st, r.created_by_run, key)))
			*ours = true;
		if (r.state != C1_RESOURCE_CREATED && r.created_by_run)
			rc = c1_state_resource_created(st, key, r.created_by_run, physical_id, NULL);
	} else if (rc == 0 && r.state == C1_RESOURCE_DELETED) {
		rc = c1_state_resource_adopted(st, key, run_id, physical_id, NULL);
	}
	/* A failed write after a good read keeps the verdict: the ledger said so. */
	s_unlock(st);
	c1_resource_dispose(&r);
	return rc;
}

int c1_state_resource_get(struct c1_state *st, const struct c1_resource_key *key, struct c1_resource *out)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	int src;
	memset(out, 0, sizeof(*out));
	s_lock(st);
	rc = s_prepare(st, &stmt,
		       S_RES_COLUMNS "WHERE account_id = ?1 AND region = ?2 AND kind = ?3 AND name = ?4",
		       "reading the resource ledger");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, key->account_id);
	s_bind_text(stmt, 2, key->region);
	s_bind_text(stmt, 3, c1_resource_kind_name(key->kind));
	s_bind_text(stmt, 4, key->name);
	src = sqlite3_step(stmt);
	if (src == SQLITE_DONE) {
		c1_error_set("no %s %s recorded for account %s in %s", c1_resource_kind_name(key->kind),
			     key->name ? key->name : "", key->account_id ? key->account_id : "",
			     key->region ? key->region : "");
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	if (src != SQLITE_ROW) {
		rc = s_fail(st, "reading the resource ledger");
		goto cleanup;
	}
	rc = s_resource_from_row(st, stmt, out);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

/* Collect every row of a prepared, bound query; the caller holds the lock. */
static int s_resource_collect(struct c1_state *st, sqlite3_stmt *stmt, struct c1_resource_list *out)
{
	int src;
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct c1_resource *grown = c1_realloc(out->items, (out->len + 1) * sizeof(*out->items));
		out->items = grown;
		if (s_resource_from_row(st, stmt, &out->items[out->len]) != 0)
			return C1_ERROR;
		out->len++;
	}
	if (src != SQLITE_DONE)
		return s_fail(st, "reading the resource ledger");
	return 0;
}

int c1_state_resource_list_for_account(struct c1_state *st, const char *account_id, const char *region,
				       struct c1_resource_list *out)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	out->items = NULL;
	out->len = 0;
	s_lock(st);
	rc = s_prepare(st, &stmt,
		       S_RES_COLUMNS
		       "WHERE account_id = ?1 AND (?2 IS NULL OR region = ?2) ORDER BY kind, name, region",
		       "reading the resource ledger");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, account_id);
	s_bind_text(stmt, 2, region);
	rc = s_resource_collect(st, stmt, out);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	if (rc != 0)
		c1_resource_list_dispose(out);
	return rc;
}

int c1_state_resource_list_pending(struct c1_state *st, struct c1_resource_list *out)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	out->items = NULL;
	out->len = 0;
	s_lock(st);
	rc = s_prepare(st, &stmt,
		       S_RES_COLUMNS
		       "WHERE state IN ('intent', 'delete_intent') ORDER BY account_id, region, kind, name",
		       "reading the resource ledger");
	if (rc != 0)
		goto cleanup;
	rc = s_resource_collect(st, stmt, out);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	if (rc != 0)
		c1_resource_list_dispose(out);
	return rc;
}

void c1_resource_dispose(struct c1_resource *r)
{
	if (!r)
		return;
	free(r->account_id);
	free(r->region);
	free(r->name);
	free(r->physical_id);
	free(r->created_by_run);
	free(r->updated_by_run);
	free(r->updated_at);
	free(r->detail_json);
	memset(r, 0, sizeof(*r));
}

void c1_resource_list_dispose(struct c1_resource_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->len; i++)
		c1_resource_dispose(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->len = 0;
}

/* ---- loading a run ---- */

static int s_load_run(struct c1_state *st, const char *run_id, struct c1_report *r)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	int src;
	rc = s_prepare(st, &stmt,
		       "SELECT command, strategy, started_at, finished_at, status, tool_version, input_path, "
		       "input_sha256, options_json FROM runs WHERE id = ?1",
		       "reading a run");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, run_id);
	src = sqlite3_step(stmt);
	if (src == SQLITE_DONE) {
		c1_error_set(
		    "state store %s has no run %s; `c1onboard report` without --run shows the latest",
		    st->db_path, run_id);
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	if (src != SQLITE_ROW) {
		rc = s_fail(st, "reading a run");
		goto cleanup;
	}
	r->run.id = c1_strdup(run_id);
	r->run.command = s_col_dup(stmt, 0);
	r->run.strategy = s_col_dup(stmt, 1);
	r->run.started_at = s_col_dup(stmt, 2);
	r->run.finished_at = s_col_dup(stmt, 3);
	if (c1_run_status_parse(&r->run.status, s_col(stmt, 4)) != 0)
		r->run.status = C1_RUN_CRASHED;
	r->run.tool_version = s_col_dup(stmt, 5);
	r->run.input_path = s_col_dup(stmt, 6);
	r->run.input_sha256 = s_col_dup(stmt, 7);
	r->run.options_json = s_col_dup(stmt, 8);
cleanup:
	s_finalize(st, stmt);
	return rc;
}

static int s_load_tenants(struct c1_state *st, const char *run_id, struct c1_report *r)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	int src;
	rc = s_prepare(
	    st, &stmt,
	    "SELECT c1_account_id, c1_region, visionone_status, error FROM tenants WHERE run_id = ?1 "
	    "ORDER BY rowid",
	    "reading tenants");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, run_id);
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct c1_report_tenant *t = c1_report_add_tenant(r);
		t->c1_account_id = s_col_dup(stmt, 0);
		t->c1_region = s_col_dup(stmt, 1);
		if (c1_visionone_status_parse(&t->visionone, s_col(stmt, 2)) != 0)
			t->visionone = C1_V1_UNKNOWN;
		t->error = s_col_dup(stmt, 3);
	}
	if (src != SQLITE_DONE)
		rc = s_fail(st, "reading tenants");
cleanup:
	s_finalize(st, stmt);
	return rc;
}

static int s_load_steps(struct c1_state *st, sqlite3_stmt *stmt, struct c1_report_account *a)
{
	int src;
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct c1_report_step *s = c1_report_account_add_step(a);
		s->name = s_col_dup(stmt, 0);
		if (c1_step_status_parse(&s->status, s_col(stmt, 1)) != 0)
			s->status = C1_STEP_FAILED;
		s->attempts = sqlite3_column_int(stmt, 2);
		s->started_at = s_col_dup(stmt, 3);
		s->finished_at = s_col_dup(stmt, 4);
		if (sqlite3_column_type(stmt, 5) != SQLITE_NULL ||
		    sqlite3_column_type(stmt, 6) != SQLITE_NULL) {
			s->has_error = true;
			s->error.code = s_col_dup(stmt, 5);
			s->error.message = s_col_dup(stmt, 6);
			s->error.http_status = (long)sqlite3_column_int64(stmt, 7);
			s->error.request_id = s_col_dup(stmt, 8);
		}
	}
	if (src != SQLITE_DONE)
		return s_fail(st, "reading steps");
	return 0;
}

static int s_load_accounts(struct c1_state *st, const char *run_id, struct c1_report *r)
{
	int rc = 0;
	sqlite3_stmt *stmt = NULL;
	sqlite3_stmt *steps = NULL;
	int src;
	rc = s_prepare(st, &stmt,
		       "SELECT row, account_id, region, name, status, duration_ms, reason, resources_json, "
		       "drift_json, rollback_json FROM accounts WHERE run_id = ?1 ORDER BY row",
		       "reading accounts");
	if (rc != 0)
		goto cleanup;
	rc = s_prepare(
	    st, &steps,
	    "SELECT step, status, attempts, started_at, finished_at, error_code, error_message, "
	    "http_status, request_id FROM steps WHERE run_id = ?1 AND account_id = ?2 AND region = ?3 "
	    "ORDER BY rowid",
	    "reading steps");
	if (rc != 0)
		goto cleanup;
	s_bind_text(stmt, 1, run_id);
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct c1_report_account *a = c1_report_add_account(r);
		a->row = sqlite3_column_int(stmt, 0);
		a->account_id = s_col_dup(stmt, 1);
		a->region = s_col_dup(stmt, 2);
		a->name = s_col_dup(stmt, 3);
		if (c1_account_status_parse(&a->status, s_col(stmt, 4)) != 0)
			a->status = C1_ACCOUNT_FAILED;
		a->duration_s = (double)sqlite3_column_int64(stmt, 5) / 1000.0;
		a->reason = s_col_dup(stmt, 6);
		if (a->status == C1_ACCOUNT_RUNNING) {
			a->status = C1_ACCOUNT_FAILED;
			if (!a->reason)
				a->reason = c1_strdup("the run ended (killed or crashed) before this account "
						      "finished; run apply again to complete it");
		}
		rc = c1_report_account_parts_from_json(a, s_col(stmt, 9), s_col(stmt, 8), s_col(stmt, 7));
		if (rc != 0)
			goto cleanup;
		sqlite3_reset(steps);
		s_bind_text(steps, 1, run_id);
		s_bind_text(steps, 2, a->account_id);
		s_bind_text(steps, 3, a->region ? a->region : "");
		if ((rc = s_load_steps(st, steps, a)) != 0)
			goto cleanup;
	}
	if (src != SQLITE_DONE)
		rc = s_fail(st, "reading accounts");
cleanup:
	s_finalize(st, steps);
	s_finalize(st, stmt);
	return rc;
}

int c1_state_load_report(struct c1_state *st, const char *run_id, struct c1_report **out)
{
	int rc = 0;
	struct c1_report *r = c1_report_new();
	*out = NULL;
	s_lock(st);
	if ((rc = s_group_commit(st, true)) != 0)
		goto cleanup;
	/* One read transaction: a consistent snapshot while a run may be writing. */
	if ((rc = s_exec(st, "BEGIN", "reading a run")) != 0)
		goto cleanup;
	if ((rc = s_load_run(st, run_id, r)) == 0 && (rc = s_load_tenants(st, run_id, r)) == 0)
		rc = s_load_accounts(st, run_id, r);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != 0)
		goto cleanup;
	c1_report_compute_summary(r);
	*out = r;
	r = NULL;
cleanup:
	s_unlock(st);
	c1_report_free(r);
	return rc;
}

/* One query whose rows are three strings, each handed to fn; `param` (NULL: none) binds ?1. */
static int s_each_row3(struct c1_state *st, const char *sql, const char *param,
		       void (*fn)(void *payload, const char *a, const char *b, const char *c), void *payload,
		       const char *what)
{
	sqlite3_stmt *stmt = NULL;
	s_lock(st);
	int rc = s_prepare(st, &stmt, sql, what);
	if (rc != 0)
		goto cleanup;
	if (param)
		s_bind_text(stmt, 1, param);
	int src;
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW)
		fn(payload, s_col(stmt, 0), s_col(stmt, 1), s_col(stmt, 2));
	if (src != SQLITE_DONE)
		rc = s_fail(st, what);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_previous_statuses(struct c1_state *st, const char *run_id,
			       void (*fn)(void *payload, const char *account_id, const char *region,
					  const char *status),
			       void *payload)
{
	return s_each_row3(
	    st,
	    "SELECT a.account_id, COALESCE(a.region, ''), a.status FROM accounts a JOIN "
	    "(SELECT account_id, COALESCE(region, '') AS region, MAX(run_id) AS run FROM accounts "
	    "WHERE run_id < ?1 AND status <> 'running' GROUP BY account_id, COALESCE(region, '')) p "
	    "ON a.account_id = p.account_id AND COALESCE(a.region, '') = p.region AND a.run_id = p.run",
	    run_id, fn, payload, "reading earlier runs' statuses");
}

int c1_state_latest_run(struct c1_state *st, char out[C1_STATE_RUN_ID_SIZE])
{
	sqlite3_stmt *stmt = NULL;
	out[0] = '\0';
	s_lock(st);
	int rc =
	    s_prepare(st, &stmt, "SELECT id FROM runs WHERE status <> 'running' ORDER BY id DESC LIMIT 1",
		      "reading the runs");
	if (rc != 0)
		goto cleanup;
	int src = sqlite3_step(stmt);
	if (src == SQLITE_ROW) {
		snprintf(out, C1_STATE_RUN_ID_SIZE, "%s", s_col(stmt, 0));
	} else if (src == SQLITE_DONE) {
		c1_error_set("the state store %s holds no finished run yet", c1_state_db_path(st));
		rc = C1_ENOTFOUND;
	} else {
		rc = s_fail(st, "reading the runs");
	}
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_prune_runs(struct c1_state *st, size_t keep, size_t *pruned)
{
	sqlite3_stmt *stmt = NULL;
	*pruned = 0;
	int rc = c1_state_flush(st);
	if (rc != 0)
		return rc;
	s_lock(st);
	rc = s_prepare(st, &stmt,
		       "DELETE FROM runs WHERE status <> 'running' AND id NOT IN "
		       "(SELECT id FROM runs ORDER BY id DESC LIMIT ?1)",
		       "pruning old runs");
	if (rc != 0)
		goto cleanup;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)(keep ? keep : 1));
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = s_fail(st, "pruning old runs");
		goto cleanup;
	}
	*pruned = (size_t)sqlite3_changes(st->db);
cleanup:
	s_finalize(st, stmt);
	s_unlock(st);
	return rc;
}

int c1_state_ledger_accounts(struct c1_state *st,
			     void (*fn)(void *payload, const char *account_id, const char *region,
					const char *run_id),
			     void *payload)
{
	return s_each_row3(
	    st,
	    "SELECT account_id, region, MAX(COALESCE(updated_by_run, created_by_run, '')) FROM "
	    "resources WHERE state IN ('created', 'adopted') GROUP BY account_id, region "
	    "ORDER BY account_id, region",
	    NULL, fn, payload, "reading the resource ledger");
}
