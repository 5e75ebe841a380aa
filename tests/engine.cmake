# Engine integration smoke test against c1sim (label integration).
if(NOT C1_BUILD_SIM)
  return()
endif()
add_test(NAME integration.engine_smoke COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/engine_smoke.sh)
set_tests_properties(integration.engine_smoke PROPERTIES
  LABELS integration
  TIMEOUT 120
  SKIP_RETURN_CODE 77
  ENVIRONMENT "C1SIM=${CMAKE_BINARY_DIR}/c1sim;C1ONBOARD=${CMAKE_BINARY_DIR}/c1onboard")
