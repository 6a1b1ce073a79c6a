# SPDX-License-Identifier: Apache-2.0
# Generated tables for mamori-sensor-lib, included by src/sensor/CMakeLists.txt.
# The IEEE OUI vendor table (src/sensor/oui.cmake) is produced at configure time.
include(${CMAKE_CURRENT_LIST_DIR}/oui.cmake)
