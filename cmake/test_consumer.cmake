# ctest driver: install the library into a scratch prefix, then configure,
# build and run the consumer example against it with find_package(tconv1d).
# Called with -DBUILD_DIR=... -DSOURCE_DIR=... -DGENERATOR=...
set(prefix ${BUILD_DIR}/consumer-test/prefix)
set(consumer_build ${BUILD_DIR}/consumer-test/build)
file(REMOVE_RECURSE ${BUILD_DIR}/consumer-test)

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "consumer test step failed (${result}): ${ARGN}")
  endif()
endfunction()

run_step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/cpp/examples/consumer -B ${consumer_build}
         -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run_step(${CMAKE_COMMAND} --build ${consumer_build})
run_step(${consumer_build}/consumer)
