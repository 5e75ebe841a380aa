# The engine's integration tests (label `integration`): c1onboard against a
# live c1sim (and moto for the AWS half), one ctest entry each; every test
# owns its temp dir and servers, so `ctest -j` is safe. 77 means SKIP.
if(NOT C1_BUILD_SIM)
  return()
endif()
set(C1_ENGINE_IT_DIR ${CMAKE_SOURCE_DIR}/tests/integration)
set(C1_ENGINE_IT_ENV "C1SIM=${CMAKE_BINARY_DIR}/c1sim;C1ONBOARD=${CMAKE_BINARY_DIR}/c1onboard")

function(c1_engine_test name script)
  add_test(NAME integration.${name} COMMAND python3 ${C1_ENGINE_IT_DIR}/${script} ${ARGN})
  set_tests_properties(integration.${name} PROPERTIES
    LABELS integration
    TIMEOUT 120
    SKIP_RETURN_CODE 77
    ENVIRONMENT "${C1_ENGINE_IT_ENV}")
endfunction()

c1_engine_test(engine_onboard_50 engine_onboard_50.py)
c1_engine_test(engine_tenants_60 engine_tenants_60.py)
foreach(step new_trail ws_role ws_connector c1_role c1_cloud_account cloudtrail_token cloudtrail_stack
    delete_fail)
  c1_engine_test(engine_targeted_failure_${step} engine_targeted_failure.py ${step})
endforeach()
c1_engine_test(engine_throttling engine_throttling.py)
c1_engine_test(engine_kill9 engine_kill9.py)
set_tests_properties(integration.engine_kill9 PROPERTIES TIMEOUT 240)
c1_engine_test(engine_preflight engine_preflight.py)
c1_engine_test(engine_idempotent engine_idempotent.py)
c1_engine_test(engine_moto engine_moto.py)
c1_engine_test(engine_exit_codes_and_lock engine_exit_codes_and_lock.py)
c1_engine_test(engine_tenant_1000 engine_tenant_1000.py)
set_tests_properties(integration.engine_tenant_1000 PROPERTIES TIMEOUT 900)
c1_engine_test(engine_cloud_index engine_cloud_index.py)
c1_engine_test(engine_poll_learning engine_poll_learning.py)
c1_engine_test(engine_report_spool engine_report_spool.py)
c1_engine_test(engine_state_full engine_state_full.py)
# Every plausible server (c1sim --variant, one per UNCONFIRMED answer): each
# value that is not c1sim's default, the defaults once, and seeded mixes.
foreach(spec v1_list=full v1_list=no_account_id v1_list=minimal v1_list=without_scc v1_list=late
    c1_connector_get=405 c1_connector_get=200_unknown v1_connect_status=connected v1_connect_status=pending
    v1_reenroll=refused ws_duplicate=400 ws_duplicate=409 ca_duplicate=400 ca_duplicate=200_existing
    delete_status=200 ca_page_size=1 ca_page_size=100 retry_after=http_date retry_after=absent
    error_body=error_message error_body=text random=1 random=2 random=3)
  string(REPLACE "=" "_" name "${spec}")
  c1_engine_test(engine_variants_${name} engine_variants.py ${spec})
endforeach()
c1_engine_test(engine_tls engine_tls.py)
c1_engine_test(engine_huge_body engine_huge_body.py)
c1_engine_test(engine_slow_body engine_slow_body.py)
c1_engine_test(engine_notify engine_notify.py)
c1_engine_test(engine_report_full engine_report_full.py)
c1_engine_test(engine_state_enospc engine_state_enospc.py)
c1_engine_test(engine_csv_limits engine_csv_limits.py)
set_tests_properties(integration.engine_csv_limits PROPERTIES TIMEOUT 300)
c1_engine_test(engine_unreadable engine_unreadable.py)
c1_engine_test(engine_chaos engine_chaos.py)
set_tests_properties(integration.engine_chaos PROPERTIES TIMEOUT 300)
c1_engine_test(engine_credential_sources engine_credential_sources.py)
