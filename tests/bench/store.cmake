# The mission store benchmark (issue 4): bulk import of 1,000,000 incidents against a plain
# SQLite insert, bounding-box and text query latency, bytes per incident. `scripts/bench store`.
add_executable(bench_store ${CMAKE_CURRENT_SOURCE_DIR}/store/bench_store.cpp)
target_link_libraries(bench_store PRIVATE tessera_store SQLite::SQLite3 Qt6::Core tessera_warnings)
target_compile_definitions(bench_store PRIVATE
    TESSERA_CITIES_JSON="${PROJECT_SOURCE_DIR}/maps/sources/cities.json")
add_dependencies(benchmarks bench_store)
