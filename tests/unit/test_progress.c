/* The progress line: its format, and the completion rate and ETA behind it. */
#include "batch/progress.h"
#include "tests/unit/harness.h"

#include <string.h>

C1_TEST(progress_line)
{
	char line[160];
	c1_progress_format(line, sizeof(line), 200, 50, 2, 8, 5.0, 30);
	C1_CHECK_STR(line, "50/200 done, 2 failed, 8 in flight, 5.0/s, ETA 0m30s");
	c1_progress_format(line, sizeof(line), 10, 0, 0, 3, 0, -1);
	C1_CHECK_CONTAINS(line, "ETA -");
	c1_progress_format(line, sizeof(line), 1000, 10, 0, 50, 0.2, 4950);
	C1_CHECK_CONTAINS(line, "ETA 82m30s");
}

C1_TEST(eta_unknown_until_an_account_finishes)
{
	struct c1_progress p;
	c1_progress_init(&p, false, 24, 1000);
	c1_progress_observe(&p, 0, 31000);
	C1_CHECK_INT(c1_progress_eta_s(&p, 31000), ==, -1);
	C1_CHECK(c1_progress_rate(&p) == 0);
}

/* 24 accounts, 4 at a time, 30 s each: batches end at 30, 60, 90 s. */
C1_TEST(eta_from_the_completion_rate)
{
	struct c1_progress p;
	c1_progress_init(&p, false, 24, 0);
	c1_progress_observe(&p, 4, 30000);
	/* One moment seen: 4 accounts in 30 s. */
	C1_CHECK_INT(c1_progress_eta_s(&p, 30000), ==, 150);
	c1_progress_observe(&p, 8, 60000);
	c1_progress_observe(&p, 12, 90000);
	/* 8 more in the 60 s since the first ones: 12 left take 90 s. */
	C1_CHECK_INT((long)(c1_progress_rate(&p) * 1000 + 0.5), ==, 133);
	C1_CHECK_INT(c1_progress_eta_s(&p, 90000), ==, 90);
}

/* The old line divided by the whole elapsed time: between completions its
 * ETA grew with the clock (at half way it read the elapsed time). It must
 * count down instead. */
C1_TEST(eta_counts_down_between_completions)
{
	struct c1_progress p;
	c1_progress_init(&p, false, 24, 0);
	c1_progress_observe(&p, 4, 30000);
	c1_progress_observe(&p, 8, 60000);
	c1_progress_observe(&p, 12, 90000);
	long at90 = c1_progress_eta_s(&p, 90000);
	c1_progress_observe(&p, 12, 110000); /* nothing new: not a completion */
	long at110 = c1_progress_eta_s(&p, 110000);
	C1_CHECK_INT(at110, ==, at90 - 20);
	C1_CHECK_INT(at110, <, 110);
	/* Late past the estimate it stays at 0, never negative. */
	C1_CHECK_INT(c1_progress_eta_s(&p, 500000), ==, 0);
}

/* All accounts start at once (-j >= rows) and end close together: after the
 * first ones, the rate is the burst's, not "n accounts over the whole run". */
C1_TEST(eta_of_a_burst)
{
	struct c1_progress p;
	c1_progress_init(&p, false, 10, 0);
	c1_progress_observe(&p, 3, 30000);
	c1_progress_observe(&p, 9, 31000);
	C1_CHECK_INT(c1_progress_eta_s(&p, 31000), <=, 1);
	c1_progress_observe(&p, 10, 31200);
	C1_CHECK_INT(c1_progress_eta_s(&p, 31200), ==, 0);
}
