# Suites of geo, render, interop, quick and the executables. Included by tests/CMakeLists.txt.
tessera_add_suite(test_geo SOURCES unit/test_geo.cpp LIBS tessera_geo)
tessera_add_suite(test_render DEMO SOURCES unit/test_render.cpp LIBS tessera_render GDAL::GDAL)
tessera_add_suite(test_vector SOURCES unit/test_vector.cpp LIBS tessera_render GDAL::GDAL)
tessera_add_suite(test_raster DEMO SOURCES unit/test_raster.cpp LIBS tessera_render GDAL::GDAL)
tessera_add_suite(test_interop DEMO SOURCES unit/test_interop.cpp LIBS tessera_interop tessera_render GDAL::GDAL)
tessera_add_suite(test_quick DEMO SOURCES unit/test_quick.cpp LIBS tessera_quick Qt6::Quick GDAL::GDAL)
# The incident list, form and selection (issue 5).
tessera_add_suite(test_quick_incidents SOURCES unit/test_quick_incidents.cpp
    LIBS tessera_quick Qt6::Quick)
# The route editor: planned routes drawn and timed, taken up again, GPX tracks (issue 5).
tessera_add_suite(test_quick_routes SOURCES unit/test_quick_routes.cpp
    LIBS tessera_quick tessera_interop Qt6::Quick)
tessera_add_suite(test_quick_sharing SOURCES unit/test_quick_sharing.cpp
    LIBS tessera_quick tessera_quickplugin tessera_ui tessera_uiplugin tessera_relay Qt6::Quick)
target_compile_definitions(test_quick_sharing PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
tessera_add_suite(test_app DEMO SOURCES integration/test_app.cpp LIBS Qt6::Core)
target_compile_definitions(test_app PRIVATE
    TESSERA_APP="$<TARGET_FILE:tessera>" TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(test_app tessera tessera-cli)

# The Debian package (packaging/, scripts/package): CPack on this build, checked in a scratch root.
tessera_add_suite(test_package DEMO SOURCES integration/test_package.cpp LIBS Qt6::Core)
target_compile_definitions(test_package PRIVATE
    TESSERA_CPACK_CONFIG="${CMAKE_BINARY_DIR}/CPackConfig.cmake")
add_dependencies(test_package tessera tessera-cli)

# Cursor-on-Target events (src/interop/CursorOnTarget).
tessera_add_suite(test_cot SOURCES unit/test_cot.cpp LIBS tessera_interop)
target_compile_definitions(test_cot PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(test_cot tessera-cli)
# CoT routes and drawings, what events carried beyond their records, stale markers on the map.
tessera_add_suite(test_cot_shapes SOURCES unit/test_cot_shapes.cpp LIBS tessera_interop tessera_render)
# TAK data packages (src/interop/TakPackage).
tessera_add_suite(test_takpackage SOURCES unit/test_takpackage.cpp LIBS tessera_interop GDAL::GDAL)
target_compile_definitions(test_takpackage PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(test_takpackage tessera-cli)

# The TAK package's zip directory and manifest reader under libFuzzer, built beside the bundle
# fuzzer (option TESSERA_SHARE_FUZZ, tests/suites-share.cmake; clang only). Qt Core only.
if(TESSERA_SHARE_FUZZ)
    add_executable(fuzz_tak_archive unit/fuzz_tak_archive.cpp
        ${PROJECT_SOURCE_DIR}/src/interop/TakArchive.cpp)
    target_include_directories(fuzz_tak_archive PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(fuzz_tak_archive PRIVATE -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined)
    target_link_options(fuzz_tak_archive PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_tak_archive PRIVATE Qt6::Core tessera_warnings)
    set(TESSERA_TAK_FUZZ_SECONDS 30 CACHE STRING "How long ctest runs the TAK archive fuzzer")
    add_test(NAME fuzz_tak_archive
        COMMAND fuzz_tak_archive -max_total_time=${TESSERA_TAK_FUZZ_SECONDS} -rss_limit_mb=2048
                ${CMAKE_CURRENT_BINARY_DIR}/fuzz-tak-corpus)
    set_tests_properties(fuzz_tak_archive PROPERTIES
        ENVIRONMENT "TESSERA_FUZZ_CORPUS=${CMAKE_CURRENT_BINARY_DIR}/fuzz-tak-corpus"
        TIMEOUT 600)

    # The Cursor-on-Target reader (issue 18): its own sources instrumented; the libraries it
    # converts events with linked as they are (built by the same clang; the archive's own copy
    # of CursorOnTarget.o is never pulled in, every symbol of it being defined here first).
    add_executable(fuzz_cot_reader unit/fuzz_cot_reader.cpp
        ${PROJECT_SOURCE_DIR}/src/interop/CursorOnTarget.cpp
        ${PROJECT_SOURCE_DIR}/src/interop/XmlSafety.cpp)
    target_include_directories(fuzz_cot_reader PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_definitions(fuzz_cot_reader PRIVATE
        TESSERA_COT_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data/cot")
    target_compile_options(fuzz_cot_reader PRIVATE -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined)
    target_link_options(fuzz_cot_reader PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_cot_reader PRIVATE tessera_interop tessera_store tessera_geo Qt6::Core
        tessera_warnings)
    set(TESSERA_COT_FUZZ_SECONDS 30 CACHE STRING "How long ctest runs the CoT reader fuzzer")
    add_test(NAME fuzz_cot_reader
        COMMAND fuzz_cot_reader -max_total_time=${TESSERA_COT_FUZZ_SECONDS} -rss_limit_mb=2048
                -max_len=65536 ${CMAKE_CURRENT_BINARY_DIR}/fuzz-cot-corpus)
    set_tests_properties(fuzz_cot_reader PROPERTIES
        ENVIRONMENT "TESSERA_FUZZ_CORPUS=${CMAKE_CURRENT_BINARY_DIR}/fuzz-cot-corpus"
        TIMEOUT 600)

    # The record importer's side of the parse process (issue 18): the output of a parser that
    # may be lying, decoded and checked as an import does. Its own decoder instrumented.
    add_executable(fuzz_parsed_records unit/fuzz_parsed_records.cpp
        ${PROJECT_SOURCE_DIR}/src/interop/ParseProcess.cpp)
    target_include_directories(fuzz_parsed_records PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(fuzz_parsed_records PRIVATE -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined)
    target_link_options(fuzz_parsed_records PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_parsed_records PRIVATE tessera_interop tessera_store tessera_geo
        Qt6::Core tessera_warnings)
    add_test(NAME fuzz_parsed_records
        COMMAND fuzz_parsed_records -max_total_time=${TESSERA_COT_FUZZ_SECONDS} -rss_limit_mb=2048
                -max_len=65536 ${CMAKE_CURRENT_BINARY_DIR}/fuzz-records-corpus)
    set_tests_properties(fuzz_parsed_records PROPERTIES
        ENVIRONMENT "TESSERA_FUZZ_CORPUS=${CMAKE_CURRENT_BINARY_DIR}/fuzz-records-corpus"
        TIMEOUT 600)
endif()

# End to end on a real X display: the app's window driven by keys and clicks (issue 5). Under
# xvfb-run with the xcb platform, as one ctest test (catch_discover_tests cannot wrap a launcher).
find_program(XVFB_RUN xvfb-run REQUIRED)
add_executable(test_desk_e2e integration/test_desk_e2e.cpp)
target_link_libraries(test_desk_e2e PRIVATE tessera_test_main tessera_ui tessera_uiplugin
    tessera_quick tessera_quickplugin Qt6::Quick tessera_warnings)
add_test(NAME "test_desk_e2e: an analyst reports, annotates and finds an incident (Xvfb)"
    COMMAND ${XVFB_RUN} -a -s "-screen 0 1920x1080x24" $<TARGET_FILE:test_desk_e2e>)
set_tests_properties("test_desk_e2e: an analyst reports, annotates and finds an incident (Xvfb)"
    PROPERTIES TIMEOUT 300 ENVIRONMENT "QT_QPA_PLATFORM=xcb;QT_QUICK_BACKEND=software"
    FIXTURES_REQUIRED demo_mission)
# Analyses in the app (issue 23): hot spots and near repeats as layers, unusual activity.
tessera_add_suite(test_quick_analysis DEMO SOURCES unit/test_quick_analysis.cpp
                  LIBS tessera_quick Qt6::Quick)
# The SITREP (issue 23): pages, banners at the highest marking held, the period's analyses.
tessera_add_suite(test_report DEMO SOURCES unit/test_report.cpp LIBS tessera_report tessera_share)
# Find by typing (issue 21): positions in every notation, places and regions of the layers.
tessera_add_suite(test_find DEMO SOURCES unit/test_find.cpp LIBS tessera_quick Qt6::Quick)
# The window's layout at laptop and desk sizes, text scales and themes (issue 21).
tessera_add_suite(test_layout DEMO SOURCES integration/test_layout.cpp
    LIBS tessera_ui tessera_uiplugin tessera_quick tessera_quickplugin Qt6::Quick)
