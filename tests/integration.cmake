# Integration tests against a live c1sim (label `integration`): the real AWS
# CLI (conformance), moto as a second opinion (differential), and the
# gen + env.sh path a user takes. Each starts its own servers on free ports in
# its own temp dir, so `ctest -j` is safe; 77 means SKIP (aws or moto_server
# missing on this machine).
# (tests/sim.cmake, which defines c1sim, is included after this file.)
if(NOT C1_BUILD_SIM)
  return()
endif()
# `python3` is looked up on PATH when the test runs: the interpreter that
# carries awscli, botocore and moto (pyenv here), not one CMake picked.
set(C1_INTEGRATION_DIR ${CMAKE_SOURCE_DIR}/tests/integration)
set(C1_INTEGRATION_ENV "C1SIM=${CMAKE_BINARY_DIR}/c1sim")

add_test(NAME integration.sim_conformance_awscli
  COMMAND python3 ${C1_INTEGRATION_DIR}/conformance_awscli.py)
add_test(NAME integration.sim_differential_moto
  COMMAND python3 ${C1_INTEGRATION_DIR}/differential_moto.py)
add_test(NAME integration.sim_envsh_awscli COMMAND bash ${C1_INTEGRATION_DIR}/envsh_awscli.sh)

set_tests_properties(integration.sim_conformance_awscli integration.sim_differential_moto
  integration.sim_envsh_awscli PROPERTIES
  LABELS integration
  TIMEOUT 90
  SKIP_RETURN_CODE 77
  ENVIRONMENT "${C1_INTEGRATION_ENV}")
