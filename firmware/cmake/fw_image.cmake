# kpp_fw_image(): build one firmware image (shared by the host tree and the cross builds).
#
#   kpp_fw_image(<target> BOARD <board-dir> SOURCES <files...> [EXECUTABLE] [LIBRARY]
#                [DICT_DIR <dir>] [COMPILE_OPTIONS ...] [LINK_OPTIONS ...] [DEFINES ...])
#
# Compiles the sources into an object library, runs firmware/scripts/fwgen.py over those objects
# (their .fw_decl records) to produce <target>_tables.cpp and the data dictionary
# <DICT_DIR>/klipper.dict, then links objects + tables into an executable (EXECUTABLE) or a
# static library (LIBRARY). The board's folder supplies board/board.h through the include path.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(KPP_FW_DIR ${CMAKE_CURRENT_LIST_DIR}/..)
get_filename_component(KPP_FW_DIR ${KPP_FW_DIR} ABSOLUTE)
get_filename_component(KPP_FW_ROOT ${KPP_FW_DIR}/.. ABSOLUTE)

function(kpp_fw_image target)
  cmake_parse_arguments(A "EXECUTABLE;LIBRARY" "BOARD;DICT_DIR;OUTPUT_NAME"
                        "SOURCES;COMPILE_OPTIONS;LINK_OPTIONS;DEFINES;LINK_LIBRARIES" ${ARGN})
  if(NOT A_DICT_DIR)
    set(A_DICT_DIR ${CMAKE_CURRENT_BINARY_DIR}/${target})
  endif()
  add_library(${target}_objs OBJECT ${A_SOURCES})
  set_target_properties(${target}_objs PROPERTIES CXX_STANDARD 14 CXX_STANDARD_REQUIRED ON
                                                  CXX_EXTENSIONS ON)
  target_include_directories(${target}_objs PUBLIC ${KPP_FW_ROOT} ${KPP_FW_DIR} ${A_BOARD})
  target_compile_options(${target}_objs PRIVATE ${A_COMPILE_OPTIONS})
  target_compile_definitions(${target}_objs PRIVATE ${A_DEFINES})

  set(gen ${CMAKE_CURRENT_BINARY_DIR}/${target}_tables.cpp)
  set(dict ${A_DICT_DIR}/klipper.dict)
  add_custom_command(
    OUTPUT ${gen} ${dict}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${A_DICT_DIR}
    COMMAND ${Python3_EXECUTABLE} ${KPP_FW_DIR}/scripts/fwgen.py --out-cpp ${gen}
            --out-dict ${dict} --compiler ${CMAKE_CXX_COMPILER} --git-dir ${KPP_FW_ROOT}
            --board ${target} $<TARGET_OBJECTS:${target}_objs>
    DEPENDS ${target}_objs $<TARGET_OBJECTS:${target}_objs> ${KPP_FW_DIR}/scripts/fwgen.py
    COMMAND_EXPAND_LISTS
    COMMENT "Generating command tables and data dictionary of ${target}"
    VERBATIM)

  if(A_EXECUTABLE)
    add_executable(${target} $<TARGET_OBJECTS:${target}_objs> ${gen})
  else()
    add_library(${target} STATIC $<TARGET_OBJECTS:${target}_objs> ${gen})
    target_include_directories(${target} PUBLIC ${KPP_FW_ROOT} ${KPP_FW_DIR} ${A_BOARD})
  endif()
  set_target_properties(${target} PROPERTIES CXX_STANDARD 14 CXX_STANDARD_REQUIRED ON
                                             CXX_EXTENSIONS ON)
  if(A_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${A_OUTPUT_NAME})
  endif()
  target_include_directories(${target} PRIVATE ${KPP_FW_ROOT} ${KPP_FW_DIR} ${A_BOARD})
  target_compile_options(${target} PRIVATE ${A_COMPILE_OPTIONS})
  target_compile_definitions(${target} PRIVATE ${A_DEFINES})
  target_link_options(${target} PRIVATE ${A_LINK_OPTIONS})
  if(A_LINK_LIBRARIES)
    target_link_libraries(${target} PRIVATE ${A_LINK_LIBRARIES})
  endif()
endfunction()
