/* Error codes returned by value, and a per-thread one-line message slot that
 * says what failed in words a user can act on. */
#ifndef C1_CORE_ERROR_H
#define C1_CORE_ERROR_H

enum c1_error_code {
	C1_OK = 0,
	C1_ERROR = -1,       /* anything callers do not branch on */
	C1_ENOTFOUND = -2,   /* the thing asked for does not exist */
	C1_ETHROTTLED = -3,  /* the remote side asked us to slow down */
	C1_EINVALID = -4,    /* bad input: spreadsheet, arguments, config */
	C1_EAUTH = -5,       /* credentials refused or missing */
	C1_ETIMEOUT = -6,    /* a deadline passed */
	C1_ETOOBIG = -7,     /* a bounded buffer would overflow its cap */
	C1_ECONFIG = -8,     /* profile, secret reference or endpoint is wrong */
	C1_ETRANSPORT = -9,  /* connection-level failure (DNS, TLS, reset) */
	C1_EAPI = -10,       /* the remote API answered with an error */
	C1_ECANCELLED = -11, /* stopped on purpose (signal, circuit breaker) */
	C1_EBUSY = -12,      /* another process holds the state-dir lock (CLI exit 75) */
	C1_EINPROGRESS = -13 /* a request was sent and its task parks until the answer (engine/run/io_park) */
};

/* On a function whose result must not be dropped (a state-store write):
 * gcc and clang then reject a call that ignores it, even cast to void. */
#define C1_MUST_CHECK __attribute__((warn_unused_result))

/** Set this thread's last error message (printf-style). Never pass a secret. */
void c1_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** This thread's last error message; "" when none. Borrowed until the next set. */
const char *c1_error_last(void);
void c1_error_clear(void);
/** Short name of a code, e.g. "ENOTFOUND". */
const char *c1_error_name(int code);

#endif
