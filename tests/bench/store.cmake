# The mission store benchmark (issue 4): bulk import of 1,000,000 incidents against a plain
# SQLite insert, bounding-box and text query latency, bytes per incident. `scripts/bench store`.
# Not part of `all`: the tests and CI do not build benchmarks; `scripts/bench` does.
add_executable(bench_store EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/store/bench_store.cpp)
target_link_libraries(bench_store PRIVATE tessera_store SQLite::SQLite3 Qt6::Core tessera_warnings)
target_compile_definitions(bench_store PRIVATE
    TESSERA_CITIES_JSON="${PROJECT_SOURCE_DIR}/maps/sources/cities.json")
add_dependencies(benchmarks bench_store)
