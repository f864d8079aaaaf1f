# Flow collector tests (labels "net;flow"): network namespaces and veth
# pairs made by each script (198.18.0.0/15 only), real exporters (softflowd,
# fprobe, pmacctd), floods from hping3 and tcpreplay, BIRD 2 as the RTBH
# peer, `lightsout serve` as the collector.  Root only: each script exits 77
# (skip) when not root or when a tool is missing.  RUN_SERIAL: they load
# both cores and use fixed ports inside their own namespaces.
# Included from tests/CMakeLists.txt:  include(${CMAKE_CURRENT_SOURCE_DIR}/flow/flows.cmake)
set(LO_FLOW_TESTS ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME flow.pcap_vectors
         COMMAND bash ${LO_FLOW_TESTS}/check_pcap_vectors.sh $<TARGET_FILE:lightsout>
                 ${CMAKE_SOURCE_DIR}/tests/data/ddos)
add_test(NAME flow.flood_rtbh
         COMMAND bash ${LO_FLOW_TESTS}/check_flood_rtbh.sh $<TARGET_FILE:lightsout>)
add_test(NAME flow.garbage
         COMMAND bash ${LO_FLOW_TESTS}/check_garbage.sh $<TARGET_FILE:lightsout>)
set_tests_properties(flow.pcap_vectors flow.flood_rtbh flow.garbage PROPERTIES
                     LABELS "net;flow" RUN_SERIAL TRUE SKIP_RETURN_CODE 77 TIMEOUT 180)
