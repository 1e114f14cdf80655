# Suites of the mission store. Included by tests/CMakeLists.txt.
tessera_add_suite(test_store SOURCES unit/test_store.cpp LIBS tessera_store)
tessera_add_suite(test_store_records SOURCES unit/test_store_records.cpp LIBS tessera_store)
tessera_add_suite(test_import SOURCES unit/test_import.cpp LIBS tessera_interop tessera_store)
# Files from the field (issue 18): the parse process, archive limits, multi-part and layers.
tessera_add_suite(test_parse_process SOURCES unit/test_parse_process.cpp
                  LIBS tessera_interop tessera_store GDAL::GDAL)
tessera_add_suite(test_export_records SOURCES unit/test_export_records.cpp
                  LIBS tessera_interop tessera_store)
tessera_add_suite(test_store_kill SOURCES integration/test_store_kill.cpp LIBS tessera_store Qt6::Core)
target_compile_definitions(test_store_kill PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(test_store_kill tessera-cli)
tessera_add_suite(test_store_worker SOURCES unit/test_store_worker.cpp LIBS tessera_store Qt6::Test)
# Analysis (issue 23): checked against SciPy and PySAL (tests/analysis/reference.py, run by the
# suite with Debian's own Python, where scripts/setup installs python3-scipy and python3-libpysal).
tessera_add_suite(test_analysis SOURCES unit/test_analysis.cpp LIBS tessera_analysis)
target_compile_definitions(test_analysis PRIVATE
    TESSERA_REFERENCE_PYTHON="/usr/bin/python3"
    TESSERA_REFERENCE_SCRIPT="${CMAKE_CURRENT_SOURCE_DIR}/analysis/reference.py")
