/* Process exit codes (SPEC 2, sysexits style so cron can tell them apart). */
#ifndef C1_BATCH_EXIT_CODES_H
#define C1_BATCH_EXIT_CODES_H

enum c1_exit_code {
	C1_EXIT_OK = 0,        /* every account onboarded or in sync */
	C1_EXIT_FAILED = 1,    /* at least one account failed or was rolled back */
	C1_EXIT_DRIFT = 2,     /* drift found (drift command or --fail-on-drift) */
	C1_EXIT_USAGE = 64,    /* bad command line */
	C1_EXIT_DATAERR = 65,  /* bad spreadsheet */
	C1_EXIT_SOFTWARE = 70, /* internal error */
	C1_EXIT_TEMPFAIL = 75, /* another run holds the state-dir lock */
	C1_EXIT_CONFIG = 78    /* profile, secret reference or endpoint is wrong */
};

#endif
