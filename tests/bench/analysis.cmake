# The analysis benchmark (issue 23): emerging hot spots over 1,000,000 incidents around Mali's
# GeoNames places, 1 km cells, 52 weekly steps; the Knox test and unusual activity beside it.
# `scripts/bench analysis`.
add_executable(bench_analysis EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/analysis/bench_analysis.cpp)
target_link_libraries(bench_analysis PRIVATE tessera_analysis Qt6::Core tessera_warnings)
target_compile_definitions(bench_analysis PRIVATE
    TESSERA_CITIES_JSON="${PROJECT_SOURCE_DIR}/maps/sources/cities.json")
add_dependencies(benchmarks bench_analysis)
