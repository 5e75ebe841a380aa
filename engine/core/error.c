#include "engine/core/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char tl_message[1024];

void c1_error_set(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tl_message, sizeof(tl_message), fmt, ap);
	va_end(ap);
}

const char *c1_error_last(void)
{
	return tl_message;
}

void c1_error_clear(void)
{
	tl_message[0] = '\0';
}

const char *c1_error_name(int code)
{
	switch (code) {
	case C1_OK: return "OK";
	case C1_ERROR: return "ERROR";
	case C1_ENOTFOUND: return "ENOTFOUND";
	case C1_ETHROTTLED: return "ETHROTTLED";
	case C1_EINVALID: return "EINVALID";
	case C1_EAUTH: return "EAUTH";
	case C1_ETIMEOUT: return "ETIMEOUT";
	case C1_ETOOBIG: return "ETOOBIG";
	case C1_ECONFIG: return "ECONFIG";
	case C1_ETRANSPORT: return "ETRANSPORT";
	case C1_EAPI: return "EAPI";
	case C1_ECANCELLED: return "ECANCELLED";
	case C1_EBUSY: return "EBUSY";
	default: return "EUNKNOWN";
	}
}
