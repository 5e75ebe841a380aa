/* `c1sim gen N DIR`: a consistent universe of N accounts over T tenants
 * (docs/simulator.md): accounts.csv, AWS config and credentials, the
 * tenants' secrets and env.sh. Everything derives from the seed, so the
 * same command always writes the same files. */
#include "sim_server.h"

#include "engine/core/parse.h"
#include "engine/core/alloc.h"
#include "engine/trend/regions.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_ACCOUNT_SPACE 900000000000ULL /* 12-digit ids from 100000000000 */
#define S_ACCOUNT_STEP  982451653ULL    /* prime, so coprime with the space: i -> id is one-to-one */

static const char *const s_tenant_regions[] = {"us-1", "gb-1", "de-1", "au-1",
					       "jp-1", "sg-1", "in-1", "ca-1"};

struct s_gen {
	long accounts;
	long tenants;
	uint64_t seed;
	const char *dir;
	const char *endpoint;
	char abs_dir[PATH_MAX];
};

static uint64_t s_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void s_account_id(char out[13], const struct s_gen *g, long index)
{
	uint64_t offset = s_mix(g->seed) % S_ACCOUNT_SPACE;
	uint64_t v = 100000000000ULL + (S_ACCOUNT_STEP * (uint64_t)index + offset) % S_ACCOUNT_SPACE;
	snprintf(out, 13, "%012llu", (unsigned long long)v);
}

static void s_c1_account(char out[13], const struct s_gen *g, long tenant)
{
	uint64_t v = 100000000000ULL + s_mix(g->seed ^ (0xc1c1c1c1ULL + (uint64_t)tenant)) % S_ACCOUNT_SPACE;
	snprintf(out, 13, "%012llu", (unsigned long long)v);
}

static void s_v1_tenant(char out[9], const struct s_gen *g, long tenant)
{
	snprintf(
	    out, 9, "%08llx",
	    (unsigned long long)(s_mix(g->seed ^ (0x717171ULL << 20) ^ (uint64_t)tenant) & 0xffffffffULL));
}

static const char *s_tenant_region(long tenant)
{
	return s_tenant_regions[(tenant - 1) %
				(long)(sizeof(s_tenant_regions) / sizeof(s_tenant_regions[0]))];
}

static void s_msp_suffix(char out[5], const struct s_gen *g)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t h = s_mix(g->seed ^ 0x4d5350ULL);
	for (int i = 0; i < 4; i++) {
		out[i] = alphabet[h % 36];
		h /= 36;
	}
	out[4] = '\0';
}

/* Write `text` to DIR/rel with `mode` (the mode applies even when the file existed). */
static int s_write(const struct s_gen *g, const char *rel, const char *text, mode_t mode)
{
	char *path = c1_asprintf("%s/%s", g->abs_dir, rel);
	int rc = -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0 && fchmod(fd, mode) == 0) {
		size_t len = strlen(text);
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(fd, text + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		rc = off == len ? 0 : -1;
	}
	if (fd >= 0 && close(fd) != 0)
		rc = -1;
	if (rc != 0)
		fprintf(stderr, "c1sim gen: cannot write %s: %s\n", path, strerror(errno));
	free(path);
	return rc;
}

/* Single-quoted for sh. */
static void s_shell_quote(struct c1_buf *out, const char *s)
{
	c1_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			c1_buf_puts(out, "'\\''");
		else
			c1_buf_putc(out, *s);
	}
	c1_buf_putc(out, '\'');
}

static int s_write_csv(const struct s_gen *g)
{
	struct c1_buf csv = C1_BUF_INIT;
	char acct[13];
	c1_buf_puts(&csv,
		    "account_id,name,profile,region,bucket,create_new_trail,stack_name,cloudone_api_key,"
		    "visionone_token,tags\n");
	long index = 0;
	for (long i = 0; i < g->accounts; i++, index++) {
		s_account_id(acct, g, index);
		if (strcmp(acct, SIM_MSP_ACCOUNT) == 0)
			s_account_id(acct, g, ++index);
		long tenant = i % g->tenants + 1;
		const char *region = c1_regions_aws_for_cloudone(s_tenant_region(tenant));
		c1_buf_printf(
		    &csv,
		    "%s,Customer %ld,acct-%s,%s,c1sim-ct-%s-%s,false,,env:C1_API_KEY_T%ld,env:V1_TOKEN_T%ld,"
		    "owner=c1sim;tenant=T%ld\n",
		    acct, i + 1, acct, region, acct, region, tenant, tenant, tenant);
	}
	int rc = s_write(g, "accounts.csv", c1_buf_cstr(&csv), 0644);
	c1_buf_dispose(&csv);
	return rc;
}

static int s_write_aws(const struct s_gen *g)
{
	struct c1_buf config = C1_BUF_INIT;
	struct c1_buf creds = C1_BUF_INIT;
	char acct[13];
	char suffix[5];
	char key_id[21];
	char secret[64];
	int rc = -1;
	char *aws_dir = c1_asprintf("%s/aws", g->abs_dir);
	if (mkdir(aws_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "c1sim gen: cannot create %s: %s\n", aws_dir, strerror(errno));
		goto cleanup;
	}
	c1_buf_puts(&config, "# c1sim universe: profile msp holds the MSP's keys; acct-<id> assume the\n"
			     "# organization role from it.\n[profile msp]\nregion = us-east-1\n");
	long index = 0;
	for (long i = 0; i < g->accounts; i++, index++) {
		s_account_id(acct, g, index);
		if (strcmp(acct, SIM_MSP_ACCOUNT) == 0)
			s_account_id(acct, g, ++index);
		long tenant = i % g->tenants + 1;
		c1_buf_printf(
		    &config,
		    "\n[profile acct-%s]\nrole_arn = arn:aws:iam::%s:role/OrganizationAccountAccessRole\n"
		    "source_profile = msp\nrole_session_name = c1onboard\nregion = %s\n",
		    acct, acct, c1_regions_aws_for_cloudone(s_tenant_region(tenant)));
	}
	s_msp_suffix(suffix, g);
	sim_creds_aws_key_id(key_id, SIM_MSP_ACCOUNT, suffix);
	sim_creds_aws_secret(secret, sizeof(secret), key_id, NULL);
	c1_buf_printf(&creds, "[msp]\naws_access_key_id = %s\naws_secret_access_key = %s\n", key_id, secret);
	if (s_write(g, "aws/config", c1_buf_cstr(&config), 0644) < 0 ||
	    s_write(g, "aws/credentials", c1_buf_cstr(&creds), 0600) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	c1_wipe(secret, sizeof(secret));
	c1_buf_dispose(&config);
	c1_buf_dispose_secure(&creds);
	free(aws_dir);
	return rc;
}

static int s_write_secrets(const struct s_gen *g)
{
	struct c1_buf env = C1_BUF_INIT;
	char c1_account[13];
	char v1_tenant[9];
	c1_buf_puts(
	    &env,
	    "# c1sim tenants: Cloud One API keys and Vision One tokens (fake, derived from the seed)\n");
	for (long t = 1; t <= g->tenants; t++) {
		s_c1_account(c1_account, g, t);
		s_v1_tenant(v1_tenant, g, t);
		char *key = sim_creds_cloudone_key(s_tenant_region(t), c1_account);
		char *token = sim_creds_visionone_token(v1_tenant);
		c1_buf_printf(&env, "C1_API_KEY_T%ld=%s\nV1_TOKEN_T%ld=%s\n", t, key, t, token);
		c1_free_secure_str(key);
		c1_free_secure_str(token);
	}
	int rc = s_write(g, "secrets.env", c1_buf_cstr(&env), 0600);
	c1_buf_dispose_secure(&env);
	return rc;
}

static int s_write_env(const struct s_gen *g)
{
	struct c1_buf sh = C1_BUF_INIT;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		snprintf(exe, sizeof(exe), "c1sim");

	/* AWS_DEFAULT_REGION as docs/simulator.md promises; note the CLI lets it beat a
	 * profile's region, so per-account CLI calls pass --region. */
	c1_buf_puts(&sh,
		    "# Generated by `c1sim gen`. Source it (. ./env.sh) to point the AWS CLI, c1onboard\n"
		    "# and the Cloud One / Vision One clients at c1sim.\nC1SIM_DIR=");
	s_shell_quote(&sh, g->abs_dir);
	c1_buf_puts(&sh, "\nexport AWS_CONFIG_FILE=\"$C1SIM_DIR/aws/config\"\n"
			 "export AWS_SHARED_CREDENTIALS_FILE=\"$C1SIM_DIR/aws/credentials\"\n"
			 "export AWS_PROFILE=msp\nexport AWS_DEFAULT_REGION=us-east-1\n"
			 "export AWS_EC2_METADATA_DISABLED=true\n"
			 "set -a\n. \"$C1SIM_DIR/secrets.env\"\nset +a\n");
	if (g->endpoint) {
		c1_buf_puts(&sh, "C1SIM_URL=");
		s_shell_quote(&sh, g->endpoint);
		c1_buf_putc(&sh, '\n');
	} else {
		c1_buf_puts(&sh, "C1SIM_BIN=");
		s_shell_quote(&sh, exe);
		c1_buf_printf(
		    &sh,
		    "\n# C1SIM_USE_URL names a server you run yourself (e.g. c1sim --tls-cert on\n"
		    "# https://127.0.0.1:PORT): use it and start nothing.\n"
		    "if [ -n \"${C1SIM_USE_URL:-}\" ]; then\n"
		    "C1SIM_URL=\"$C1SIM_USE_URL\"\n"
		    "else\n"
		    "# Reuse the server named by c1sim.port when it answers; otherwise start one.\n"
		    "c1sim_alive() {\n"
		    "  [ -s \"$C1SIM_DIR/c1sim.port\" ] || return 1\n"
		    "  if command -v curl >/dev/null 2>&1; then\n"
		    "    curl -sf -o /dev/null --max-time 2 \"http://127.0.0.1:$(cat "
		    "\"$C1SIM_DIR/c1sim.port\")/_sim/health\"\n"
		    "  else\n"
		    "    [ -s \"$C1SIM_DIR/c1sim.pid\" ] && kill -0 \"$(cat \"$C1SIM_DIR/c1sim.pid\")\" "
		    "2>/dev/null\n"
		    "  fi\n"
		    "}\n"
		    "if ! c1sim_alive; then\n"
		    "  rm -f \"$C1SIM_DIR/c1sim.port\"\n"
		    "  nohup \"$C1SIM_BIN\" --port 0 --port-file \"$C1SIM_DIR/c1sim.port\" --seed %llu "
		    "--time-scale \"${C1SIM_TIME_SCALE:-0.01}\" >\"$C1SIM_DIR/c1sim.log\" 2>&1 "
		    "&\n"
		    "  echo $! >\"$C1SIM_DIR/c1sim.pid\"\n"
		    "  c1sim_i=0\n"
		    "  while [ ! -s \"$C1SIM_DIR/c1sim.port\" ] && [ $c1sim_i -lt 100 ]; do sleep 0.1; "
		    "c1sim_i=$((c1sim_i + 1)); done\n"
		    "  unset c1sim_i\n"
		    "fi\n"
		    "unset -f c1sim_alive\n"
		    "C1SIM_URL=\"http://127.0.0.1:$(cat \"$C1SIM_DIR/c1sim.port\" 2>/dev/null)\"\n"
		    "fi\n",
		    (unsigned long long)g->seed);
	}
	c1_buf_puts(&sh,
		    "export AWS_ENDPOINT_URL=\"$C1SIM_URL\" C1_ENDPOINT_URL=\"$C1SIM_URL\" "
		    "V1_ENDPOINT_URL=\"$C1SIM_URL\"\n"
		    "# The c1sim started here runs 100 times faster than AWS (C1SIM_TIME_SCALE, default\n"
		    "# 0.01): c1onboard polls its stacks as much faster, so a run takes seconds.\n"
		    "export C1ONBOARD_POLL_MIN_MS=\"${C1ONBOARD_POLL_MIN_MS:-200}\" "
		    "C1ONBOARD_POLL_MAX_MS=\"${C1ONBOARD_POLL_MAX_MS:-2000}\"\n");
	int rc = s_write(g, "env.sh", c1_buf_cstr(&sh), 0644);
	c1_buf_dispose(&sh);
	return rc;
}

int sim_gen_main(int argc, char **argv)
{
	static const char usage[] =
	    "usage: c1sim gen N DIR [--tenants T] [--seed S] [--endpoint URL]\n"
	    "  N accounts (1..1000000) over T tenants (default 1); files go to DIR.\n";
	struct s_gen g;
	memset(&g, 0, sizeof(g));
	g.tenants = 1;
	long v;
	int positional = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--tenants") == 0 && c1_parse_long(&v, next, 1, 100000) == 0) {
			g.tenants = v;
			i++;
		} else if (strcmp(a, "--seed") == 0 && c1_parse_long(&v, next, 0, LONG_MAX) == 0) {
			g.seed = (uint64_t)v;
			i++;
		} else if (strcmp(a, "--endpoint") == 0 && next) {
			g.endpoint = next;
			i++;
		} else if (a[0] != '-' && positional == 0 && c1_parse_long(&v, a, 1, 1000000) == 0) {
			g.accounts = v;
			positional++;
		} else if (a[0] != '-' && positional == 1) {
			g.dir = a;
			positional++;
		} else {
			fprintf(stderr, "c1sim gen: bad argument '%s'\n%s", a, usage);
			return 64;
		}
	}
	if (positional != 2) {
		fputs(usage, stderr);
		return 64;
	}
	if (g.tenants > g.accounts)
		g.tenants = g.accounts;
	if (mkdir(g.dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "c1sim gen: cannot create %s: %s\n", g.dir, strerror(errno));
		return 73;
	}
	if (!realpath(g.dir, g.abs_dir)) {
		fprintf(stderr, "c1sim gen: cannot resolve %s: %s\n", g.dir, strerror(errno));
		return 73;
	}
	if (s_write_csv(&g) < 0 || s_write_aws(&g) < 0 || s_write_secrets(&g) < 0 || s_write_env(&g) < 0)
		return 73;
	printf("c1sim gen: %ld accounts over %ld tenant(s) in %s; source %s/env.sh\n", g.accounts, g.tenants,
	       g.abs_dir, g.abs_dir);
	return 0;
}
