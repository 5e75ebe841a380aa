/* What a reader of a report should do about an account: a one-line fix
 * hint, whether running the same input again may succeed, and how to remove
 * by hand what a rollback left behind. Pure functions over the report
 * model, so a re-rendered or merged report advises the same way. */
#ifndef C1_CORE_ADVICE_H
#define C1_CORE_ADVICE_H

#include "engine/core/report_model.h"

/**
 * Set account->hint and account->rerun from its status, the error of its
 * failed step, its drift and what its rollback left behind. `command` is the
 * run's command ("apply", "drift", ...). Replaces an earlier hint.
 */
void c1_advise_account(struct c1_report_account *account, const char *command);

/** How to remove the resource of rollback entry `rb` of `account` by hand (heap string). */
char *c1_advice_remove(const struct c1_report_account *account, const struct c1_report_rollback *rb);

#endif
