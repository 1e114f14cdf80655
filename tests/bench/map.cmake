# The map benchmark (issue 3). Data: tests/bench/map/prepare-data; peer: QGIS 3.22 through python3.
# Not part of `all`: the tests and CI do not build benchmarks; `scripts/bench` does.
add_executable(bench_map EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/map/bench_map.cpp)
target_link_libraries(bench_map PRIVATE tessera_quick tessera_render tessera_store Qt6::Quick GDAL::GDAL tessera_warnings)
target_compile_definitions(bench_map PRIVATE
    TESSERA_BENCH_DIR="${CMAKE_CURRENT_SOURCE_DIR}/map"
    TESSERA_BENCH_DATA="${PROJECT_SOURCE_DIR}/build/bench-data")
add_dependencies(benchmarks bench_map)
