# Suites of the mission store. Included by tests/CMakeLists.txt.
tessera_add_suite(test_store SOURCES unit/test_store.cpp LIBS tessera_store)
