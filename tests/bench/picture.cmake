# The operating picture benchmark (issue 5): 100,000 incidents on the map at 1920x1080, frame
# times over a scripted pan and zoom, opening to the first frame, a filter change. Uses the demo
# mission's layers when scripts/demo has built it. `scripts/bench picture`.
add_executable(bench_picture EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/picture/bench_picture.cpp)
target_link_libraries(bench_picture PRIVATE tessera_quick tessera_store Qt6::Quick tessera_warnings)
target_compile_definitions(bench_picture PRIVATE
    TESSERA_CITIES_JSON="${PROJECT_SOURCE_DIR}/maps/sources/cities.json"
    TESSERA_DEMO_MISSION="${PROJECT_SOURCE_DIR}/maps/demo/mali-exercise.tessera")
add_dependencies(benchmarks bench_picture)
