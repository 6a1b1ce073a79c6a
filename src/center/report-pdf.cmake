# SPDX-License-Identifier: Apache-2.0
# PDF reports (report-pdf.c) with cairo + Pango when pangocairo is installed
# (libcairo2-dev, libpango1.0-dev in scripts/deps.sh); without it the centre
# builds and answers format=pdf with 400.
pkg_check_modules(PANGOCAIRO IMPORTED_TARGET pangocairo)
if(PANGOCAIRO_FOUND)
  target_link_libraries(mamori-center-lib PUBLIC PkgConfig::PANGOCAIRO)
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/report-pdf.c PROPERTIES
    COMPILE_DEFINITIONS MM_HAVE_PDF=1)
endif()
# (Fuzz builds instrument the whole of mamori-center-lib: CMakeLists.txt.)
