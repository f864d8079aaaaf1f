# Flow golden tests (included by tests/golden/CMakeLists.txt): every capture
# set of tests/data/flows decoded by `lightsout flows -j`, compared with the
# flow records tshark 4.0.17 decoded (docs/testing.md, "Flow golden tests").
#
#   golden.flows.<set>    check_flows.sh on one set of sets.tsv against
#                         expected/<set>.tsv (needs jq, and python3 for the
#                         sets of raw payloads)
#   golden.flows.regen    gen_expected.sh into a temporary directory: the
#                         committed expected files are exactly what tshark
#                         and the scripts produce.  Only when tshark 4.0.17
#                         is installed (skipped otherwise) and not in
#                         sanitizer builds (it does not run lightsout).  About
#                         4 CPU-minutes (one tshark start per set), so it
#                         is started first (COST) with a long timeout.
#
# Uses BASH_PROGRAM (found by tests/golden/CMakeLists.txt).

set(LO_FLOWS_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(LO_FLOWS_DATA ${CMAKE_CURRENT_LIST_DIR}/../../data/flows ABSOLUTE)

file(STRINGS ${LO_FLOWS_DIR}/sets.tsv LO_FLOWS_SETS REGEX "^[^#]")
foreach(line ${LO_FLOWS_SETS})
  string(REPLACE "\t" ";" fields "${line}")
  list(LENGTH fields n)
  if(NOT n EQUAL 3)
    message(FATAL_ERROR "flows/sets.tsv: not NAME<TAB>EXIT<TAB>FILES: ${line}")
  endif()
  list(GET fields 0 name)
  list(GET fields 1 exit_spec)
  list(GET fields 2 files)
  separate_arguments(files UNIX_COMMAND "${files}")
  set(paths)
  foreach(f ${files})
    if(NOT EXISTS ${LO_FLOWS_DATA}/${f})
      message(FATAL_ERROR "flows/sets.tsv: ${name}: no file tests/data/flows/${f}")
    endif()
    list(APPEND paths ${LO_FLOWS_DATA}/${f})
  endforeach()
  set(expected ${LO_FLOWS_DIR}/expected/${name}.tsv)
  if(NOT EXISTS ${expected})
    message(FATAL_ERROR "flows golden: no expected output ${expected}; "
                        "run tests/golden/flows/gen_expected.sh")
  endif()
  add_test(NAME golden.flows.${name}
           COMMAND ${BASH_PROGRAM} ${LO_FLOWS_DIR}/check_flows.sh
                   $<TARGET_FILE:lightsout> ${expected} ${exit_spec} ${paths})
  set_tests_properties(golden.flows.${name} PROPERTIES LABELS "golden;flows" TIMEOUT 300)
endforeach()

# ~4 CPU-minutes: only when asked for (cmake -DLO_GOLDEN_REGEN=ON), not in CI.
option(LO_GOLDEN_REGEN "Register golden.flows.regen (regenerates the expected files with tshark)" OFF)
find_program(LO_TSHARK tshark)
if(LO_GOLDEN_REGEN AND LO_TSHARK AND NOT LO_SANITIZE)
  add_test(NAME golden.flows.regen
           COMMAND ${BASH_PROGRAM} ${LO_FLOWS_DIR}/gen_expected.sh --check)
  set_tests_properties(golden.flows.regen PROPERTIES LABELS "golden;flows;tshark"
                       TIMEOUT 1800 COST 500 SKIP_RETURN_CODE 77)
endif()
