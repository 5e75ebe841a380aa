#include "batch/settings.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LINE_MAX 4096

char *c1_settings_path(void)
{
	const char *explicit_path = getenv("C1ONBOARD_CONFIG");
	if (explicit_path && *explicit_path)
		return c1_strdup(explicit_path);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')
		return c1_asprintf("%s/c1onboard/config", xdg);
	const char *home = getenv("HOME");
	return c1_asprintf("%s/.config/c1onboard/config", home && *home ? home : ".");
}

static bool s_name_ok(struct c1_str s)
{
	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static int s_line(struct c1_settings *out, char **section, size_t *section_line, struct c1_str text,
		  size_t line)
{
	text = c1_str_trim(text);
	if (text.len == 0 || text.ptr[0] == '#' || text.ptr[0] == ';')
		return 0;
	if (text.ptr[0] == '[') {
		struct c1_str name = {text.ptr + 1, text.len - 1};
		if (name.len == 0 || name.ptr[name.len - 1] != ']')
			goto bad;
		name.len--;
		name = c1_str_trim(name);
		if (!s_name_ok(name))
			goto bad;
		free(*section);
		*section = c1_str_dup(name);
		*section_line = line;
		return 0;
	}
	const char *eq = memchr(text.ptr, '=', text.len);
	struct c1_str key = {text.ptr, eq ? (size_t)(eq - text.ptr) : text.len};
	struct c1_str value = eq ? (struct c1_str){eq + 1, text.len - key.len - 1} : (struct c1_str){"", 0};
	key = c1_str_trim(key);
	value = c1_str_trim(value);
	if (key.len > 2 && key.ptr[0] == '-' && key.ptr[1] == '-') {
		key.ptr += 2;
		key.len -= 2;
	}
	if (!s_name_ok(key))
		goto bad;
	/* a value may be quoted to keep spaces at its ends */
	if (value.len >= 2 && (value.ptr[0] == '"' || value.ptr[0] == '\'') &&
	    value.ptr[value.len - 1] == value.ptr[0]) {
		value.ptr++;
		value.len -= 2;
	}
	out->items = c1_realloc(out->items, (out->count + 1) * sizeof(*out->items));
	struct c1_setting *s = &out->items[out->count++];
	s->section = *section ? c1_strdup(*section) : NULL;
	s->name = c1_str_dup(key);
	for (char *p = s->name; *p; p++)
		if (*p == '_')
			*p = '-'; /* max_failures reads as max-failures */
	s->value = c1_str_dup(value);
	s->line = line;
	s->section_line = *section ? *section_line : 0;
	return 0;
bad:
	c1_error_set("%s:%zu: expected `name = value`, a flag name or `[command]`; option names are the long "
		     "options of c1onboard --help, without the dashes",
		     out->path, line);
	return C1_EINVALID;
}

int c1_settings_read(struct c1_settings *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	out->path = c1_strdup(path);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		c1_error_set("cannot read the settings file %s: %s", path, strerror(errno));
		return C1_ERROR;
	}
	char buf[S_LINE_MAX];
	char *section = NULL;
	size_t line = 0, section_line = 0;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof(buf), f)) {
		line++;
		size_t n = strlen(buf);
		if (n == sizeof(buf) - 1 && buf[n - 1] != '\n') {
			c1_error_set("%s:%zu: line longer than %d bytes", path, line, S_LINE_MAX - 2);
			rc = C1_EINVALID;
			break;
		}
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		rc = s_line(out, &section, &section_line, (struct c1_str){buf, n}, line);
	}
	if (rc == 0 && ferror(f)) {
		c1_error_set("cannot read the settings file %s", path);
		rc = C1_ERROR;
	}
	free(section);
	fclose(f);
	return rc;
}

void c1_settings_dispose(struct c1_settings *settings)
{
	if (!settings)
		return;
	for (size_t i = 0; i < settings->count; i++) {
		free(settings->items[i].section);
		free(settings->items[i].name);
		free(settings->items[i].value);
	}
	free(settings->items);
	free(settings->path);
	memset(settings, 0, sizeof(*settings));
}
