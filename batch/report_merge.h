/* report --merge: the report folders of `--shard K/N` runs (each with its own
 * state and reports directory, e.g. the pods of a Kubernetes Indexed Job)
 * combined into one run folder, as if one run had done every shard's rows:
 * report.json and report.html with every shard's accounts in the order
 * given, the summary recounted and each tenant once; results.csv with every
 * shard's rows under one header. */
#ifndef C1_BATCH_REPORT_MERGE_H
#define C1_BATCH_REPORT_MERGE_H

#include "engine/core/report_model.h"

#include <stddef.h>

/**
 * Read DIR/report.json (or DIR/latest/report.json) of each of the `n`
 * folders and write the merged run to `reports_dir` (REPORTS_DIR/<id>/, id
 * "<earliest shard's start>-merged"; `latest` moves to it when newest).
 * `*out` gets the merged model (caller frees). 0; C1_EINVALID when a folder
 * has no report or the shards are of different commands (the message says
 * which); C1_ERROR when writing fails.
 */
int c1_report_merge(const char *const *dirs, size_t n, const char *reports_dir, struct c1_report **out);

#endif
