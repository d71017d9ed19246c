/* pt-topology-sysfs.c: reads the topology from sysfs below a root.
 *
 * Only a few attributes are required (vendor, device, class): without them a
 * device cannot be named or classified, and the listing stops with an error
 * that names the file.  Everything else may be missing (old kernels, VFs,
 * fixture trees) and then simply is unknown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt-error.h"
#include "pt-names.h"
#include "pt-slots.h"
#include "pt-topology-private.h"

/* "dir/name" for a sysfs attribute: dir never ends in a slash here, and
 * g_build_filename's separator handling costs more than reading the file. */
static inline char *
attr_path (const char *dir,
           const char *name)
{
  return g_strconcat (dir, G_DIR_SEPARATOR_S, name, NULL);
}

static gboolean
parse_hex (const char *text,
           guint32     max,
           guint32    *out)
{
  char *end = NULL;
  guint64 v;

  if (text == NULL || *text == '\0')
    return FALSE;
  /* No errno check: an overflow gives G_MAXUINT64, which MAX refuses, and
   * errno can be left set by a conversion that succeeded. GLib makes its C
   * locale at the first g_ascii_strto*() of a process, under g_once; a
   * thread that waits there for another comes back with errno EAGAIN (44
   * of 2,000 processes whose two threads made their first call at once).
   * The app reads the machine in a thread while GTK parses its style
   * sheets, and CI saw the first device's "0x8086" refused (2026-12-07). */
  v = g_ascii_strtoull (text, &end, 16);
  if (end == text || *end != '\0' || v > max)
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

static gboolean
read_hex_attr (PtPaths    *paths,
               const char *dir,
               const char *name,
               guint32     max,
               gboolean    required,
               guint32    *out,
               GError    **error)
{
  g_autofree char *path = attr_path (dir, name);
  g_autofree char *line = NULL;

  if (!pt_paths_read_line (paths, path, &line))
    {
      if (!required)
        return TRUE;
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("Cannot read %s: the device has no %s attribute in sysfs."), path, name);
      return FALSE;
    }
  if (!parse_hex (line, max, out))
    {
      if (!required)
        return TRUE;
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("%s holds “%s”, which is not a hexadecimal number."), path, line);
      return FALSE;
    }
  return TRUE;
}

static char *
link_basename (PtPaths    *paths,
               const char *dir,
               const char *name)
{
  g_autofree char *path = attr_path (dir, name);
  g_autofree char *target = g_file_read_link (path, NULL);

  if (target == NULL)
    return NULL;
  return g_path_get_basename (target);
}

static int
compare_virtfn (gconstpointer a,
                gconstpointer b)
{
  const char *sa = *(const char **) a, *sb = *(const char **) b;
  long na = strtol (sa + strlen ("virtfn"), NULL, 10);
  long nb = strtol (sb + strlen ("virtfn"), NULL, 10);
  return (na > nb) - (na < nb);
}

static void
read_sriov (PtPaths    *paths,
            PtDevice   *dev)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *total_path = NULL;
  const char *name;

  dev->physfn = link_basename (paths, dev->sysfs_dir, "physfn");
  /* Only physical functions have sriov_totalvfs; listing every device's
   * directory to look for virtfnN links would cost a directory read per device. */
  total_path = attr_path (dev->sysfs_dir, "sriov_totalvfs");
  if (dev->physfn != NULL || !pt_paths_exists (paths, total_path))
    return;
  dir = g_dir_open (dev->sysfs_dir, 0, NULL);
  if (dir == NULL)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "virtfn") && g_ascii_isdigit (name[6]))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_virtfn);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *vf = link_basename (paths, dev->sysfs_dir, g_ptr_array_index (names, i));
      if (vf != NULL && pt_address_is_valid (vf))
        g_ptr_array_add (dev->virtfns, g_steal_pointer (&vf));
    }
}

static PtDevice *
read_device (PtPaths    *paths,
             const char *devices_dir,
             const char *address,
             GError    **error)
{
  g_autoptr(PtDevice) dev = pt_device_new (address);
  g_autofree char *entry = attr_path (devices_dir, address);
  g_autofree char *parent_dir = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *group = NULL;
  g_autofree char *boot_vga = NULL;
  g_autofree char *boot_vga_path = NULL;
  g_autofree char *reset_path = NULL;
  guint32 v = 0;

  dev->sysfs_dir = pt_paths_resolve_link (paths, entry);
  if (dev->sysfs_dir == NULL)
    dev->sysfs_dir = g_strdup (entry);
  if (!g_file_test (dev->sysfs_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("%s does not lead to a device directory in sysfs."), entry);
      return NULL;
    }

  if (!read_hex_attr (paths, dev->sysfs_dir, "vendor", 0xffff, TRUE, &v, error))
    return NULL;
  dev->vendor = v;
  if (!read_hex_attr (paths, dev->sysfs_dir, "device", 0xffff, TRUE, &v, error))
    return NULL;
  dev->device = v;
  if (!read_hex_attr (paths, dev->sysfs_dir, "class", 0xffffff, TRUE, &v, error))
    return NULL;
  dev->class_code = v;
  v = 0;
  read_hex_attr (paths, dev->sysfs_dir, "subsystem_vendor", 0xffff, FALSE, &v, NULL);
  dev->subsystem_vendor = v;
  v = 0;
  read_hex_attr (paths, dev->sysfs_dir, "subsystem_device", 0xffff, FALSE, &v, NULL);
  dev->subsystem_device = v;
  v = 0;
  read_hex_attr (paths, dev->sysfs_dir, "revision", 0xff, FALSE, &v, NULL);
  dev->revision = v;
  pt_device_update_kind (dev);

  dev->driver = link_basename (paths, dev->sysfs_dir, "driver");

  /* Only display devices (class 03xxxx) have boot_vga or boot_display. */
  boot_vga_path = attr_path (dev->sysfs_dir, "boot_vga");
  if (((dev->class_code >> 16) & 0xff) != 0x03)
    ;
  else if (pt_paths_read_line (paths, boot_vga_path, &boot_vga))
    dev->boot_vga = g_str_equal (boot_vga, "1");
  else
    {
      /* boot_vga exists for VGA-class (0300) devices only; since Linux 6.17
       * other display devices (0380, 0302) carry boot_display instead. */
      g_autofree char *boot_display_path = attr_path (dev->sysfs_dir, "boot_display");
      g_autofree char *boot_display = NULL;
      if (pt_paths_read_line (paths, boot_display_path, &boot_display))
        dev->boot_vga = g_str_equal (boot_display, "1");
    }

  reset_path = attr_path (dev->sysfs_dir, "reset_method");
  if (pt_paths_read_line (paths, reset_path, &dev->reset_method) && *dev->reset_method == '\0')
    g_clear_pointer (&dev->reset_method, g_free);

  group = link_basename (paths, dev->sysfs_dir, "iommu_group");
  if (group != NULL)
    {
      char *end = NULL;
      long id = strtol (group, &end, 10);
      if (end == group || *end != '\0' || id < 0 || id > G_MAXINT)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                       _("The iommu_group link of %s points to “%s”, which is not a group number."),
                       address, group);
          return NULL;
        }
      dev->group_id = (int) id;
    }

  parent_dir = g_path_get_dirname (dev->sysfs_dir);
  parent = g_path_get_basename (parent_dir);
  if (pt_address_is_valid (parent))
    dev->parent = g_steal_pointer (&parent);

  read_sriov (paths, dev);
  pt_pcie_read_sysfs (dev);

  dev->vendor_name = pt_names_vendor (dev->vendor);
  dev->device_name = pt_names_device (dev->vendor, dev->device);
  dev->subsystem_name = pt_names_subsystem (dev->vendor, dev->device,
                                            dev->subsystem_vendor, dev->subsystem_device);
  dev->class_name = pt_names_class (dev->class_code);

  return g_steal_pointer (&dev);
}

static char *
read_cpu_vendor (PtPaths *paths)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "cpuinfo", NULL);
  g_autofree char *contents = NULL;
  const char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  if ((p = strstr (contents, "vendor_id")) == NULL)
    return NULL;
  if (strstr (p, "GenuineIntel") != NULL && strstr (p, "GenuineIntel") < strchr (p, '\n'))
    return g_strdup ("intel");
  if ((strstr (p, "AuthenticAMD") != NULL && strstr (p, "AuthenticAMD") < strchr (p, '\n')) ||
      (strstr (p, "HygonGenuine") != NULL && strstr (p, "HygonGenuine") < strchr (p, '\n')))
    return g_strdup ("amd");
  return NULL;
}

/* cpuinfo's first "model name" ("AMD Ryzen Threadripper 1900X 8-Core
 * Processor"); NULL where it has none (some ARM kernels). */
static char *
read_cpu_model (PtPaths *paths)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "cpuinfo", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      if (g_str_has_prefix (lines[i], "model name") && colon != NULL)
        {
          g_autofree char *value = g_strstrip (g_strdup (colon + 1));
          return *value != '\0' ? g_steal_pointer (&value) : NULL;
        }
    }
  return NULL;
}

/* A DMI string of sys/class/dmi/id (readable without root), NULL when
 * absent or one of the placeholders firmware leaves in it. */
static char *
read_dmi (PtPaths    *paths,
          const char *name)
{
  static const char *const placeholders[] = {
    "", "To be filled by O.E.M.", "Default string", "System Product Name", "Not Applicable",
    "Not Specified", "None", "O.E.M.", "OEM", "Type2 - Board Product Name1", NULL,
  };
  g_autofree char *path = pt_paths_build (paths, "sys", "class", "dmi", "id", name, NULL);
  g_autofree char *value = NULL;

  if (!pt_paths_read_line (paths, path, &value) || g_strv_contains (placeholders, value))
    return NULL;
  return g_steal_pointer (&value);
}

/* The IOMMU hardware registers itself in sys/class/iommu: dmar* for Intel
 * VT-d, ivhd* for AMD-Vi. */
static char *
read_iommu_vendor (PtPaths *paths)
{
  g_autofree char *path = pt_paths_build (paths, "sys", "class", "iommu", NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_prefix (name, "dmar"))
        return g_strdup ("intel");
      if (g_str_has_prefix (name, "ivhd"))
        return g_strdup ("amd");
    }
  return NULL;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static GPtrArray *
list_dir_sorted (const char *path,
                 GError    **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, error);
  GPtrArray *names;
  const char *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  return names;
}

/**
 * pt_topology_new_from_sysfs:
 * @paths: the root to read under
 *
 * Reads every PCI function below `sys/bus/pci/devices`, the IOMMU groups,
 * and what the rest of the machine says about them.
 */
PtTopology *
pt_topology_new_from_sysfs (PtPaths  *paths,
                            GError  **error)
{
  g_autoptr(PtTopology) self = NULL;
  g_autofree char *devices_dir = NULL;
  g_autofree char *groups_dir = NULL;
  g_autofree char *cmdline_path = NULL;
  g_autofree char *release_path = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) groups = NULL;

  g_return_val_if_fail (PT_IS_PATHS (paths), NULL);

  if (!g_file_test (pt_paths_get_root (paths), G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("The root directory %s does not exist or is not a directory."),
                   pt_paths_get_root (paths));
      return NULL;
    }

  devices_dir = pt_paths_build (paths, "sys", "bus", "pci", "devices", NULL);
  names = list_dir_sorted (devices_dir, &local_error);
  if (names == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("No PCI devices can be read: %s is missing (is sysfs mounted at %s/sys?)."),
                   devices_dir, pt_paths_is_host (paths) ? "" : pt_paths_get_root (paths));
      return NULL;
    }

  self = pt_topology_new_empty (pt_paths_get_root (paths));

  for (guint i = 0; i < names->len; i++)
    {
      const char *address = g_ptr_array_index (names, i);
      PtDevice *dev;

      if (!pt_address_is_valid (address))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                       _("%s/%s is not a PCI address; this does not look like sysfs."),
                       devices_dir, address);
          return NULL;
        }
      dev = read_device (paths, devices_dir, address, error);
      if (dev == NULL)
        return NULL;
      pt_topology_take_device (self, dev);
    }

  /* The iommu_groups directory is authoritative for which groups exist: a
   * device whose own link is missing still belongs to the group that lists it.
   * The members are only listed when some device has no link of its own, so
   * that a machine with hundreds of groups costs one directory read here. */
  groups_dir = pt_paths_build (paths, "sys", "kernel", "iommu_groups", NULL);
  groups = g_dir_open (groups_dir, 0, NULL);
  if (groups != NULL)
    {
      g_autoptr(GHashTable) existing = g_hash_table_new (NULL, NULL);
      gboolean all_linked = TRUE;
      const char *gname;

      for (guint i = 0; i < pt_topology_get_n_devices (self); i++)
        {
          g_autoptr(PtDevice) dev = g_list_model_get_item (G_LIST_MODEL (self->devices), i);
          all_linked &= dev->group_id >= 0;
        }
      while ((gname = g_dir_read_name (groups)) != NULL)
        {
          char *end = NULL;
          long id = strtol (gname, &end, 10);

          if (end == gname || *end != '\0' || id < 0 || id > G_MAXINT)
            continue;
          self->iommu_enabled = TRUE;
          g_hash_table_add (existing, GINT_TO_POINTER ((int) id));
          if (!all_linked)
            {
              g_autofree char *members_dir = g_build_filename (groups_dir, gname, "devices", NULL);
              g_autoptr(GDir) members = g_dir_open (members_dir, 0, NULL);
              const char *member;

              while (members != NULL && (member = g_dir_read_name (members)) != NULL)
                {
                  PtDevice *dev = g_hash_table_lookup (self->by_address, member);
                  if (dev != NULL && dev->group_id < 0)
                    dev->group_id = (int) id;
                }
            }
        }

      /* A link into a group that does not exist means a damaged or
       * half-copied tree: saying which group the device is in would be a guess. */
      for (guint i = 0; i < pt_topology_get_n_devices (self); i++)
        {
          g_autoptr(PtDevice) dev = g_list_model_get_item (G_LIST_MODEL (self->devices), i);
          if (dev->group_id >= 0 && !g_hash_table_contains (existing, GINT_TO_POINTER (dev->group_id)))
            {
              g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                           _("The iommu_group link of %s points to group %d, which does not exist in sys/kernel/iommu_groups."),
                           dev->address, dev->group_id);
              return NULL;
            }
        }
    }

  self->cpu_vendor = read_cpu_vendor (paths);
  self->cpu_model = read_cpu_model (paths);
  self->board_vendor = read_dmi (paths, "board_vendor");
  self->board_name = read_dmi (paths, "board_name");
  self->product_name = read_dmi (paths, "product_name");
  cmdline_path = pt_paths_build (paths, "proc", "cmdline", NULL);
  pt_paths_read_line (paths, cmdline_path, &self->cmdline);
  release_path = pt_paths_build (paths, "proc", "sys", "kernel", "osrelease", NULL);
  pt_paths_read_line (paths, release_path, &self->kernel_release);
  self->iommu_vendor = read_iommu_vendor (paths);
  if (self->iommu_vendor == NULL && self->iommu_enabled)
    self->iommu_vendor = g_strdup (self->cpu_vendor);

  pt_pcie_read_slot_names (paths, self);
  pt_topology_finish (self);
  pt_analysis_host_usage (self, paths);

  return g_steal_pointer (&self);
}
