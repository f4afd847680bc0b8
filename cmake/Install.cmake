# Install rules and the CMake package (lib/cmake/qlinalg): the tools, the
# plugin, the libraries with exported targets in the qlinalg:: namespace,
# the public headers and the generated .inc files and .td sources.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(QLINALG_LIBRARIES
  QLinalgNumerics QLinalgNumericsBuilders QLinalgSupport QLinalgTarget
  MLIRQLinalgDialect QLinalgCalibration QLinalgTransforms QLinalgConversion
  QLinalgRuntime QLinalgRegistration)
foreach(lib ${QLINALG_LIBRARIES})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()
# The dialect is exported under the name users look for.
set_target_properties(MLIRQLinalgDialect PROPERTIES EXPORT_NAME QLinalgDialect)

add_library(QLinalgPasses INTERFACE)
target_link_libraries(QLinalgPasses INTERFACE
  QLinalgTransforms QLinalgConversion QLinalgRegistration)
add_library(QLinalg INTERFACE)
target_link_libraries(QLinalg INTERFACE ${QLINALG_LIBRARIES})

install(TARGETS ${QLINALG_LIBRARIES} QLinalgPasses QLinalg
  EXPORT qlinalgTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT qlinalg-libraries
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT qlinalg-libraries)
# Installed tools and the plugin find Debian's libMLIR.so where the build
# found it.
set_target_properties(qlinalg-opt qlinalg-run qlinalg-calibrate qlinalg-compile QLinalgPlugin
  PROPERTIES INSTALL_RPATH "${LLVM_LIBRARY_DIR}")
install(TARGETS qlinalg-opt qlinalg-run qlinalg-calibrate qlinalg-compile
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT qlinalg-tools)
install(TARGETS QLinalgPlugin
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT qlinalg-tools)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/qlinalg
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT qlinalg-headers
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/qlinalg
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT qlinalg-headers
  FILES_MATCHING PATTERN "*.h" PATTERN "*.inc"
  PATTERN "CMakeFiles" EXCLUDE)

set(QLINALG_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qlinalg)
install(EXPORT qlinalgTargets NAMESPACE qlinalg::
  DESTINATION ${QLINALG_CMAKE_DIR} COMPONENT qlinalg-cmake)
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/qlinalgConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lib/cmake/qlinalg/qlinalgConfig.cmake
  INSTALL_DESTINATION ${QLINALG_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/lib/cmake/qlinalg/qlinalgConfigVersion.cmake
  VERSION ${qlinalg_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/lib/cmake/qlinalg/qlinalgConfig.cmake
  ${PROJECT_BINARY_DIR}/lib/cmake/qlinalg/qlinalgConfigVersion.cmake
  DESTINATION ${QLINALG_CMAKE_DIR} COMPONENT qlinalg-cmake)
