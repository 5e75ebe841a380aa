# Fuzz target for the AWS shared config/credentials parser (engine/aws/config_file.c, helper C).
# The replay driver runs the seed corpus with any compiler; with clang and libFuzzer a bounded
# fuzzing run is registered too (label fuzz).
set(C1_AWS_CONFIG_SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/aws_config)

add_executable(fuzz_aws_config_replay fuzz/standalone_driver.c fuzz/aws_config_fuzz.c)
target_link_libraries(fuzz_aws_config_replay PRIVATE c1)
set_target_properties(fuzz_aws_config_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})
add_test(NAME fuzz.aws_config.replay COMMAND fuzz_aws_config_replay ${C1_AWS_CONFIG_SEEDS})
set_tests_properties(fuzz.aws_config.replay PROPERTIES LABELS fuzz TIMEOUT 60)

if(CMAKE_C_COMPILER_ID MATCHES Clang)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
  check_c_source_compiles("#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
    C1_AWS_CONFIG_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
endif()

if(C1_AWS_CONFIG_HAVE_LIBFUZZER)
  # The parser sources are compiled into the target with coverage hooks; their symbols win
  # over the library's uninstrumented copies.
  add_executable(fuzz_aws_config fuzz/aws_config_fuzz.c ${CMAKE_SOURCE_DIR}/engine/aws/config_file.c
    ${CMAKE_SOURCE_DIR}/engine/aws/endpoints.c ${CMAKE_SOURCE_DIR}/engine/aws/credentials_profile.c
    ${CMAKE_SOURCE_DIR}/engine/aws/credentials_static.c)
  target_compile_options(fuzz_aws_config PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_aws_config PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_aws_config PRIVATE c1)
  set_target_properties(fuzz_aws_config PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})
  set(C1_AWS_CONFIG_FUZZ_WORK ${CMAKE_BINARY_DIR}/fuzz/aws_config)
  file(MAKE_DIRECTORY ${C1_AWS_CONFIG_FUZZ_WORK}/corpus ${C1_AWS_CONFIG_FUZZ_WORK}/artifacts)
  add_test(NAME fuzz.aws_config.run
    COMMAND fuzz_aws_config -max_total_time=20 -timeout=10 -rss_limit_mb=2048 -max_len=4096
      -print_final_stats=1 -artifact_prefix=${C1_AWS_CONFIG_FUZZ_WORK}/artifacts/
      ${C1_AWS_CONFIG_FUZZ_WORK}/corpus ${C1_AWS_CONFIG_SEEDS})
  set_tests_properties(fuzz.aws_config.run PROPERTIES LABELS fuzz TIMEOUT 60)
endif()
