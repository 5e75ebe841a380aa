/* Replays fuzz inputs without libFuzzer: every regular file of the directories (or the files)
 * named on the command line goes once through LLVMFuzzerTestOneInput. Lets gcc builds and
 * plain ctest runs keep the corpus as a regression suite. */
#include "engine/core/alloc.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int s_run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) != 0) {
		perror(path);
		if (f)
			fclose(f);
		return 1;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *data = c1_malloc(size ? size : 1);
	size_t got = fread(data, 1, size, f);
	fclose(f);
	if (got != size) {
		fprintf(stderr, "%s: short read\n", path);
		free(data);
		return 1;
	}
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	size_t ran = 0;
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= s_run_file(argv[i]);
			ran++;
			continue;
		}
		DIR *dir = opendir(argv[i]);
		struct dirent *de;
		while (dir && (de = readdir(dir)) != NULL) {
			char *path = c1_asprintf("%s/%s", argv[i], de->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				failed |= s_run_file(path);
				ran++;
			}
			free(path);
		}
		if (dir)
			closedir(dir);
	}
	fprintf(stderr, "replayed %zu inputs\n", ran);
	if (ran == 0) {
		fprintf(stderr, "no inputs found\n");
		return 1;
	}
	return failed;
}
