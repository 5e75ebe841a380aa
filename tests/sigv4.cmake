# SigV4 golden files: build/tests/sigv4_vectors, one ctest entry per suite
# directory (sigv4.<suite>) and one per case (sigv4.<suite>.<case>), so a
# failure names the case; the program names the stage.
add_executable(sigv4_vectors ${CMAKE_CURRENT_SOURCE_DIR}/sigv4_vectors.c)
target_link_libraries(sigv4_vectors PRIVATE c1)
set_target_properties(sigv4_vectors PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${C1_TEST_BIN_DIR})

# sigv4-extra (tests/data) holds the suite's cases the shared copy lacks.
foreach(suite sigv4 sigv4-v4suite sigv4-extra)
  if(suite STREQUAL "sigv4-extra")
    set(suite_dir ${CMAKE_CURRENT_SOURCE_DIR}/data/${suite})
  else()
    set(suite_dir ${C1_SHARED_DIR}/testdata/${suite})
  endif()
  if(NOT IS_DIRECTORY ${suite_dir})
    message(WARNING "SigV4 vectors not found at ${suite_dir}; sigv4.${suite} will fail")
  endif()
  add_test(NAME sigv4.${suite} COMMAND sigv4_vectors ${suite_dir})
  set_tests_properties(sigv4.${suite} PROPERTIES LABELS "unit;sigv4" SKIP_RETURN_CODE 77 TIMEOUT 120)
  # A case is a folder holding <folder>.req (classic) or request.txt (aws-c-auth).
  file(GLOB_RECURSE case_files CONFIGURE_DEPENDS ${suite_dir}/*.req ${suite_dir}/request.txt)
  foreach(case_file ${case_files})
    get_filename_component(case_dir ${case_file} DIRECTORY)
    get_filename_component(case_name ${case_dir} NAME)
    add_test(NAME sigv4.${suite}.${case_name} COMMAND sigv4_vectors ${case_dir})
    set_tests_properties(sigv4.${suite}.${case_name} PROPERTIES LABELS "unit;sigv4" SKIP_RETURN_CODE 77 TIMEOUT 60)
  endforeach()
endforeach()
