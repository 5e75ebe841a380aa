# Benchmarks: built with the tests. The onboarding benchmark is tests/bench/onboard.sh
# (docs/benchmark.md); c1sim's raw throughput is
#   cmake --build build --target bench_sim      (or build/tests/sim_throughput --help)
# Figures belong in a non-sanitizer Release build (docs/benchmark.md, docs/sim-fidelity.md).
if(NOT C1_BUILD_SIM)
  return()
endif()
add_executable(sim_throughput ${CMAKE_CURRENT_SOURCE_DIR}/bench/sim_throughput.c)
target_link_libraries(sim_throughput PRIVATE c1simlib c1 PkgConfig::CURL Threads::Threads)
target_compile_definitions(sim_throughput PRIVATE C1_BINARY_DIR="${CMAKE_BINARY_DIR}")
set_target_properties(sim_throughput PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})
add_custom_target(bench_sim
  COMMAND sim_throughput --threads 1,2,4,8 --seconds 3
  DEPENDS sim_throughput c1sim
  USES_TERMINAL
  COMMENT "c1sim throughput: signed DescribeStacks and a Cloud One GET")

# The onboarding benchmark end to end on this build (small, no timing assertion; ~20 s with
# sanitizers): its JSON line parses, every account succeeded, no throttled failure.
add_test(NAME bench.onboard_smoke
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/bench/onboard_smoke.sh ${CMAKE_BINARY_DIR})
set_tests_properties(bench.onboard_smoke PROPERTIES LABELS bench TIMEOUT 300)
