# More engine integration tests (label `integration`): the recovery paths
# (stacks left by an earlier failure), --max-failures, SIGTERM/SIGINT and
# account selection, each against its own c1sim. 77 means SKIP.
if(NOT C1_BUILD_SIM)
  return()
endif()
set(C1_ENGINE_MORE_DIR ${CMAKE_SOURCE_DIR}/tests/integration)
set(C1_ENGINE_MORE_ENV "C1SIM=${CMAKE_BINARY_DIR}/c1sim;C1ONBOARD=${CMAKE_BINARY_DIR}/c1onboard")

function(c1_engine_more_test name script)
  add_test(NAME integration.${name} COMMAND python3 ${C1_ENGINE_MORE_DIR}/${script} ${ARGN})
  set_tests_properties(integration.${name} PROPERTIES
    LABELS integration
    TIMEOUT 120
    SKIP_RETURN_CODE 77
    ENVIRONMENT "${C1_ENGINE_MORE_ENV}")
endfunction()

foreach(case rollback_complete delete_failed update_rollback_failed in_progress)
  c1_engine_more_test(engine_recovery_${case} engine_recovery.py ${case})
endforeach()
c1_engine_more_test(engine_max_failures engine_max_failures.py)
c1_engine_more_test(engine_interrupt engine_interrupt.py)
c1_engine_more_test(engine_select engine_select.py)
# apply's repairs: a connector whose role changed is set back; a cloud account
# whose role changed is reported as drift and left alone.
c1_engine_more_test(engine_repair engine_repair.py)
# A cloud account whose IAM role is gone is registered again; only IAM's NoSuchEntity does that.
c1_engine_more_test(engine_reregister engine_reregister.py)
# Every drift c1sim can inject is found on its plane, repaired where apply can, reported where not.
c1_engine_more_test(engine_drift_planes engine_drift_planes.py)
# A row's CloudTrail trail and bucket deleted or stopped: drift reports them; apply says the console fix.
c1_engine_more_test(engine_drift_trail engine_drift_trail.py)
# results.csv: the outcomes as a spreadsheet, neutralised, and the next run's input (--retry-failed).
c1_engine_more_test(engine_results_csv engine_results_csv.py)
# examples/cron's wrapper as cron runs it: silent when all is well, a short mail when not, --keep-runs.
c1_engine_more_test(engine_cron engine_cron.py)
# Four --shard K/4 runs at once, each with its own state and reports, then report --merge.
c1_engine_more_test(engine_shards engine_shards.py)
# A service failing for longer than a call's own retries: the outage retries ride it out.
c1_engine_more_test(engine_outage engine_outage.py)
# Credentials that expire while an account onboards are fetched again in time.
c1_engine_more_test(engine_credentials_refresh engine_credentials_refresh.py)
# report.html in headless Chromium: counts, status filter, sort, search, an XSS-named account inert, no console error.
c1_engine_more_test(report_html_browser report_html_browser.py)
# What a terminal and a cron mail see: the stdout summary (also with -q), no
# progress off a terminal, JSON logs with fields, the progress line kept apart
# from log lines on a pseudo-terminal, NO_COLOR.
c1_engine_more_test(engine_output engine_output.py)
set_tests_properties(integration.engine_output PROPERTIES TIMEOUT 240)
