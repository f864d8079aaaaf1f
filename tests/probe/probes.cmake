# Active probing tests (labels "net;probe"): network namespaces and veth
# pairs made by each script (198.18.0.0/15 only), hosts.py's HTTP and TCP
# servers, dnsmasq and the kernel's ICMP as the far ends, nft and link
# state for the outages, tests/live/flow_sender.py's NetFlow records for a
# flood (probe.incident); `lightsout serve` and `lightsout probe` as the
# prober.  Root only: each script exits 77 (skip) when not root or when a
# tool is missing.  RUN_SERIAL: their event times are checked to the second.
# Included from tests/CMakeLists.txt:  include(${CMAKE_CURRENT_SOURCE_DIR}/probe/probes.cmake)
set(LO_PROBE_TESTS ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME probe.hosts
         COMMAND bash ${LO_PROBE_TESTS}/check_hosts.sh $<TARGET_FILE:lightsout>)
add_test(NAME probe.block
         COMMAND bash ${LO_PROBE_TESTS}/check_block.sh $<TARGET_FILE:lightsout>)
add_test(NAME probe.cli
         COMMAND bash ${LO_PROBE_TESTS}/check_cli.sh $<TARGET_FILE:lightsout>)
add_test(NAME probe.incident
         COMMAND bash ${LO_PROBE_TESTS}/check_incident.sh $<TARGET_FILE:lightsout>)
set_tests_properties(probe.hosts probe.block probe.cli probe.incident PROPERTIES
                     LABELS "net;probe" RUN_SERIAL TRUE SKIP_RETURN_CODE 77 TIMEOUT 180)
