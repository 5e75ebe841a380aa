# Fuzz targets for every parser that reads what a server, a user or a client sends (issue 10
# item 4). Each tests/fuzz/<name>_fuzz.c gets a replay driver (any compiler; replays
# tests/fuzz/corpus/<name> as ctest fuzz.<name>.replay, label fuzz) and, with clang and
# libFuzzer (-DC1_FUZZ=ON), a libFuzzer binary build/tests/fuzz_<name> that scripts/fuzz.sh runs.
# The long runs live in scripts/fuzz.sh, not in ctest: the machine is shared and the replay
# already keeps every found input as a regression test.

if(CMAKE_C_COMPILER_ID MATCHES Clang AND C1_FUZZ)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
  check_c_source_compiles("#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
    C1_PARSERS_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
endif()

# c1_fuzz_target(NAME SOURCES <parser sources to instrument> [SIM])
# The parser sources are compiled into the libFuzzer binary with coverage hooks (their symbols
# win over the library's uninstrumented copies, as in fuzz.cmake). SIM: the target drives
# c1sim, whose sources form an OBJECT library, so the libFuzzer binary compiles them all itself.
function(c1_fuzz_target name)
  cmake_parse_arguments(F "SIM" "" "SOURCES" ${ARGN})
  set(seeds ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  add_executable(fuzz_${name}_replay fuzz/standalone_driver.c fuzz/${name}_fuzz.c)
  target_include_directories(fuzz_${name}_replay PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
  if(F_SIM)
    target_link_libraries(fuzz_${name}_replay PRIVATE c1simlib)
  else()
    target_link_libraries(fuzz_${name}_replay PRIVATE c1)
  endif()
  set_target_properties(fuzz_${name}_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})
  add_test(NAME fuzz.${name}.replay COMMAND fuzz_${name}_replay ${seeds})
  set_tests_properties(fuzz.${name}.replay PROPERTIES LABELS fuzz TIMEOUT 120)

  if(C1_PARSERS_HAVE_LIBFUZZER)
    set(srcs)
    foreach(s ${F_SOURCES})
      list(APPEND srcs ${CMAKE_SOURCE_DIR}/${s})
    endforeach()
    if(F_SIM)
      file(GLOB sim_srcs ${CMAKE_SOURCE_DIR}/tests/sim/*.c)
      list(REMOVE_ITEM sim_srcs ${CMAKE_SOURCE_DIR}/tests/sim/sim_main.c)
      list(APPEND srcs ${sim_srcs})
    endif()
    add_executable(fuzz_${name} fuzz/${name}_fuzz.c ${srcs})
    target_include_directories(fuzz_${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_${name} PRIVATE c1)
    if(F_SIM)
      target_include_directories(fuzz_${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/sim)
      target_link_libraries(fuzz_${name} PRIVATE PkgConfig::MHD PkgConfig::JANSSON)
    endif()
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})
  endif()
endfunction()

c1_fuzz_target(aws_xml SOURCES engine/core/xml.c engine/aws/query.c engine/aws/cloudformation.c
  engine/aws/s3.c engine/aws/sts.c engine/aws/iam.c engine/net/api_error.c)
c1_fuzz_target(api_error SOURCES engine/net/api_error.c engine/core/xml.c engine/core/json.c)
c1_fuzz_target(trend_json SOURCES engine/trend/cloudone.c engine/trend/visionone.c
  engine/trend/trend_http.c engine/core/json.c engine/net/api_error.c)
c1_fuzz_target(deployment_url SOURCES engine/trend/cloudone.c engine/net/url.c)
c1_fuzz_target(sigv4 SOURCES engine/aws/sigv4.c engine/net/headers.c)
if(C1_BUILD_SIM)
  c1_fuzz_target(sim_request SIM SOURCES)
endif()
