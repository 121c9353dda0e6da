# Post-link checks of a Cortex-M ELF (run with cmake -P):
#   -DNM=arm-none-eabi-nm -DSIZE=arm-none-eabi-size -DELF=<image> -DLABEL=<text>
#   -DFLASH_BUDGET=<bytes> -DRAM_BUDGET=<bytes>   (optional; 0 = no budget)
# 1. Fails when any allocation function is defined or referenced in the image (the link without nosys.specs
#    already fails on _sbrk; this names the culprit even when a board provides its own syscalls).
# 2. Prints flash (text + data) and RAM (data + bss) and fails when a budget is exceeded.
execute_process(COMMAND ${NM} -C ${ELF} OUTPUT_VARIABLE nm_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${ELF}")
endif()
set(forbidden
  "malloc" "calloc" "realloc" "free" "_malloc_r" "_calloc_r" "_realloc_r" "_free_r" "memalign" "_sbrk" "_sbrk_r"
  "operator new" "operator delete" "__cxa_allocate_exception" "__cxa_throw" "__cxa_begin_catch"
  "__gxx_personality_v0" "_Unwind_Resume" "__cxa_guard_acquire" "std::terminate")
string(REPLACE "\n" ";" nm_lines "${nm_out}")
set(found "")
foreach(line IN LISTS nm_lines)
  # "<addr> <type> <name>" or "         U <name>"
  if(line MATCHES "^[0-9a-fA-F ]+ [A-Za-z] (.+)$")
    set(sym "${CMAKE_MATCH_1}")
    foreach(f IN LISTS forbidden)
      if(sym STREQUAL f OR sym MATCHES "^${f}\\(")
        list(APPEND found "${sym}")
      endif()
    endforeach()
  endif()
endforeach()
if(found)
  list(REMOVE_DUPLICATES found)
  message(FATAL_ERROR "${LABEL}: allocation / exception symbols in ${ELF}: ${found}")
endif()

execute_process(COMMAND ${SIZE} -B ${ELF} OUTPUT_VARIABLE size_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SIZE} failed on ${ELF}")
endif()
string(REGEX MATCH "\n[ \t]*([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)" _ "${size_out}")
set(text ${CMAKE_MATCH_1})
set(data ${CMAKE_MATCH_2})
set(bss ${CMAKE_MATCH_3})
math(EXPR flash "${text} + ${data}")
math(EXPR ram "${data} + ${bss}")
message(STATUS "${LABEL}: flash ${flash} B (text ${text} + data ${data}), RAM ${ram} B (data ${data} + bss ${bss}); no allocation symbol")
if(FLASH_BUDGET AND flash GREATER FLASH_BUDGET)
  message(FATAL_ERROR "${LABEL}: flash ${flash} B exceeds the budget of ${FLASH_BUDGET} B")
endif()
if(RAM_BUDGET AND ram GREATER RAM_BUDGET)
  message(FATAL_ERROR "${LABEL}: RAM ${ram} B exceeds the budget of ${RAM_BUDGET} B")
endif()
