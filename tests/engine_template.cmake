# `--strategy template` against c1sim (label integration): see
# tests/integration/engine_template.py. 77 means SKIP.
if(NOT C1_BUILD_SIM)
  return()
endif()
add_test(NAME integration.engine_template
  COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/integration/engine_template.py)
set_tests_properties(integration.engine_template PROPERTIES
  LABELS integration
  TIMEOUT 120
  SKIP_RETURN_CODE 77
  ENVIRONMENT "C1SIM=${CMAKE_BINARY_DIR}/c1sim;C1ONBOARD=${CMAKE_BINARY_DIR}/c1onboard")
