# The kernel image and its boot media (included by CMakeLists.txt).
#
# biscotti is linked twice so that it carries its own symbol table for
# backtraces (backtrace.c): biscotti-nosyms with an empty table, then
# tools/ksyms turns that link's function symbols into ksyms.S, and
# biscotti is linked with it.  kernel.ld puts the table after everything
# else, so no other symbol moves between the two links; a post-link step
# (tools/ksyms --check) compares the two and fails the build if one did.
#
# biscotti.iso is the same kernel on a GRUB rescue image (tools/mkiso):
# what `make run` boots, and what a real PC boots from a USB stick.
set(KERNEL_LDS ${CMAKE_CURRENT_SOURCE_DIR}/kernel.ld)
set(KSYMS_TOOL ${CMAKE_SOURCE_DIR}/tools/ksyms)
set(MKISO_TOOL ${CMAKE_SOURCE_DIR}/tools/mkiso)
set(KSYMS_EMPTY ${CMAKE_CURRENT_BINARY_DIR}/ksyms-empty.S)
set(KSYMS_FULL ${CMAKE_CURRENT_BINARY_DIR}/ksyms.S)
set(KERNEL_ISO ${CMAKE_BINARY_DIR}/biscotti.iso)

# kernel_image(NAME KSYMS-SOURCE): kmain.c and a symbol table, linked
# with core and platform by kernel.ld into build/x86_64/NAME.
function(kernel_image name ksyms)
  add_executable(${name} kmain.c ${ksyms})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  # core and platform call each other: resolve them as one group.
  target_link_libraries(${name} PRIVATE
    -Wl,--start-group core platform -Wl,--end-group)
  target_link_options(${name} PRIVATE
    -nostdlib -static -no-pie
    -Wl,-T,${KERNEL_LDS} -Wl,-z,max-page-size=0x1000 -Wl,--build-id=none)
  set_target_properties(${name} PROPERTIES
    LINK_DEPENDS ${KERNEL_LDS}
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endfunction()

add_custom_command(OUTPUT ${KSYMS_EMPTY}
  COMMAND ${KSYMS_TOOL} --empty ${KSYMS_EMPTY}
  DEPENDS ${KSYMS_TOOL}
  COMMENT "Generating the empty kernel symbol table" VERBATIM)
kernel_image(biscotti-nosyms ${KSYMS_EMPTY})

add_custom_command(OUTPUT ${KSYMS_FULL}
  COMMAND ${CMAKE_COMMAND} -E env NM=${CMAKE_NM}
    ${KSYMS_TOOL} $<TARGET_FILE:biscotti-nosyms> ${KSYMS_FULL}
  DEPENDS biscotti-nosyms ${KSYMS_TOOL}
  COMMENT "Generating the kernel symbol table" VERBATIM)
kernel_image(biscotti ${KSYMS_FULL})
add_custom_command(TARGET biscotti POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E env NM=${CMAKE_NM}
    ${KSYMS_TOOL} --check $<TARGET_FILE:biscotti-nosyms>
    $<TARGET_FILE:biscotti>
  COMMENT "Checking that the symbol table moved no symbol" VERBATIM)

add_custom_command(OUTPUT ${KERNEL_ISO}
  COMMAND ${MKISO_TOOL} $<TARGET_FILE:biscotti> ${KERNEL_ISO}
  DEPENDS biscotti ${MKISO_TOOL}
  COMMENT "Making the GRUB boot image biscotti.iso" VERBATIM)
add_custom_target(iso ALL DEPENDS ${KERNEL_ISO})
