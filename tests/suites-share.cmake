# Suites of sharing (src/share). Included by tests/CMakeLists.txt.
tessera_add_suite(test_share_identity SOURCES unit/test_share_identity.cpp LIBS tessera_share)
tessera_add_suite(test_share_marking SOURCES unit/test_share_marking.cpp LIBS tessera_share)
tessera_add_suite(test_share_bundle SOURCES unit/test_share_bundle.cpp LIBS tessera_share)
tessera_add_suite(test_share_cli SOURCES unit/test_share_cli.cpp LIBS tessera_store Qt6::Core)
target_compile_definitions(test_share_cli PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(test_share_cli tessera-cli)
tessera_add_suite(test_share_sync SOURCES unit/test_share_sync.cpp LIBS tessera_share)
