/* pt-traps.c: the traps people hit after the configuration is right.
 *
 * Each is read from what the running system shows under the root; none
 * guesses: a file that cannot be read means no trap is reported.
 *
 *  boot-framebuffer  proc/iomem: BOOTFB, efifb, vesafb or simpledrm inside
 *                    the card's memory ("BAR can't reserve" in the guest log)
 *  reset-bug         the card's IDs are among the families without a working
 *                    reset (table below) and no vendor-reset quirk is in place
 *  d3cold            d3cold_allowed is 1 on a display card without FLR: such
 *                    cards may not come back from D3cold after a guest stops
 *  virtual-machine   proc/cpuinfo's hypervisor flag, or DMI naming one
 *  rebar             resourceN_resize: the sizes a resizable BAR offers (information)
 *  in-use            proc/PID/fd links to the card's DRM or NVIDIA nodes
 *                    (pt_traps_holders; the helper's Bind refuses on them)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt-traps.h"
#include "pt-topology-private.h"

/* AMD GPUs without a reset that works after a guest used them: Polaris
 * (10/20/30, 11/21, 12), Vega (10, 20) and Navi 1x (10, 12, 14).  The IDs
 * are those the vendor-reset module (github.com/gnif/vendor-reset, its
 * device table device-db.h) handles, grouped by family; see SOURCES in
 * tests/fixtures/machines for where the fixtures' IDs come from. */
static const struct
{
  const char *family;
  guint16     ids[16];
} reset_families[] = {
  { "Polaris 10", { 0x67c0, 0x67c1, 0x67c2, 0x67c4, 0x67c7, 0x67c8, 0x67c9, 0x67ca,
                    0x67cc, 0x67cf, 0x67d0, 0x67df, 0x6fdf } },
  { "Polaris 11", { 0x67e0, 0x67e1, 0x67e3, 0x67e7, 0x67e8, 0x67e9, 0x67eb, 0x67ef, 0x67ff } },
  { "Polaris 12", { 0x6980, 0x6981, 0x6985, 0x6986, 0x6987, 0x6995, 0x6997, 0x699f } },
  { "Vega 10",    { 0x6860, 0x6861, 0x6862, 0x6863, 0x6864, 0x6867, 0x6868, 0x6869,
                    0x686a, 0x686b, 0x686c, 0x686d, 0x686e, 0x686f, 0x687f } },
  { "Vega 20",    { 0x66a0, 0x66a1, 0x66a2, 0x66a3, 0x66a4, 0x66a7, 0x66af } },
  { "Navi 10",    { 0x7310, 0x7312, 0x7318, 0x7319, 0x731a, 0x731b, 0x731e, 0x731f } },
  { "Navi 12",    { 0x7360, 0x7362 } },
  { "Navi 14",    { 0x7340, 0x7341, 0x7347, 0x734f } },
};

const char *
pt_traps_reset_family (guint16 vendor,
                       guint16 device)
{
  if (vendor != 0x1002)
    return NULL;
  for (guint f = 0; f < G_N_ELEMENTS (reset_families); f++)
    for (guint i = 0; i < G_N_ELEMENTS (reset_families[f].ids) && reset_families[f].ids[i] != 0; i++)
      if (reset_families[f].ids[i] == device)
        return reset_families[f].family;
  return NULL;
}

const char *
pt_trap_severity_to_string (PtTrapSeverity severity)
{
  switch (severity)
    {
    case PT_TRAP_INFO:
      return "info";
    case PT_TRAP_BLOCKER:
      return "blocker";
    case PT_TRAP_WARNING:
    default:
      return "warning";
    }
}

void
pt_trap_free (PtTrap *trap)
{
  if (trap == NULL)
    return;
  g_strfreev (trap->devices);
  g_free (trap->message);
  g_ptr_array_unref (trap->fixes);
  g_free (trap);
}

static PtTrap *
add_trap (GPtrArray      *traps,
          const char     *code,
          PtTrapSeverity  severity,
          const char     *device,
          char           *message)
{
  PtTrap *trap = g_new0 (PtTrap, 1);
  const char *one[] = { device, NULL };

  trap->code = code;
  trap->severity = severity;
  trap->devices = g_strdupv ((char **) (device != NULL ? one : one + 1));
  trap->message = message;
  trap->fixes = pt_fix_list_new ();
  g_ptr_array_add (traps, trap);
  return trap;
}

static void
add_fix (PtTrap     *trap,
         const char *kind,
         const char *device,
         const char *option_key,
         char       *text)
{
  PtFix *fix = pt_fix_list_add (trap->fixes, kind, text);

  if (device != NULL)
    {
      g_autoptr(GPtrArray) one = g_ptr_array_new ();
      g_ptr_array_add (one, (gpointer) device);
      pt_fix_set_devices (fix, one);
    }
  if (option_key != NULL)
    pt_fix_set_option (fix, option_key, g_variant_new_boolean (TRUE));
}

/* ---- boot-framebuffer ------------------------------------------------- */

typedef struct
{
  guint   depth;
  guint64 start, end;
  char   *name;
} IomemLine;

static gboolean
is_boot_framebuffer (const char *name)
{
  return g_str_has_prefix (name, "BOOTFB") || g_str_has_prefix (name, "efifb") ||
         g_str_has_prefix (name, "vesafb") || g_str_has_prefix (name, "simpledrm") ||
         g_str_has_prefix (name, "simple-framebuffer");
}

/* The framebuffer's name when proc/iomem shows one inside a BAR of one of
 * @functions: nested below the line that names the function (as the kernel
 * prints it, also to users who see every address as 0), or inside its range. */
static char *
framebuffer_in_bars (PtPaths           *paths,
                     const char *const *functions)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "iomem", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) parsed = g_array_new (FALSE, TRUE, sizeof (IomemLine));
  char *found = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      IomemLine l = { 0 };
      const char *p = lines[i];
      const char *colon;

      while (*p == ' ')
        p++;
      l.depth = (guint) (p - lines[i]);
      colon = strstr (p, " : ");
      if (colon == NULL || sscanf (p, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x",
                                   &l.start, &l.end) != 2)
        continue;
      l.name = g_strstrip (g_strdup (colon + 3));
      g_array_append_val (parsed, l);
    }

  for (guint i = 0; i < parsed->len && found == NULL; i++)
    {
      IomemLine *fb = &g_array_index (parsed, IomemLine, i);
      guint depth = fb->depth;

      if (!is_boot_framebuffer (fb->name))
        continue;
      /* the ancestors: walking up, each line less indented than the last */
      for (guint j = i; j-- > 0 && depth > 0 && found == NULL;)
        {
          IomemLine *up = &g_array_index (parsed, IomemLine, j);
          if (up->depth >= depth)
            continue;
          depth = up->depth;
          if (g_strv_contains (functions, up->name))
            found = g_strdup (fb->name);
        }
      for (guint j = 0; j < parsed->len && found == NULL; j++)
        {
          IomemLine *bar = &g_array_index (parsed, IomemLine, j);
          if (bar->end > 0 && g_strv_contains (functions, bar->name) &&
              fb->start >= bar->start && fb->end <= bar->end)
            found = g_strdup (fb->name);
        }
    }
  for (guint i = 0; i < parsed->len; i++)
    g_free (g_array_index (parsed, IomemLine, i).name);
  return found;
}

/* ---- helpers ---------------------------------------------------------- */

static char *
read_device_attr (PtDevice   *dev,
                  const char *name)
{
  g_autofree char *path = NULL;
  char *text = NULL;

  if (dev->sysfs_dir == NULL)
    return NULL;
  path = g_build_filename (dev->sysfs_dir, name, NULL);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return g_strstrip (text);
}

static gboolean
module_loaded (PtPaths    *paths,
               const char *module)
{
  g_autofree char *sys = pt_paths_build (paths, "sys", "module", module, NULL);
  g_autofree char *proc = pt_paths_build (paths, "proc", "modules", NULL);
  g_autofree char *text = NULL;
  g_autofree char *first = g_strdup_printf ("%s ", module);
  g_autofree char *later = g_strdup_printf ("\n%s ", module);

  if (g_file_test (sys, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (!g_file_get_contents (proc, &text, NULL, NULL))
    return FALSE;
  return g_str_has_prefix (text, first) || strstr (text, later) != NULL;
}

/* BAR sizes are powers of two: "256 MiB", "16 GiB" (the units lspci uses). */
static char *
size_text (guint64 bytes)
{
  static const char *const units[] = { "MiB", "GiB", "TiB", "PiB" };
  guint64 v = bytes >> 20;
  guint u = 0;

  while (v >= 1024 && (v % 1024) == 0 && u + 1 < G_N_ELEMENTS (units))
    {
      v /= 1024;
      u++;
    }
  return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", v, units[u]);
}

/* ---- the machine ------------------------------------------------------ */

static char *
hypervisor_name (PtPaths *paths)
{
  static const char *const names[] = {
    "QEMU", "KVM", "VMware", "VirtualBox", "innotek", "Xen", "Bochs", "Parallels",
    "BHYVE", "Microsoft Corporation Virtual Machine", "Virtual Machine",
  };
  static const char *const dmi[] = { "sys_vendor", "product_name", "board_vendor" };
  g_autofree char *cpuinfo = pt_paths_build (paths, "proc", "cpuinfo", NULL);
  g_autofree char *text = NULL;
  gboolean flag = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (dmi); i++)
    {
      g_autofree char *path = pt_paths_build (paths, "sys", "class", "dmi", "id", dmi[i], NULL);
      g_autofree char *value = NULL;
      if (!pt_paths_read_line (paths, path, &value))
        continue;
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        if (strstr (value, names[n]) != NULL)
          return g_steal_pointer (&value);
    }
  if (g_file_get_contents (cpuinfo, &text, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL && !flag; i++)
        if (g_str_has_prefix (lines[i], "flags"))
          {
            g_auto(GStrv) words = g_strsplit_set (lines[i], " \t", -1);
            flag = g_strv_contains ((const char *const *) words, "hypervisor");
          }
    }
  return flag ? g_strdup (_("a hypervisor")) : NULL;
}

static void
find_virtual_machine (GPtrArray  *traps,
                      PtPaths    *paths,
                      PtTopology *topology)
{
  g_autofree char *name = hypervisor_name (paths);
  PtTrap *trap;

  if (name == NULL)
    return;
  if (pt_topology_get_iommu_enabled (topology))
    {
      trap = add_trap (traps, "virtual-machine", PT_TRAP_WARNING, NULL,
                       g_strdup_printf (_("This system runs in a virtual machine (%s) with an IOMMU of its own (a vIOMMU): Passthrough can pass on devices its host gave it, but a GPU for a gaming VM is set up on the host."),
                                        name));
      add_fix (trap, "other", NULL, NULL,
               g_strdup (_("For a VM with a real GPU, run Passthrough on the host machine.")));
    }
  else
    {
      trap = add_trap (traps, "virtual-machine", PT_TRAP_WARNING, NULL,
                       g_strdup_printf (_("This system runs in a virtual machine (%s) without an IOMMU, so no device can be passed on from here; firmware menus do not apply."),
                                        name));
      add_fix (trap, "other", NULL, NULL,
               g_strdup (_("Set passthrough up on the host, or give this VM a vIOMMU (QEMU: “-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on”; libvirt: <iommu model='intel'/>).")));
    }
}

/* ---- a device --------------------------------------------------------- */

static void
find_reset_bug (GPtrArray  *traps,
                PtPaths    *paths,
                PtDevice   *dev)
{
  const char *family = pt_traps_reset_family (dev->vendor, dev->device);
  gboolean loaded;
  g_autofree char *name = NULL;
  PtTrap *trap;

  if (family == NULL)
    return;
  loaded = paths != NULL && module_loaded (paths, "vendor_reset");
  /* Since Linux 5.15 vendor-reset acts only where reset_method says
   * device_specific (its udev rule writes that). */
  if (loaded && (dev->reset_method == NULL || strstr (dev->reset_method, "device_specific") != NULL))
    return;
  name = pt_device_dup_display_name (dev);
  trap = add_trap (traps, "reset-bug", PT_TRAP_WARNING, dev->address,
                   loaded ?
                   g_strdup_printf (_("%s (%s) is an AMD %s card, which cannot reset itself after a guest used it; vendor-reset is loaded, but the card's reset_method is “%s”, so it is not used."),
                                    name, dev->address, family, dev->reset_method) :
                   g_strdup_printf (_("%s (%s) is an AMD %s card, which cannot reset itself after a guest used it: the second start of the VM hangs or shows a black screen until the host restarts."),
                                    name, dev->address, family));
  add_fix (trap, "other", dev->address, NULL,
           loaded ?
           g_strdup_printf (_("Write “device_specific” to /sys/bus/pci/devices/%s/reset_method before the VM starts (vendor-reset's udev rule does this)."), dev->address) :
           g_strdup (_("Install vendor-reset (github.com/gnif/vendor-reset, a DKMS module) and load it at boot.")));
  add_fix (trap, "other", dev->address, NULL,
           g_strdup (_("Or restart the host before starting the VM again, every time.")));
}

static void
find_d3cold (GPtrArray *traps,
             PtDevice  *dev)
{
  g_autofree char *allowed = NULL;
  g_autofree char *name = NULL;
  PtTrap *trap;

  if (dev->kind != PT_DEVICE_KIND_GPU || dev->reset_method == NULL ||
      strstr (dev->reset_method, "flr") != NULL)
    return;
  allowed = read_device_attr (dev, "d3cold_allowed");
  if (g_strcmp0 (allowed, "1") != 0)
    return;
  name = pt_device_dup_display_name (dev);
  trap = add_trap (traps, "d3cold", PT_TRAP_WARNING, dev->address,
                   g_strdup_printf (_("%s (%s) has no function-level reset and may enter D3cold while idle on vfio-pci; cards like it can stay dead after a guest stops, until the host is switched off."),
                                    name, dev->address));
  add_fix (trap, "option", dev->address, "disable-idle-d3",
           g_strdup (_("Keep vfio-pci from putting idle devices to sleep (“options vfio-pci disable_idle_d3=1”, in Passthrough's modprobe file).")));
}

static void
find_rebar (GPtrArray *traps,
            PtDevice  *dev)
{
  g_autofree char *resources = read_device_attr (dev, "resource");
  g_auto(GStrv) lines = resources != NULL ? g_strsplit (resources, "\n", -1) : NULL;

  for (guint bar = 0; bar < 6; bar++)
    {
      g_autofree char *attr = g_strdup_printf ("resource%u_resize", bar);
      g_autofree char *mask_text = read_device_attr (dev, attr);
      g_autoptr(GString) sizes = g_string_new (NULL);
      g_autofree char *current = NULL;
      guint64 mask, start = 0, end = 0;
      char *endp = NULL;

      if (mask_text == NULL)
        continue;
      mask = g_ascii_strtoull (mask_text, &endp, 16);
      if (endp == mask_text || mask == 0)
        continue;
      /* bit n: a BAR of 2^n MiB (the PCIe Resizable BAR capability) */
      for (guint n = 0; n < 64; n++)
        if (mask & (G_GUINT64_CONSTANT (1) << n))
          {
            g_autofree char *s = size_text ((G_GUINT64_CONSTANT (1) << n) << 20);
            g_string_append_printf (sizes, "%s%s", sizes->len ? ", " : "", s);
          }
      if (lines != NULL && g_strv_length (lines) > bar &&
          sscanf (lines[bar], "%" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x", &start, &end) == 2 &&
          end > start)
        current = size_text (end - start + 1);
      add_trap (traps, "rebar", PT_TRAP_INFO, dev->address,
                current != NULL ?
                g_strdup_printf (_("BAR %u of %s is resizable (%s; now %s). Some guest firmware (older OVMF) cannot map a large BAR: if the guest does not start, turn Resizable BAR off in the host's firmware or give the VM a larger MMIO window."),
                                 bar, dev->address, sizes->str, current) :
                g_strdup_printf (_("BAR %u of %s is resizable (%s). Some guest firmware (older OVMF) cannot map a large BAR: if the guest does not start, turn Resizable BAR off in the host's firmware or give the VM a larger MMIO window."),
                                 bar, dev->address, sizes->str));
    }
}

static void
find_boot_framebuffer (GPtrArray  *traps,
                       PtPaths    *paths,
                       PtDevice   *dev)
{
  g_autoptr(GPtrArray) functions = g_ptr_array_new_null_terminated (0, NULL, TRUE);
  g_autofree char *fb = NULL;
  g_autofree char *name = NULL;
  PtTrap *trap;
  GStrv slot = pt_device_get_slot_functions (dev);

  g_ptr_array_add (functions, dev->address);
  for (guint i = 0; slot != NULL && slot[i] != NULL; i++)
    g_ptr_array_add (functions, slot[i]);
  fb = framebuffer_in_bars (paths, (const char *const *) functions->pdata);
  if (fb == NULL)
    return;
  name = pt_device_dup_display_name (dev);
  trap = add_trap (traps, "boot-framebuffer", PT_TRAP_WARNING, dev->address,
                   g_strdup_printf (_("The firmware's boot framebuffer (%s in /proc/iomem) sits in the memory of %s (%s): vfio-pci cannot reserve it, and the guest's driver fails with “BAR can't reserve”."),
                                    fb, name, dev->address));
  add_fix (trap, "option", dev->address, "framebuffer-off",
           g_strdup (_("Turn the boot framebuffer off (video=efifb:off video=vesafb:off on the command line); the console then appears only once the host's GPU driver starts.")));
  add_fix (trap, "firmware", dev->address, NULL,
           g_strdup (_("Or make another GPU the boot GPU in the firmware settings (primary display, or the slot it boots from).")));
}

static void
find_in_use (GPtrArray  *traps,
             PtPaths    *paths,
             PtTopology *topology,
             PtDevice   *dev)
{
  g_autoptr(GPtrArray) holders = pt_traps_holders (paths, topology, dev->address);
  g_autofree char *names = NULL;
  g_autofree char *name = NULL;
  PtTrap *trap;

  if (holders->len == 0)
    return;
  g_ptr_array_add (holders, NULL);
  names = g_strjoinv (", ", (char **) holders->pdata);
  name = pt_device_dup_display_name (dev);
  trap = add_trap (traps, "in-use", PT_TRAP_WARNING, dev->address,
                   g_strdup_printf (_("%s (%s) is in use by %s: handing it to vfio-pci now (bind) is refused while they hold it; a setup at the next restart is not affected."),
                                    name, dev->address, names));
  add_fix (trap, "other", dev->address, NULL,
           g_strdup_printf (_("Quit %s (for a display server: log out, or move the desktop to the other GPU) before binding it now."), names));
}

GPtrArray *
pt_traps_find (PtPaths           *paths,
               PtTopology        *topology,
               const char *const *addresses)
{
  GPtrArray *traps = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_trap_free);
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (PT_IS_TOPOLOGY (topology), traps);

  if (addresses != NULL)
    for (guint i = 0; addresses[i] != NULL; i++)
      {
        PtDevice *dev = pt_topology_lookup (topology, addresses[i]);
        if (dev != NULL)
          g_ptr_array_add (devices, g_object_ref (dev));
      }
  else
    for (guint i = 0; i < pt_topology_get_n_devices (topology); i++)
      {
        g_autoptr(PtDevice) dev = g_list_model_get_item (G_LIST_MODEL (topology->devices), i);
        if (dev->kind == PT_DEVICE_KIND_GPU)
          g_ptr_array_add (devices, g_object_ref (dev));
      }

  if (paths != NULL)
    find_virtual_machine (traps, paths, topology);
  for (guint i = 0; i < devices->len; i++)
    {
      PtDevice *dev = g_ptr_array_index (devices, i);
      find_reset_bug (traps, paths, dev);
      if (paths == NULL)
        continue;
      /* Without a selection (check), the boot GPU's own framebuffer is the
       * host's console where it belongs; a selected card is asked about. */
      if (dev->kind == PT_DEVICE_KIND_GPU && (addresses != NULL || !dev->boot_vga))
        find_boot_framebuffer (traps, paths, dev);
      find_d3cold (traps, dev);
      find_in_use (traps, paths, topology, dev);
      find_rebar (traps, dev);
    }
  return traps;
}

/* ---- in-use ------------------------------------------------------------ */

static void
add_node (GPtrArray  *nodes,
          const char *node)
{
  g_ptr_array_add (nodes, g_strdup (node));
}

GPtrArray *
pt_traps_holders (PtPaths    *paths,
                  PtTopology *topology,
                  const char *address)
{
  PtDevice *dev = pt_topology_lookup (topology, address);
  GPtrArray *holders = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *proc = pt_paths_build (paths, "proc", NULL);
  g_autoptr(GDir) pids = NULL;
  const char *pid;

  if (dev == NULL || dev->sysfs_dir == NULL)
    return holders;

  /* DRM: the card's drm/cardN and drm/renderDN become /dev/dri/NAME. */
  {
    g_autofree char *drm = g_build_filename (dev->sysfs_dir, "drm", NULL);
    g_autoptr(GDir) dir = g_dir_open (drm, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      if (g_str_has_prefix (name, "card") || g_str_has_prefix (name, "render"))
        {
          g_autofree char *node = g_strconcat ("/dev/dri/", name, NULL);
          add_node (nodes, node);
        }
  }
  /* NVIDIA's driver: /dev/nvidiaN with N the "Device Minor" it reports;
   * its control nodes only when this is its only card. */
  if (g_strcmp0 (dev->driver, "nvidia") == 0)
    {
      g_autofree char *info = pt_paths_build (paths, "proc", "driver", "nvidia", "gpus", address,
                                              "information", NULL);
      g_autofree char *text = NULL;
      const char *minor;
      guint nvidia_cards = 0;

      if (g_file_get_contents (info, &text, NULL, NULL) &&
          (minor = strstr (text, "Device Minor:")) != NULL)
        {
          g_autofree char *node = g_strdup_printf ("/dev/nvidia%ld",
                                                   strtol (minor + strlen ("Device Minor:"), NULL, 10));
          add_node (nodes, node);
        }
      for (guint i = 0; i < pt_topology_get_n_devices (topology); i++)
        {
          g_autoptr(PtDevice) other = g_list_model_get_item (G_LIST_MODEL (topology->devices), i);
          nvidia_cards += g_strcmp0 (other->driver, "nvidia") == 0;
        }
      if (nvidia_cards == 1)
        {
          add_node (nodes, "/dev/nvidiactl");
          add_node (nodes, "/dev/nvidia-modeset");
        }
    }
  if (nodes->len == 0)
    return holders;

  pids = g_dir_open (proc, 0, NULL);
  while (pids != NULL && (pid = g_dir_read_name (pids)) != NULL)
    {
      g_autofree char *fd_dir = NULL;
      g_autoptr(GDir) fds = NULL;
      const char *fd;
      gboolean holds = FALSE;

      if (!g_ascii_isdigit (pid[0]))
        continue;
      fd_dir = g_build_filename (proc, pid, "fd", NULL);
      fds = g_dir_open (fd_dir, 0, NULL);
      while (fds != NULL && !holds && (fd = g_dir_read_name (fds)) != NULL)
        {
          g_autofree char *link = g_build_filename (fd_dir, fd, NULL);
          g_autofree char *target = g_file_read_link (link, NULL);
          holds = target != NULL &&
                  g_ptr_array_find_with_equal_func (nodes, target, g_str_equal, NULL);
        }
      if (holds)
        {
          g_autofree char *comm_path = g_build_filename (proc, pid, "comm", NULL);
          g_autofree char *comm = NULL;
          if (!pt_paths_read_line (paths, comm_path, &comm))
            comm = g_strdup ("?");
          g_ptr_array_add (holders, g_strdup_printf ("%s (pid %s)", comm, pid));
        }
    }
  return holders;
}

/* ---- JSON --------------------------------------------------------------- */

static void
add_strv (JsonBuilder *b,
          const char  *name,
          GStrv        values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (b, values[i]);
  json_builder_end_array (b);
}

JsonNode *
pt_traps_to_json_node (GPtrArray *traps)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < traps->len; i++)
    {
      PtTrap *trap = g_ptr_array_index (traps, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, trap->code);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, pt_trap_severity_to_string (trap->severity));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, trap->message);
      add_strv (b, "devices", trap->devices);
      json_builder_set_member_name (b, "fixes");
      pt_fix_list_to_builder (b, trap->fixes);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}
