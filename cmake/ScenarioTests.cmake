# bmsrig_add_scenario_tests(): one CTest test per case of the scenario library, so a CTest dashboard shows every case
# and `ctest -L LD-2` runs exactly the cases covering LD-2.
#
#   bmsrig_add_scenario_tests(SCENARIOS <folder> [HIL_FOLDERS <folder name>...] [HIL_RIGS <rig.yaml>...]
#                             [HIL_KIND <bench kind>])
#
# The cases are not known at configure time (bmsrig parses the YAML, and a matrix file expands to several cases):
# after bmsrig is built, and again whenever a scenario file changes, the build runs `bmsrig list --json` into
# scenario_cases.json and turns it into a CTest script (cmake/ScenarioTestsGenerate.cmake) that CTest includes
# (TEST_INCLUDE_FILES). Before the first build the tests are simply absent.
#
# Each case gives a test named by its case id (requirements/ld1_output_levels, requirements/x[fuse_a=60]) running
# `bmsrig run <file> --case <id> --mode sil`, labelled `case`, `sil`, its folder and each requirement ID.
# The whole library also runs once in `bmsrig.certify.library_run`; ci/test.sh excludes the label `case`, so CI runs
# the library once (a developer's `ctest -L LD-2` picks the per-case tests).
#
# With HIL_RIGS (rig files of the benches, usually from -DBMSRIG_HIL_RIGS=...), each case of the HIL_FOLDERS
# (default: bench) also gets a test `hil:<case id>` labelled `case`, `hil`, `bench` and the rest, declaring
# RESOURCE_GROUPS "<kind>:1" for one bench of its kind (HIL_KIND, default bench; `bmsrig resources` writes the
# matching resource spec). It runs `bmsrig run --mode hil --rig-pool <rig files>`: bmsrig takes the rig file of the
# bench CTest allocated. Run them with `ctest -L hil --resource-spec-file benches.json -j N`: never two on one bench.
set(BMSRIG_SCENARIO_TESTS_GENERATOR ${CMAKE_CURRENT_LIST_DIR}/ScenarioTestsGenerate.cmake)

function(bmsrig_add_scenario_tests)
  cmake_parse_arguments(arg "" "SCENARIOS;HIL_KIND" "HIL_FOLDERS;HIL_RIGS" ${ARGN})
  if(NOT arg_HIL_FOLDERS)
    set(arg_HIL_FOLDERS bench)
  endif()
  if(NOT arg_HIL_KIND)
    set(arg_HIL_KIND bench)
  endif()
  file(GLOB_RECURSE yaml CONFIGURE_DEPENDS ${arg_SCENARIOS}/*.yaml)
  set(json ${CMAKE_CURRENT_BINARY_DIR}/scenario_cases.json)
  set(script ${CMAKE_CURRENT_BINARY_DIR}/scenario_tests.cmake)
  string(REPLACE ";" "," hil_folders "${arg_HIL_FOLDERS}")
  string(REPLACE ";" "," hil_rigs "${arg_HIL_RIGS}")
  add_custom_command(
    OUTPUT ${json} ${script}
    COMMAND bmsrig list ${arg_SCENARIOS} --json --out ${json}
    COMMAND ${CMAKE_COMMAND} -DJSON=${json} -DOUT=${script} -DBMSRIG=$<TARGET_FILE:bmsrig>
            -DWORKDIR=${PROJECT_SOURCE_DIR} "-DHIL_FOLDERS=${hil_folders}" "-DHIL_RIGS=${hil_rigs}"
            -DHIL_KIND=${arg_HIL_KIND} -P ${BMSRIG_SCENARIO_TESTS_GENERATOR}
    DEPENDS bmsrig ${yaml} ${BMSRIG_SCENARIO_TESTS_GENERATOR}
    COMMENT "Registering the scenario library's cases as CTest tests"
    VERBATIM)
  add_custom_target(bmsrig_scenario_tests ALL DEPENDS ${json} ${script})
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/scenario_tests_include.cmake)
  file(WRITE ${include_file} "if(EXISTS \"${script}\")\n  include(\"${script}\")\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
