/* pt-helper-bind.c: hand a device to vfio-pci now, and give it back.
 *
 * The kernel's own interface, under the root (PASSTHROUGH_ROOT in tests):
 *   echo vfio-pci > sys/bus/pci/devices/A/driver_override
 *   echo A > sys/bus/pci/devices/A/driver/unbind
 *   echo A > sys/bus/pci/drivers_probe
 * All functions of the slot get their override before any is unbound, so the
 * HDMI audio function is not grabbed back by its driver in between.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pt-device.h"
#include "pt-error.h"
#include "pt-guard.h"
#include "pt-helper-bind.h"
#include "pt-traps.h"

#define VFIO_DRIVER "vfio-pci"

GStrv
pt_helper_bind_dup_devices (PtTopology *topology,
                            const char *address)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  PtDevice *dev = pt_topology_lookup (topology, address);
  GStrv slot;

  if (dev == NULL)
    return NULL;
  g_strv_builder_add (builder, address);
  slot = pt_device_get_slot_functions (dev);
  for (guint i = 0; slot != NULL && slot[i] != NULL; i++)
    {
      PtDevice *other = pt_topology_lookup (topology, slot[i]);

      if (g_str_equal (slot[i], address) || other == NULL ||
          pt_device_get_kind (other) == PT_DEVICE_KIND_BRIDGE)
        continue;
      g_strv_builder_add (builder, slot[i]);
    }
  return g_strv_builder_end (builder);
}

/* sys/class/drm/card0-HDMI-A-1/status is "connected" while a monitor is
 * plugged into that output; card0/device leads to the PCI function. */
static char *
find_connected_output (PtPaths    *paths,
                       const char *address)
{
  g_autofree char *drm = pt_paths_build (paths, "sys", "class", "drm", NULL);
  g_autoptr(GDir) dir = g_dir_open (drm, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *card = NULL;
      g_autofree char *card_dir = NULL;
      g_autofree char *status_path = NULL;
      g_autofree char *status = NULL;
      g_autofree char *device_link = NULL;
      g_autofree char *device_dir = NULL;
      g_autofree char *device_address = NULL;
      const char *dash;

      if (!g_str_has_prefix (name, "card") || (dash = strchr (name, '-')) == NULL)
        continue;
      status_path = g_build_filename (drm, name, "status", NULL);
      if (!pt_paths_read_line (paths, status_path, &status) || !g_str_equal (status, "connected"))
        continue;
      /* class/drm/cardN is itself a link: resolve it before its "device"
       * link, whose target is relative to the real directory. */
      card = g_build_filename (drm, name, NULL);
      card[strlen (drm) + 1 + (dash - name)] = '\0';
      card_dir = pt_paths_resolve_link (paths, card);
      if (card_dir == NULL)
        continue;
      device_link = g_build_filename (card_dir, "device", NULL);
      device_dir = pt_paths_resolve_link (paths, device_link);
      if (device_dir == NULL)
        continue;
      device_address = g_path_get_basename (device_dir);
      if (g_str_equal (device_address, address))
        return g_strdup (dash + 1);
    }
  return NULL;
}

gboolean
pt_helper_bind_check (PtPaths            *paths,
                      PtTopology         *topology,
                      const char *const  *devices,
                      GError            **error)
{
  for (guint i = 0; devices[i] != NULL; i++)
    {
      PtDevice *dev = pt_topology_lookup (topology, devices[i]);
      g_autofree char *name = NULL;
      g_autofree char *output = NULL;
      GStrv holds;

      if (dev == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_DEVICE,
                       "There is no PCI device at %s on this machine.", devices[i]);
          return FALSE;
        }
      name = pt_device_dup_display_name (dev);
      if (pt_device_get_kind (dev) == PT_DEVICE_KIND_BRIDGE)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       "%s (%s) is a PCI bridge: bridges stay with the host.", name, devices[i]);
          return FALSE;
        }
      if (pt_device_get_boot_vga (dev))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       "%s (%s) is the GPU the firmware boots on and the host is showing its "
                       "console on it; bind another GPU, or set it up at boot with “passthroughctl apply”.",
                       name, devices[i]);
          return FALSE;
        }
      output = find_connected_output (paths, devices[i]);
      if (output != NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       "%s (%s) has a display connected on %s; unplug it or move it to the host's "
                       "other GPU first.", name, devices[i], output);
          return FALSE;
        }
      {
        /* processes with the card's DRM or NVIDIA nodes open (src/core/pt-traps.c) */
        g_autoptr(GPtrArray) users = pt_traps_holders (paths, topology, devices[i]);
        if (users->len > 0)
          {
            g_ptr_array_add (users, NULL);
            g_autofree char *names = g_strjoinv (", ", (char **) users->pdata);
            g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                         "%s (%s) is in use by %s; quit them before handing it to vfio-pci.",
                         name, devices[i], names);
            return FALSE;
          }
      }
      holds = pt_device_get_holds (dev);
      if (holds != NULL && g_strv_contains ((const char *const *) holds, "network"))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       "%s (%s) is the network card a mounted network file system (NFS, CIFS, …) is "
                       "reached through; taking it away would leave the host's files on it hanging. "
                       "Unmount it first, or route it through another card.", name, devices[i]);
          return FALSE;
        }
      /* a keyboard's controller (holds "keyboard") is only a warning of the
       * plan (pt-guard.h): the person asked for it at runtime */
      if (pt_guard_for_device (dev) & PT_GUARD_HOST_STORAGE)
        {
          g_autofree char *what = g_strjoinv (", ", holds);
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       "%s (%s) controls a disk the host is using (%s); taking it away would "
                       "take the file system with it.", name, devices[i], what);
          return FALSE;
        }
      if (pt_device_get_default_route (dev))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       "%s (%s) is the network card of the host's default route; taking it away "
                       "would cut the host's network.", name, devices[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* A sysfs attribute is written in place, never created or renamed: a file
 * that is not there means the kernel does not offer it. */
static gboolean
write_attribute (const char  *path,
                 const char  *value,
                 GError     **error)
{
  gsize len = strlen (value);
  gsize done = 0;
  int fd;

  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, "Could not open %s: %s.",
                   path, g_strerror (saved));
      return FALSE;
    }
  while (done < len)
    {
      ssize_t n = write (fd, value + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;
          close (fd);
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED, "Could not write “%s” to %s: %s.",
                       value, path, g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }
  if (close (fd) < 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, "Could not write “%s” to %s: %s.",
                   value, path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* PASSTHROUGH_COMMAND_WRAPPER (tests) goes in front; under another root the
 * command runs inside it, never on the host (docs/root.md). */
static gboolean
run_command (PtPaths            *paths,
             const char *const  *argv,
             PtProgressFunc      progress,
             gpointer            user_data,
             GError            **error)
{
  g_autoptr(GPtrArray) full = g_ptr_array_new ();
  g_autofree char *output = NULL;
  g_autofree char *shown = NULL;
  const char *wrapper = g_getenv ("PASSTHROUGH_COMMAND_WRAPPER");
  int status = 0;

  if (wrapper != NULL && *wrapper != '\0')
    g_ptr_array_add (full, (gpointer) wrapper);
  if (!pt_paths_is_host (paths))
    {
      g_ptr_array_add (full, (gpointer) "chroot");
      g_ptr_array_add (full, (gpointer) pt_paths_get_root (paths));
    }
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, (gpointer) argv[i]);
  g_ptr_array_add (full, NULL);

  shown = g_strjoinv (" ", (char **) argv);
  if (progress)
    progress ("command", 0.1, shown, user_data);
  if (!g_spawn_sync (NULL, (char **) full->pdata, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_STDIN_FROM_DEV_NULL,
                     NULL, NULL, &output, NULL, &status, error))
    return FALSE;
  if (progress && output != NULL && *output != '\0')
    progress ("command", 0.2, g_strchomp (output), user_data);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   "“%s” failed, so nothing was bound: is the vfio-pci module installed?", shown);
      return FALSE;
    }
  return TRUE;
}

static char *
device_path (PtPaths    *paths,
             const char *address,
             const char *attribute)
{
  return pt_paths_build (paths, "sys", "bus", "pci", "devices", address, attribute, NULL);
}

static gboolean
bound_to (PtPaths    *paths,
          const char *address,
          const char *driver)
{
  g_autofree char *link = device_path (paths, address, "driver");
  g_autofree char *target = g_file_read_link (link, NULL);
  g_autofree char *name = target ? g_path_get_basename (target) : NULL;

  if (name == NULL)
    return FALSE;
  return driver == NULL || g_str_equal (name, driver);
}

gboolean
pt_helper_bind_run (PtPaths            *paths,
                    PtTopology         *topology,
                    const char *const  *devices,
                    gboolean            bind,
                    PtProgressFunc      progress,
                    gpointer            user_data,
                    GError            **error)
{
  static const char *const modprobe[] = { "modprobe", VFIO_DRIVER, NULL };
  g_autofree char *probe = pt_paths_build (paths, "sys", "bus", "pci", "drivers_probe", NULL);
  guint n = g_strv_length ((GStrv) devices);

  if (bind && !run_command (paths, modprobe, progress, user_data, error))
    return FALSE;
  if (!bind && n > 0 && !bound_to (paths, devices[0], VFIO_DRIVER))
    {
      /* Nothing to give back, unless a Bind left the override behind
       * without a driver (vfio-pci refused the device). */
      g_autofree char *override_path = device_path (paths, devices[0], "driver_override");
      g_autofree char *override = NULL;
      if (!g_file_get_contents (override_path, &override, NULL, NULL) ||
          !g_str_equal (g_strstrip (override), VFIO_DRIVER))
        {
          g_autofree char *link = device_path (paths, devices[0], "driver");
          g_autofree char *target = g_file_read_link (link, NULL);
          g_autofree char *driver = target ? g_path_get_basename (target) : NULL;
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                       driver ? "%s is not on vfio-pci (its driver is %s), so there is nothing to give back; nothing was changed."
                              : "%s is not on vfio-pci (it has no driver), so there is nothing to give back; nothing was changed.",
                       devices[0], driver);
          return FALSE;
        }
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = device_path (paths, devices[i], "driver_override");
      /* A newline alone clears the override (drivers/pci/pci-sysfs.c). */
      if (!write_attribute (path, bind ? VFIO_DRIVER "\n" : "\n", error))
        return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      /* Bind: away from whatever holds it.  Unbind: only away from vfio-pci. */
      if (bound_to (paths, devices[i], bind ? NULL : VFIO_DRIVER) &&
          !(bind && bound_to (paths, devices[i], VFIO_DRIVER)))
        {
          g_autofree char *unbind = device_path (paths, devices[i], "driver/unbind");
          g_autofree char *line = g_strdup_printf ("%s\n", devices[i]);
          g_autofree char *link = device_path (paths, devices[i], "driver");
          g_autofree char *target = g_file_read_link (link, NULL);
          g_autofree char *driver = target ? g_path_get_basename (target) : g_strdup ("?");
          g_autofree char *message = g_strdup_printf ("Taking %s away from %s", devices[i], driver);
          if (progress)
            progress ("unbind", 0.3 + 0.3 * i / n, message, user_data);
          if (!write_attribute (unbind, line, error))
            return FALSE;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = g_strdup_printf ("%s\n", devices[i]);
      g_autofree char *message = bind ? g_strdup_printf ("Handing %s to vfio-pci", devices[i])
                                      : g_strdup_printf ("Giving %s back to its own driver", devices[i]);
      if (progress)
        progress ("probe", 0.6 + 0.4 * (i + 1) / n, message, user_data);
      if (!write_attribute (probe, line, error))
        return FALSE;
    }
  return TRUE;
}
