# Mission-scale sharing through a real Mosquitto broker (issue 20): `scripts/bench relay` runs
# 200 stations x 1,000 changes. Built with everything, since ctest runs it at CI's scale below.
add_executable(bench_relay ${CMAKE_CURRENT_SOURCE_DIR}/relay/bench_relay.cpp)
target_include_directories(bench_relay PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
target_link_libraries(bench_relay PRIVATE tessera_relay tessera_share tessera_store Qt6::Core
    tessera_warnings)
target_compile_definitions(bench_relay PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(bench_relay tessera-cli)
add_dependencies(benchmarks bench_relay)

# The same run with 20 stations, on one broker and on two bridged ones: it fails when the
# stations do not all hold exactly what they may (a liveness bound of 10 minutes, not a speed
# limit: alone it takes seconds; docs/benchmarks.md).
if(BUILD_TESTING)
    add_test(NAME "bench_relay:20 stations through one broker hold exactly what they may"
        COMMAND bench_relay --stations 20 --changes 40 --timeout 600)
    add_test(NAME "bench_relay:20 stations through two bridged brokers hold exactly what they may"
        COMMAND bench_relay --stations 20 --changes 40 --timeout 600 --bridged)
    set_tests_properties(
        "bench_relay:20 stations through one broker hold exactly what they may"
        "bench_relay:20 stations through two bridged brokers hold exactly what they may"
        PROPERTIES TIMEOUT 900 LABELS "relay")
endif()
