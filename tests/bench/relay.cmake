# Mission-scale sharing through a real Mosquitto broker (issue 20): `scripts/bench relay` runs
# 200 stations x 1,000 changes. Not in CI yet: with 20 stations under a loaded ctest it once did
# not converge (a bundle dropped while the mission was busy, since fixed; docs/benchmarks.md).
add_executable(bench_relay EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/relay/bench_relay.cpp)
target_include_directories(bench_relay PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
target_link_libraries(bench_relay PRIVATE tessera_relay tessera_share tessera_store Qt6::Core
    tessera_warnings)
target_compile_definitions(bench_relay PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(bench_relay tessera-cli)
add_dependencies(benchmarks bench_relay)
