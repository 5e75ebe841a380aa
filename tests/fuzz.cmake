# Fuzz targets for the spreadsheet intake (tests/fuzz/). The replay driver runs the seed corpus
# with any compiler; with clang a libFuzzer build also runs for a bounded time.
set(C1_FUZZ_SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/csv_intake)

add_executable(fuzz_csv_intake_replay fuzz/standalone_driver.c fuzz/csv_intake_fuzz.c)
target_link_libraries(fuzz_csv_intake_replay PRIVATE c1)
set_target_properties(fuzz_csv_intake_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})
add_test(NAME fuzz.csv_intake.replay COMMAND fuzz_csv_intake_replay ${C1_FUZZ_SEEDS})
set_tests_properties(fuzz.csv_intake.replay PROPERTIES LABELS fuzz TIMEOUT 60)

if(CMAKE_C_COMPILER_ID MATCHES Clang)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
  check_c_source_compiles("#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
    C1_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
endif()

if(C1_HAVE_LIBFUZZER)
  # libFuzzer steers by coverage of the code it calls, and the c1 library is built without
  # coverage hooks; so the intake sources are compiled into this target with
  # -fsanitize=fuzzer (their symbols win over the library's copies, which the linker then
  # never pulls from the archive). libcsv itself stays uninstrumented (system library).
  add_executable(fuzz_csv_intake fuzz/csv_intake_fuzz.c ${CMAKE_SOURCE_DIR}/batch/csv_intake.c
    ${CMAKE_SOURCE_DIR}/batch/account.c ${CMAKE_SOURCE_DIR}/engine/trend/regions.c)
  target_compile_options(fuzz_csv_intake PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_csv_intake PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_csv_intake PRIVATE c1)
  set_target_properties(fuzz_csv_intake PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})

  # New inputs go to a scratch corpus in the build tree; the seed directory is only read.
  set(C1_FUZZ_WORK ${CMAKE_BINARY_DIR}/fuzz/csv_intake)
  file(MAKE_DIRECTORY ${C1_FUZZ_WORK}/corpus ${C1_FUZZ_WORK}/artifacts)
  add_test(NAME fuzz.csv_intake.run
    COMMAND fuzz_csv_intake -max_total_time=20 -timeout=10 -rss_limit_mb=2048 -max_len=4096
      -print_final_stats=1 -artifact_prefix=${C1_FUZZ_WORK}/artifacts/
      ${C1_FUZZ_WORK}/corpus ${C1_FUZZ_SEEDS})
  set_tests_properties(fuzz.csv_intake.run PROPERTIES LABELS fuzz TIMEOUT 60)
endif()
