# Source checks that cost nothing: banned functions, formatting, includes
# that flow up the layers, and every header compiling on its own.
add_test(NAME style.banned_functions COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-banned.sh)
add_test(NAME style.clang_format COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-format.sh)
add_test(NAME style.layers COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-layers.sh)
set_tests_properties(style.banned_functions style.clang_format style.layers PROPERTIES LABELS style)

file(GLOB_RECURSE C1_HEADERS CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}
  ${CMAKE_SOURCE_DIR}/batch/*.h ${CMAKE_SOURCE_DIR}/engine/*.h ${CMAKE_SOURCE_DIR}/reports/*.h)
set(C1_HEADER_CHECK_SOURCES)
foreach(hdr ${C1_HEADERS})
  string(MAKE_C_IDENTIFIER ${hdr} ident)
  set(src ${CMAKE_BINARY_DIR}/header_check/${ident}.c)
  file(CONFIGURE OUTPUT ${src} CONTENT "#include \"${hdr}\"\n#include \"${hdr}\"\nint c1_header_check_${ident};\n")
  list(APPEND C1_HEADER_CHECK_SOURCES ${src})
endforeach()
add_library(c1_header_check OBJECT ${C1_HEADER_CHECK_SOURCES})
target_link_libraries(c1_header_check PRIVATE c1)
