#define _GNU_SOURCE
#include "harness.h"

#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef C1_SHARED_DIR
#error "C1_SHARED_DIR must be defined by the build"
#endif

struct s_case {
	const char *name;
	void (*fn)(void);
};

static struct s_case s_cases[512];
static size_t s_count;
static char s_tmpdir[4096];
static char s_path[8][4096];
static unsigned s_path_next;

void c1_test_register(const char *name, void (*fn)(void))
{
	if (s_count < sizeof(s_cases) / sizeof(s_cases[0]))
		s_cases[s_count++] = (struct s_case){name, fn};
}

void c1_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fflush(stderr);
	_exit(1); /* no atexit: a failed case's leaks are noise */
}

static int s_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

const char *c1_test_tmpdir(void)
{
	if (!s_tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(s_tmpdir, sizeof(s_tmpdir), "%s/c1test.XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(s_tmpdir)) {
			perror("mkdtemp");
			_exit(1);
		}
	}
	return s_tmpdir;
}

static char *s_next_path(void)
{
	return s_path[s_path_next++ % 8];
}

static void s_path_join(char *out, const char *dir, const char *name)
{
	if (snprintf(out, 4096, "%s/%s", dir, name) >= 4096) {
		fprintf(stderr, "test path too long: %s/%s\n", dir, name);
		_exit(1);
	}
}

const char *c1_test_write_file(const char *name, const char *content, int mode)
{
	char *path = s_next_path();
	s_path_join(path, c1_test_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		_exit(1);
	}
	fputs(content, f);
	fclose(f);
	chmod(path, (mode_t)mode);
	return path;
}

const char *c1_test_shared_path(const char *rel)
{
	char *path = s_next_path();
	s_path_join(path, C1_SHARED_DIR, rel);
	return path;
}

const char *c1_test_source_path(const char *rel)
{
	char *path = s_next_path();
	s_path_join(path, C1_SOURCE_DIR, rel);
	return path;
}

int main(int argc, char **argv)
{
	size_t ran = 0;
	for (size_t i = 0; i < s_count; i++) {
		if (argc > 1 && strcmp(argv[1], s_cases[i].name) != 0)
			continue;
		fprintf(stderr, "-- %s\n", s_cases[i].name);
		s_cases[i].fn();
		ran++;
	}
	if (s_tmpdir[0])
		nftw(s_tmpdir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
	if (ran == 0) {
		fprintf(stderr, "no test case named %s\n", argc > 1 ? argv[1] : "(any)");
		return 1;
	}
	return 0;
}
