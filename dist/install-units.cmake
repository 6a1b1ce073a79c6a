# SPDX-License-Identifier: Apache-2.0
# Run by `cmake --install` (dist/CMakeLists.txt sets the MM_* variables
# first): writes the systemd units with the programs' and settings' installed
# paths for the prefix in force now (a `--prefix` given to `cmake --install`
# included), installs sysusers.d/mamori.conf, and the default settings files
# (mamori/center.ini, sensor.ini, an empty intel/ folder) only where none is
# yet, so an upgrade keeps the vendor's. (file(INSTALL) puts DESTDIR before
# its DESTINATION itself; the other calls add it.)

# A relative directory under the prefix, as GNUInstallDirs makes it full:
# etc under /usr is /etc, under /opt/... it is /etc/opt/...
function(mm_full_dir dir out)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  elseif(dir STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
    set(${out} "/etc" PARENT_SCOPE)
  elseif(dir STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/opt/")
    set(${out} "/etc${CMAKE_INSTALL_PREFIX}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

# systemd's directory: the one given, else pkg-config's under systemd's own
# prefix, else DEFAULT under the prefix.
function(mm_systemd_dir given pc default out)
  if(given)
    mm_full_dir("${given}" dir)
  elseif(pc AND MM_PC_PREFIX AND CMAKE_INSTALL_PREFIX MATCHES "^${MM_PC_PREFIX}/?$")
    set(dir "${pc}")
  else()
    set(dir "${CMAKE_INSTALL_PREFIX}/${default}")
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

mm_full_dir("${MM_SBINDIR}" MM_SBIN)
mm_full_dir("${MM_SYSCONFDIR}" MM_ETC)
mm_systemd_dir("${MM_SYSTEMD_UNIT_DIR}" "${MM_PC_UNIT_DIR}" lib/systemd/system unitdir)
mm_systemd_dir("${MM_SYSUSERS_DIR}" "${MM_PC_SYSUSERS_DIR}" lib/sysusers.d sysusersdir)

# (written to a folder of this run's own: two installs at once, as tests
# do, must not write the same file)
string(RANDOM LENGTH 12 run)
set(tmp "${MM_DIST_BIN}/units-${run}")
file(GLOB units "${MM_DIST_SRC}/systemd/*.in")
foreach(in ${units})
  get_filename_component(name "${in}" NAME_WLE)
  file(READ "${in}" text)
  string(CONFIGURE "${text}" text @ONLY)
  file(WRITE "${tmp}/${name}" "${text}")
  file(INSTALL "${tmp}/${name}" DESTINATION "${unitdir}"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()
file(REMOVE_RECURSE "${tmp}")
file(INSTALL "${MM_DIST_SRC}/sysusers.d/mamori.conf" DESTINATION "${sysusersdir}"
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# Default settings: never replace the vendor's.
foreach(ini center.ini sensor.ini)
  if(EXISTS "$ENV{DESTDIR}${MM_ETC}/mamori/${ini}")
    message(STATUS "Kept: $ENV{DESTDIR}${MM_ETC}/mamori/${ini}")
  else()
    file(INSTALL "${MM_DIST_SRC}/etc/${ini}" DESTINATION "${MM_ETC}/mamori"
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
endforeach()
file(MAKE_DIRECTORY "$ENV{DESTDIR}${MM_ETC}/mamori/intel")
