# Suites of sharing (src/share). Included by tests/CMakeLists.txt.
tessera_add_suite(test_share_identity SOURCES unit/test_share_identity.cpp LIBS tessera_share)
tessera_add_suite(test_share_marking SOURCES unit/test_share_marking.cpp LIBS tessera_share)
tessera_add_suite(test_share_bundle SOURCES unit/test_share_bundle.cpp LIBS tessera_share)
tessera_add_suite(test_share_cli SOURCES unit/test_share_cli.cpp LIBS tessera_store tessera_share Qt6::Core)
target_compile_definitions(test_share_cli PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(test_share_cli tessera-cli)
tessera_add_suite(test_share_sync SOURCES unit/test_share_sync.cpp LIBS tessera_share)
tessera_add_suite(test_share_signed SOURCES unit/test_share_signed.cpp LIBS tessera_share)
tessera_add_suite(test_share_sanitised SOURCES unit/test_share_sanitised.cpp
    LIBS tessera_share tessera_interop)
tessera_add_suite(test_share_release SOURCES unit/test_share_release.cpp
    LIBS tessera_share tessera_interop)

# libFuzzer target for the bundle reader: only with clang and -DTESSERA_SHARE_FUZZ=ON, in a
# build of its own (docs/sharing.md, "Fuzzing"); ctest then runs it for a bounded time.
option(TESSERA_SHARE_FUZZ "Build the libFuzzer target for the bundle reader (clang only)" OFF)
if(TESSERA_SHARE_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "TESSERA_SHARE_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++)")
    endif()
    # The reader's own sources, instrumented; the store is not needed to open a bundle (and
    # does not build with Debian's clang 14).
    set(src ${PROJECT_SOURCE_DIR}/src/share)
    add_executable(fuzz_share_bundle unit/test_share_fuzz.cpp
        ${src}/BundleFormat.cpp ${src}/BundlePayload.cpp ${src}/Cbor.cpp ${src}/ContactBook.cpp
        ${src}/Crypto.cpp ${src}/Identity.cpp ${src}/Passphrase.cpp ${src}/RecordSignature.cpp
        ${src}/VersionVector.cpp
        ${PROJECT_SOURCE_DIR}/src/store/MarkingGrammar.cpp)
    target_include_directories(fuzz_share_bundle PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(fuzz_share_bundle PRIVATE -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined)
    target_link_options(fuzz_share_bundle PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_share_bundle PRIVATE Qt6::Core OpenSSL::Crypto tessera_warnings)
    set(TESSERA_SHARE_FUZZ_SECONDS 60 CACHE STRING "How long ctest runs the bundle fuzzer")
    add_test(NAME fuzz_share_bundle
        COMMAND fuzz_share_bundle -max_total_time=${TESSERA_SHARE_FUZZ_SECONDS} -rss_limit_mb=4096
                ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus)
    set_tests_properties(fuzz_share_bundle PROPERTIES
        ENVIRONMENT "TESSERA_FUZZ_CORPUS=${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus"
        TIMEOUT 600)
endif()

# Sync over TLS 1.3 on loopback (src/sync).
tessera_add_suite(test_sync SOURCES unit/test_sync.cpp LIBS tessera_sync OpenSSL::SSL OpenSSL::Crypto)
tessera_add_suite(test_share_peerstatus SOURCES unit/test_share_peerstatus.cpp LIBS tessera_share)

# Sharing through a real Mosquitto broker, started by the tests (src/relay, docs/deployment.md).
tessera_add_suite(test_relay SOURCES unit/test_relay.cpp support/BrokerSupport.h
    LIBS tessera_relay tessera_share)
target_compile_definitions(test_relay PRIVATE TESSERA_CLI="$<TARGET_FILE:tessera-cli>")
add_dependencies(test_relay tessera-cli)
