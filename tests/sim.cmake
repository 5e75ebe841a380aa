# c1sim: every tests/sim/*.c but sim_main.c forms c1simlib; sim_main.c makes build/c1sim.
if(NOT C1_BUILD_SIM)
  return()
endif()
file(GLOB C1_SIM_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/sim/*.c)
list(REMOVE_ITEM C1_SIM_SOURCES ${CMAKE_SOURCE_DIR}/tests/sim/sim_main.c)
# -DC1_SIM_EXCLUDE="sim_x.c;..." leaves files out (a module mid-rewrite); the weak
# placeholders in sim_placeholders.c stand in for what they define.
foreach(skip ${C1_SIM_EXCLUDE})
  list(REMOVE_ITEM C1_SIM_SOURCES ${CMAKE_SOURCE_DIR}/tests/sim/${skip})
endforeach()
# An OBJECT library, not STATIC: sim_placeholders.c holds weak stand-ins for
# other helpers' modules, and an archive could satisfy a symbol from the weak
# member and never pull the real one. Linking the objects directly lets the
# strong definitions win every time.
add_library(c1simlib OBJECT ${C1_SIM_SOURCES})
target_include_directories(c1simlib PUBLIC ${CMAKE_SOURCE_DIR}/tests/sim)
target_link_libraries(c1simlib PUBLIC c1 PkgConfig::MHD PkgConfig::JANSSON)

add_executable(c1sim ${CMAKE_SOURCE_DIR}/tests/sim/sim_main.c)
target_link_libraries(c1sim PRIVATE c1simlib)
set_target_properties(c1sim PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# Drives the real AWS CLI against a c1sim started on a random port (ctest -j safe).
add_test(NAME integration.sim.aws_cli
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/sim_aws_cli.sh $<TARGET_FILE:c1sim>)
set_tests_properties(integration.sim.aws_cli PROPERTIES LABELS "integration;sim" TIMEOUT 300 SKIP_RETURN_CODE 77)
