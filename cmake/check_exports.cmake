# ctest driver: the shared library exports the public API and nothing else.
# Every defined dynamic symbol is a C API function (tconv1d_*) or, demangled,
# lies in namespace tconv1d (possibly after a return type); the kernels, the
# drivers and the C++ runtime's instantiations stay inside.
# Called with -DNM=<nm> -DLIBRARY=<path of the shared library>.
execute_process(COMMAND ${NM} -D --defined-only -C ${LIBRARY}
                OUTPUT_VARIABLE listing RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(count 0)
foreach(line IN LISTS lines)
  # "<address> <type> <name>"; absolute symbols (version nodes) have type A.
  if(NOT line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) (.*)$")
    continue()
  endif()
  set(type ${CMAKE_MATCH_1})
  set(name "${CMAKE_MATCH_2}")
  if(type STREQUAL "A")
    continue()
  endif()
  if(NOT name MATCHES "^tconv1d_[a-z0-9_]+$" AND NOT name MATCHES "^([A-Za-z_:<> ]+ )?tconv1d::")
    message(FATAL_ERROR "exported but not public API: ${name}")
  endif()
  math(EXPR count "${count} + 1")
endforeach()
if(count LESS 20)
  message(FATAL_ERROR "only ${count} exported symbols: the public API is missing")
endif()
message(STATUS "${count} exported symbols, all public API")
