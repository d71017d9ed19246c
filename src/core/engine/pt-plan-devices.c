/* pt-plan-devices.c: the selection half of a plan — which devices go
 * along (the slot's functions, the group), what blocks or warns about
 * each, binding by ID or by address, the kernel arguments, the initramfs
 * modules and softdeps, and the system checks (command-line typos, vfio
 * configured by hand).  pt-plan.c turns the result into files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <fnmatch.h>
#include <string.h>

#include "pt-cmdline.h"
#include "pt-describe.h"
#include "pt-edit.h"
#include "pt-error.h"
#include "pt-fix.h"
#include "pt-guard.h"
#include "pt-plan-build.h"

static PlanDevice *
find_device (PtPlan     *self,
             const char *address)
{
  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      if (g_str_equal (d->address, address))
        return d;
    }
  return NULL;
}

static void
add_issue1 (GPtrArray  *list,
            const char *code,
            const char *address,
            char       *message)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  if (address)
    g_ptr_array_add (one, (gpointer) address);
  pt_plan_add_issue (list, code, one, message);
}

static char *
join_refs (PtTopology *topology,
           GPtrArray  *addresses)
{
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (refs, pt_describe_device_ref (topology, g_ptr_array_index (addresses, i)));
  return pt_describe_join (refs);
}

/* The module a driver name belongs to, where they differ. */
static const char *
module_for_driver (const char *driver)
{
  static const struct { const char *driver, *module; } map[] = {
    { "xhci_hcd", "xhci_pci" }, { "ehci-pci", "ehci_pci" }, { "ohci-pci", "ohci_pci" },
    { "nvidia-gpu", "i2c_nvidia_gpu" }, { "nvidia", "nvidia" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (driver, map[i].driver))
      return map[i].module;
  return NULL;
}

static char *
driver_module (const char *driver)
{
  const char *mapped = module_for_driver (driver);
  char *m;

  if (mapped)
    return g_strdup (mapped);
  m = g_strdup (driver);
  g_strdelimit (m, "-", '_');
  return m;
}

static gboolean
kernel_before_6_2 (const char *release)
{
  guint major = 0, minor = 0;

  if (release == NULL || sscanf (release, "%u.%u", &major, &minor) != 2)
    return FALSE;
  return major < 6 || (major == 6 && minor < 2);
}

/* The running kernel's release: the topology's, else proc's. */
static char *
kernel_release (PtPaths    *paths,
                PtTopology *topology)
{
  char *release = g_strdup (pt_topology_get_kernel_release (topology));

  if (release == NULL)
    {
      g_autofree char *p = pt_paths_build (paths, "proc", "sys", "kernel", "osrelease", NULL);
      pt_paths_read_line (paths, p, &release);
    }
  return release;
}

typedef enum
{
  PCI_STUB_UNKNOWN,    /* modules.builtin cannot be read */
  PCI_STUB_BUILTIN,
  PCI_STUB_MODULE,
  PCI_STUB_ABSENT,
} PciStub;

static gboolean
lists_module (const char *path,
              const char *name)   /* "/pci-stub.ko" */
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *hit = strstr (lines[i], name);
      const char *colon = strchr (lines[i], ':');
      /* modules.dep: "kernel/drivers/pci/pci-stub.ko.zst: deps"; the name
       * before the colon, not among the dependencies */
      if (hit != NULL && (colon == NULL || hit < colon))
        return TRUE;
    }
  return FALSE;
}

/* Where pci-stub is in kernel @release: lib/modules/RELEASE/modules.builtin,
 * else modules.dep.  Distribution kernels commonly build it in
 * (CONFIG_PCI_STUB=y), which is what makes pci-stub.ids= useful: built-in
 * drivers register in link order and drivers/pci comes before
 * drivers/usb, so pci-stub holds the controller before a built-in
 * xhci_hcd can.  Where a kernel does not, its modules.builtin says so. */
static PciStub
pci_stub_in_kernel (PtPaths    *paths,
                    const char *release)
{
  g_autofree char *builtin = NULL;
  g_autofree char *dep = NULL;

  if (release == NULL)
    return PCI_STUB_UNKNOWN;
  builtin = pt_paths_build (paths, "lib", "modules", release, "modules.builtin", NULL);
  dep = pt_paths_build (paths, "lib", "modules", release, "modules.dep", NULL);
  if (!g_file_test (builtin, G_FILE_TEST_IS_REGULAR))
    return PCI_STUB_UNKNOWN;
  if (lists_module (builtin, "/pci-stub.ko"))
    return PCI_STUB_BUILTIN;
  return lists_module (dep, "/pci-stub.ko") ? PCI_STUB_MODULE : PCI_STUB_ABSENT;
}

/* Another device with the same IDs that this plan does not take. */
static gboolean
ids_shared_outside (PtPlan   *self,
                    PtDevice *dev)
{
  GStrv same = pt_device_get_same_ids_as (dev);

  for (guint j = 0; same[j] != NULL; j++)
    if (find_device (self, same[j]) == NULL)
      return TRUE;
  return FALSE;
}

/* --usb-pci-stub: every USB controller of the plan goes to pci-stub by its
 * IDs (pci-stub.ids=), the way to keep a controller from xhci_hcd where
 * that driver is built into the kernel, or the option is refused for it
 * with the reason, and it goes to vfio-pci as without the option.  Decided
 * here, before pt_plan_choose_binding(), which reads driver_after
 * "pci-stub" as the decision; so the device rows, the warnings and the
 * kernel arguments all follow from this one place. */
static void
decide_usb_pci_stub (PtPlan        *self,
                     PtPaths       *paths,
                     PtTopology    *topology,
                     PtPlanOptions *options)
{
  g_autofree char *release = NULL;
  PciStub where = PCI_STUB_UNKNOWN;
  guint usb = 0;

  if (!options->usb_pci_stub)
    return;
  release = kernel_release (paths, topology);
  where = pci_stub_in_kernel (paths, release);
  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      const char *driver = pt_device_get_driver (dev);
      gboolean builtin = pt_device_get_driver_builtin (dev) && driver != NULL;
      g_autofree char *ref = NULL;
      g_autofree char *reason = NULL;

      if (pt_device_get_kind (dev) != PT_DEVICE_KIND_USB)
        continue;
      usb++;
      ref = pt_describe_device_ref (topology, d->address);
      if (g_str_equal (options->binding, "address"))
        reason = g_strdup (_("pci-stub takes devices only by their IDs, and you chose binding by address"));
      else if (ids_shared_outside (self, dev))
        {
          g_autofree char *ids = pt_device_dup_ids (dev);
          reason = g_strdup_printf (_("pci-stub.ids=%s would also take the other devices with those IDs, which stay with the host"), ids);
        }
      else if (self->setup->bootloader == NULL)
        reason = g_strdup (_("pci-stub.ids= goes on the kernel command line, and no bootloader configuration Passthrough can edit was found"));
      else if (where == PCI_STUB_MODULE && builtin)
        reason = g_strdup_printf (_("pci-stub is only a module in kernel %s, so the built-in %s takes the controller before it can load"),
                                  release, driver);
      else if (where == PCI_STUB_MODULE)
        reason = g_strdup_printf (_("pci-stub is only a module in kernel %s, and nothing loads it before %s"),
                                  release, driver != NULL ? driver : "xhci_pci");
      else if (where == PCI_STUB_ABSENT)
        reason = g_strdup_printf (_("kernel %s has no pci-stub, neither built in nor as a module"), release);
      else if (where == PCI_STUB_UNKNOWN && builtin)
        reason = g_strdup_printf (_("its driver %s is built into the kernel, which only a pci-stub built in as well comes before, and lib/modules/%s/modules.builtin, which would show that, cannot be read"),
                                  driver, release != NULL ? release : "RELEASE");
      if (reason != NULL)
        {
          add_issue1 (self->blockers, "usb-pci-stub-refused", d->address,
                      g_strdup_printf (_("--usb-pci-stub cannot hold %s with pci-stub: %s; without the option it goes to vfio-pci."),
                                       ref, reason));
          continue;
        }
      g_free (d->driver_after);
      d->driver_after = g_strdup ("pci-stub");
    }
  if (usb == 0)
    pt_plan_add_issue (self->blockers, "usb-pci-stub-no-usb", NULL,
                       g_strdup (_("--usb-pci-stub holds the plan's USB controllers with pci-stub, but none of its devices is a USB controller, so it would do nothing: leave it off.")));
}

gboolean
pt_plan_add_devices (PtPlan             *self,
                     PtTopology         *topology,
                     const char *const  *addresses,
                     GError            **error)
{
  if (addresses == NULL || addresses[0] == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   _("Select at least one device by its PCI address, for example --select 0000:01:00.0."));
      return FALSE;
    }
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autofree char *addr = pt_address_normalize (addresses[i]);
      PtDevice *dev;
      GStrv slot;

      if (addr == NULL || !pt_address_is_valid (addr))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                       _("“%s” is not a PCI address; write it like 0000:01:00.0 (see “passthroughctl list”)."),
                       addresses[i]);
          return FALSE;
        }
      dev = pt_topology_lookup (topology, addr);
      if (dev == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_DEVICE,
                       _("There is no PCI device %s on this system; “passthroughctl list” shows the devices there are. Nothing was changed."),
                       addr);
          return FALSE;
        }
      pt_plan_add_unique (self->selection, addr);
      if (find_device (self, addr) == NULL)
        {
          PlanDevice *d = g_new0 (PlanDevice, 1);
          d->address = g_strdup (addr);
          d->reason = g_strdup (_("selected"));
          g_ptr_array_add (self->devices, d);
        }
      slot = pt_device_get_slot_functions (dev);
      for (guint j = 0; slot[j] != NULL; j++)
        if (find_device (self, slot[j]) == NULL &&
            pt_topology_lookup (topology, slot[j]) != NULL &&
            pt_device_is_endpoint (pt_topology_lookup (topology, slot[j])))
          {
            PlanDevice *d = g_new0 (PlanDevice, 1);
            d->address = g_strdup (slot[j]);
            d->reason = g_strdup_printf (_("same slot as %s: the functions of one card go together"), addr);
            g_ptr_array_add (self->devices, d);
          }
    }
  return TRUE;
}

/* Does a GPU stay with the host (one that is not a virtual function)? */
static gboolean
plan_leaves_a_gpu (PtPlan    *self,
                   GPtrArray *gpus)
{
  for (guint i = 0; i < gpus->len; i++)
    if (find_device (self, pt_device_get_address (g_ptr_array_index (gpus, i))) == NULL)
      return TRUE;
  return FALSE;
}

void
pt_plan_check_devices (PtPlan        *self,
                       PtPaths       *paths,
                       PtTopology    *topology,
                       PtPlanOptions *options)
{
  g_autoptr(GHashTable) groups_seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) gpus = pt_topology_dup_gpus (topology);
  g_autoptr(GPtrArray) taken_gpus = g_ptr_array_new ();
  guint remaining_gpus = 0;

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      g_autofree char *ref = pt_describe_device_ref (topology, d->address);
      g_autofree char *holds = pt_describe_holds (dev);
      int gid = pt_device_get_group_id (dev);

      if (pt_device_is_virtual_function (dev))
        add_issue1 (self->blockers, "virtual-function", d->address,
                    g_strdup_printf (_("%s is an SR-IOV virtual function: it does not exist yet when the system boots, so it can only be bound at runtime (“passthroughctl bind”)."), ref));
      if (holds != NULL)
        add_issue1 (self->blockers, "host-needs-device", d->address,
                    g_strdup_printf (_("%s %s, which this system needs to run; it cannot be given to a virtual machine. Choose another device."), ref, holds));
      /* The host's screen at boot: a blocker (docs/fixes-and-guards.md),
       * unless the person turned the firmware framebuffer off (the
       * Advanced option that exists to hand the boot GPU over), or allowed
       * a host without a GPU where this plan leaves it none. */
      if (pt_device_get_boot_vga (dev) && !options->framebuffer_off &&
          !(options->allow_last_gpu && !plan_leaves_a_gpu (self, gpus)))
        add_issue1 (self->blockers, "boot-gpu", d->address,
                    g_strdup_printf (_("%s is the GPU your firmware boots on: the host shows its boot messages, the firmware setup and its console on it, and would lose that screen. Make another GPU the boot GPU in the firmware setup first."), ref));
      else if (pt_device_get_boot_vga (dev))
        add_issue1 (self->warnings, "boot-gpu", d->address,
                    g_strdup_printf (_("%s is the GPU your firmware boots on: it goes to vfio-pci, and the host shows its boot messages and console on no screen; the firmware setup still shows on it."), ref));
      if (pt_device_get_default_route (dev))
        add_issue1 (self->blockers, "default-route-nic", d->address,
                    g_strdup_printf (_("%s carries this machine's default route: after the restart the host would lose its network connection, and with it any way to reach it remotely."), ref));
      if (pt_guard_for_device (dev) & PT_GUARD_KEYBOARD)
        add_issue1 (self->warnings, "usb-keyboard", d->address,
                    g_strdup_printf (_("%s is the USB controller of every keyboard this machine has: after the restart the host cannot be typed on (no console login, no disk password at boot) until a keyboard is plugged in elsewhere."), ref));
      if (pt_device_get_kind (dev) == PT_DEVICE_KIND_GPU && !pt_device_is_virtual_function (dev))
        g_ptr_array_add (taken_gpus, d->address);

      if (gid < 0 && !g_hash_table_contains (groups_seen, GINT_TO_POINTER (-1)))
        {
          g_hash_table_add (groups_seen, GINT_TO_POINTER (-1));
          pt_plan_add_issue (self->warnings, "iommu-off", NULL,
                             g_strdup (_("The IOMMU is not active yet, so the IOMMU groups are unknown and cannot be checked. After the restart, run “passthroughctl list” and “passthroughctl status” to see whether each device sits in a group of its own.")));
        }
      if (gid >= 0 && !g_hash_table_contains (groups_seen, GINT_TO_POINTER (gid)))
        {
          PtGroup *group = pt_topology_lookup_group (topology, gid);
          GListModel *members = group ? pt_group_get_devices (group) : NULL;
          g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(GPtrArray) unusable = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(GPtrArray) together = g_ptr_array_new_with_free_func (g_free);

          g_hash_table_add (groups_seen, GINT_TO_POINTER (gid));
          for (guint j = 0; members && j < g_list_model_get_n_items (members); j++)
            {
              g_autoptr(PtDevice) other = g_list_model_get_item (members, j);
              const char *oaddr = pt_device_get_address (other);

              if (find_device (self, oaddr) != NULL)
                {
                  g_autofree char *s1 = pt_device_dup_slot (dev);
                  g_autofree char *s2 = pt_device_dup_slot (other);
                  if (!g_str_equal (s1, s2))
                    g_ptr_array_add (together, g_strdup (oaddr));
                  continue;
                }
              if (pt_device_is_endpoint (other))
                g_ptr_array_add (missing, g_strdup (oaddr));
              else if (pt_guard_blocks_group (other))
                g_ptr_array_add (unusable, g_strdup (oaddr));
            }
          if (missing->len > 0)
            {
              g_autofree char *refs = join_refs (topology, missing);
              PtIssue *issue = pt_plan_add_issue (self->blockers, "group-not-taken", missing,
                                                  g_strdup_printf (_("%s shares IOMMU group %d with %s: a group goes to a virtual machine whole."),
                                                                   ref, gid, refs));
              issue->fixes = pt_fix_for_shared_group (topology, dev, missing, unusable,
                                                      options->acs_override != NULL);
            }
          if (unusable->len > 0)
            {
              g_autofree char *refs = join_refs (topology, unusable);
              PtIssue *issue = pt_plan_add_issue (self->blockers, "group-not-viable", unusable,
                                                  g_strdup_printf (_("IOMMU group %d of %s also holds %s, which the host must keep and the kernel will not let a virtual machine share."),
                                                                   gid, ref, refs));
              issue->fixes = pt_fix_for_shared_group (topology, dev, NULL, unusable,
                                                      options->acs_override != NULL);
            }
          if (together->len > 0)
            {
              g_autofree char *refs = join_refs (topology, together);
              pt_plan_add_issue (self->warnings, "shared-group", together,
                                 g_strdup_printf (_("%s shares IOMMU group %d with %s: they can only be used by the same virtual machine."),
                                                  ref, gid, refs));
            }
        }
    }

  for (guint i = 0; i < gpus->len; i++)
    if (find_device (self, pt_device_get_address (g_ptr_array_index (gpus, i))) == NULL)
      remaining_gpus++;
  if (taken_gpus->len > 0 && remaining_gpus == 0)
    {
      g_autofree char *refs = join_refs (topology, taken_gpus);
      if (options->allow_last_gpu)
        pt_plan_add_issue (self->warnings, "last-gpu", taken_gpus,
                           g_strdup_printf (_("%s is the last GPU of the host: after the restart the host has no display (allowed for a headless host)."), refs));
      else
        pt_plan_add_issue (self->blockers, "last-gpu", taken_gpus,
                           g_strdup_printf (_("%s is the host's last GPU: the host would have no display after the restart. Keep it, or allow it for a headless host (--allow-last-gpu)."), refs));
    }

  /* video=efifb:off only matters for the GPU the firmware draws on; with
   * another GPU chosen it takes the host's boot screen for nothing. */
  if (options->framebuffer_off)
    {
      gboolean takes_boot_gpu = FALSE;
      for (guint i = 0; i < self->devices->len; i++)
        takes_boot_gpu |= pt_device_get_boot_vga (pt_topology_lookup (topology, ((PlanDevice *) g_ptr_array_index (self->devices, i))->address));
      if (!takes_boot_gpu)
        pt_plan_add_issue (self->warnings, "framebuffer-off-not-boot-gpu", NULL,
                           g_strdup (_("The firmware framebuffer is turned off (video=efifb:off), but none of the chosen devices is the GPU the firmware draws on: the host loses its boot and console screen for nothing.")));
    }

  if (options->acs_override != NULL)
    pt_plan_add_issue (self->warnings, "acs-override", NULL,
                       g_strdup_printf (_("pcie_acs_override=%s works only with a kernel patched for it (linux-zen, linux-vfio, Proxmox), and it splits groups by pretending devices are isolated when they may not be: a virtual machine may reach other devices' memory."),
                                        options->acs_override));

  /* Interrupt remapping shows in the running kernel's interrupts, which a
   * snapshot does not record (and the files under the root are another
   * machine's, or this one's): not known, rather than a guess. */
  {
    g_autofree char *path = pt_paths_build (paths, "proc", "interrupts", NULL);
    g_autofree char *interrupts = NULL;
    gboolean snapshot = pt_topology_is_snapshot (topology);

    if (snapshot)
      pt_plan_add_issue (self->not_known, "interrupt-remapping", NULL,
                         g_strdup (_("Interrupt remapping: not known from a snapshot. “passthroughctl check” on the machine itself tells whether vfio will accept the devices.")));
    if (!snapshot && g_file_get_contents (path, &interrupts, NULL, NULL) && strstr (interrupts, "IR-") == NULL)
      pt_plan_add_issue (self->warnings, "no-interrupt-remapping", NULL,
                         g_strdup (options->unsafe_interrupts ?
                                   _("Interrupt remapping is off; unsafe interrupts are allowed as you chose, which lets a virtual machine inject interrupts into the host.") :
                                   _("Interrupt remapping is off, so vfio will refuse the devices: turn it on in the firmware setup, or, only if the hardware has none, allow unsafe interrupts (--allow-unsafe-interrupts).")));
    else if (options->unsafe_interrupts)
      pt_plan_add_issue (self->warnings, "unsafe-interrupts", NULL,
                         g_strdup (_("Unsafe interrupts are allowed as you chose: a virtual machine can then inject interrupts into the host. Only use it when the hardware has no interrupt remapping.")));
  }

  decide_usb_pci_stub (self, paths, topology, options);
}

/* Binding per device: by ID when the IDs are unique on the machine (or every
 * device with them goes too), else by address. */
void
pt_plan_choose_binding (PtPlan        *self,
                        PtTopology    *topology,
                        PtPlanOptions *options)
{
  gboolean any_ids = FALSE, any_addr = FALSE;
  g_autoptr(GPtrArray) clash = g_ptr_array_new ();

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      GStrv same = pt_device_get_same_ids_as (dev);
      gboolean same_outside = FALSE;
      /* decided with the reasons by decide_usb_pci_stub() */
      gboolean stub = g_strcmp0 (d->driver_after, "pci-stub") == 0;
      gboolean builtin;
      g_autofree char *ref = pt_describe_device_ref (topology, d->address);

      for (guint j = 0; same[j] != NULL; j++)
        if (find_device (self, same[j]) == NULL)
          same_outside = TRUE;

      d->ids = pt_device_dup_ids (dev);
      d->driver_now = g_strdup (pt_device_get_driver (dev));
      if (same_outside)
        {
          g_autoptr(GPtrArray) others = g_ptr_array_new ();
          g_autofree char *refs = NULL;
          for (guint j = 0; same[j] != NULL; j++)
            if (find_device (self, same[j]) == NULL)
              g_ptr_array_add (others, same[j]);
          refs = join_refs (topology, others);
          if (g_str_equal (options->binding, "ids"))
            {
              g_ptr_array_add (clash, d->address);
              add_issue1 (self->blockers, "ids-not-unique", d->address,
                          g_strdup_printf (_("%s has the same IDs (%s) as %s, so binding by ID would take that one from the host too. Bind by address instead (--bind-by address)."),
                                           ref, d->ids, refs));
            }
          else
            add_issue1 (self->warnings, "identical-ids", d->address,
                        g_strdup_printf (_("%s has the same IDs (%s) as %s, which stays with the host: it is bound by its address, checked against its IDs at every boot."),
                                         ref, d->ids, refs));
        }
      builtin = pt_device_get_driver_builtin (dev) && d->driver_now != NULL;

      g_clear_pointer (&d->driver_after, g_free);
      if (stub)
        {
          d->binding = g_strdup ("ids");
          d->driver_after = g_strdup ("pci-stub");
          any_ids = TRUE;
        }
      else if (!g_str_equal (options->binding, "ids") &&
               (g_str_equal (options->binding, "address") || same_outside || builtin))
        {
          d->binding = g_strdup ("address");
          d->driver_after = g_strdup ("vfio-pci");
          any_addr = TRUE;
        }
      else
        {
          d->binding = g_strdup ("ids");
          d->driver_after = g_strdup ("vfio-pci");
          any_ids = TRUE;
        }

      /* What a built-in driver means for this device's row, as decided. */
      if (builtin && stub)
        add_issue1 (self->warnings, "builtin-driver", d->address,
                    g_strdup_printf (_("The driver of %s (%s) is built into the kernel; pci-stub, built in as well, comes before it and holds the controller by its IDs (pci-stub.ids=), so %s never takes it."),
                                     ref, d->driver_now, d->driver_now));
      else if (builtin && g_str_equal (d->binding, "address"))
        add_issue1 (self->warnings, "builtin-driver", d->address,
                    g_strdup_printf (_("The driver of %s (%s) is built into the kernel, so vfio-pci cannot be loaded ahead of it by a module dependency: it is bound by address from the initramfs instead."),
                                     ref, d->driver_now));
      else if (builtin)
        add_issue1 (self->warnings, "builtin-driver", d->address,
                    g_strdup_printf (_("The driver of %s (%s) is built into the kernel and takes the device before the vfio-pci module loads, so binding it by ID (--bind-by ids) will not hold it: bind by address instead%s."),
                                     ref, d->driver_now,
                                     pt_device_get_kind (dev) == PT_DEVICE_KIND_USB ? _(", or hold it with pci-stub (--usb-pci-stub)") : ""));
    }
  self->binding = g_strdup (any_ids && any_addr ? "mixed" : any_addr ? "address" : "ids");
}

void
pt_plan_compute_kernel_args (PtPlan        *self,
                             PtTopology    *topology,
                             PtPlanOptions *options)
{
  g_autoptr(GPtrArray) vfio_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) stub_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  const char *cpu = pt_topology_get_cpu_vendor (topology);
  const char *iommu_vendor = pt_topology_get_iommu_vendor (topology);

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      if (g_str_equal (d->binding, "address"))
        g_ptr_array_add (addrs, g_strdup_printf ("%s@%s", d->address, d->ids));
      else if (g_str_equal (d->driver_after, "pci-stub"))
        pt_plan_add_unique (stub_ids, d->ids);
      else
        pt_plan_add_unique (vfio_ids, d->ids);
    }

  /* The Intel IOMMU is off unless asked for; the AMD one is on when the
   * firmware enables it (amd_iommu=on is not a documented value). */
  if (cpu != NULL && (g_ascii_strcasecmp (cpu, "intel") == 0 || g_ascii_strcasecmp (cpu, "GenuineIntel") == 0) &&
      !(pt_topology_get_iommu_enabled (topology) && g_strcmp0 (iommu_vendor, "intel") == 0))
    g_ptr_array_add (self->kernel_args, g_strdup ("intel_iommu=on"));
  if (options->iommu_pt)
    g_ptr_array_add (self->kernel_args, g_strdup ("iommu=pt"));
  if (self->setup->initramfs == PT_INITRAMFS_DRACUT && !options->iommu_only)
    g_ptr_array_add (self->kernel_args, g_strdup ("rd.driver.pre=vfio_pci"));
  if (vfio_ids->len > 0)
    {
      g_autofree char *j = pt_plan_join_array (vfio_ids, ",");
      g_ptr_array_add (self->kernel_args, g_strdup_printf ("vfio-pci.ids=%s", j));
    }
  if (stub_ids->len > 0)
    {
      g_autofree char *j = pt_plan_join_array (stub_ids, ",");
      g_ptr_array_add (self->kernel_args, g_strdup_printf ("pci-stub.ids=%s", j));
    }
  if (addrs->len > 0)
    {
      g_autofree char *j = pt_plan_join_array (addrs, ",");
      g_ptr_array_add (self->kernel_args, g_strdup_printf ("passthrough.vfio=%s", j));
    }
  if (options->framebuffer_off)
    {
      g_ptr_array_add (self->kernel_args, g_strdup ("video=efifb:off"));
      g_ptr_array_add (self->kernel_args, g_strdup ("initcall_blacklist=sysfb_init"));
    }
  if (options->acs_override)
    g_ptr_array_add (self->kernel_args, g_strdup_printf ("pcie_acs_override=%s", options->acs_override));
  if (options->unsafe_interrupts)
    g_ptr_array_add (self->kernel_args, g_strdup ("vfio_iommu_type1.allow_unsafe_interrupts=1"));
}

/* A device already on vfio-pci — the trial boot being confirmed, or apply
 * run again after the restart — no longer shows the driver that would take
 * it, yet that driver's softdep is what keeps the binding working.  The
 * kernel's modules.alias says which modules match the device, as modprobe
 * would read it. */
static void
add_native_modules (GPtrArray  *softdeps,
                    PtPaths    *paths,
                    const char *release,
                    PtDevice   *dev)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *modalias = NULL;
  g_auto(GStrv) lines = NULL;
  guint32 class_code = pt_device_get_class_code (dev);

  if (release == NULL)
    return;
  path = pt_paths_build (paths, "lib", "modules", release, "modules.alias", NULL);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;
  modalias = g_strdup_printf ("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
                              pt_device_get_vendor (dev), pt_device_get_device (dev),
                              pt_device_get_subsystem_vendor (dev), pt_device_get_subsystem_device (dev),
                              (class_code >> 16) & 0xff, (class_code >> 8) & 0xff, class_code & 0xff);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;

      if (!g_str_has_prefix (lines[i], "alias pci:"))
        continue;
      f = g_strsplit (lines[i], " ", 3);
      if (g_strv_length (f) != 3 || g_str_equal (f[2], "vfio_pci") || g_str_equal (f[2], "pci_stub"))
        continue;
      if (fnmatch (f[1], modalias, 0) == 0)
        pt_plan_add_unique (softdeps, f[2]);
    }
}

void
pt_plan_compute_modules (PtPlan     *self,
                         PtPaths    *paths,
                         PtTopology *topology)
{
  g_autofree char *release = NULL;

  g_ptr_array_add (self->modules, g_strdup ("vfio_pci"));
  g_ptr_array_add (self->modules, g_strdup ("vfio"));
  g_ptr_array_add (self->modules, g_strdup ("vfio_iommu_type1"));
  release = kernel_release (paths, topology);
  /* vfio_virqfd was folded into vfio in 6.2. */
  if (kernel_before_6_2 (release))
    g_ptr_array_add (self->modules, g_strdup ("vfio_virqfd"));

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      guint16 vendor = pt_device_get_vendor (dev);

      if (d->driver_now != NULL && !g_str_equal (d->driver_now, "vfio-pci") &&
          !g_str_equal (d->driver_now, "pci-stub") && !pt_device_get_driver_builtin (dev))
        {
          g_autofree char *m = driver_module (d->driver_now);
          pt_plan_add_unique (self->softdeps, m);
        }
      else
        add_native_modules (self->softdeps, paths, release, dev);
      switch (pt_device_get_kind (dev))
        {
        case PT_DEVICE_KIND_GPU:
          if (vendor == 0x1002)
            pt_plan_add_unique (self->softdeps, "amdgpu"), pt_plan_add_unique (self->softdeps, "radeon");
          else if (vendor == 0x10de)
            pt_plan_add_unique (self->softdeps, "nouveau"), pt_plan_add_unique (self->softdeps, "nvidia");
          else if (vendor == 0x8086)
            pt_plan_add_unique (self->softdeps, "i915"), pt_plan_add_unique (self->softdeps, "xe");
          break;
        case PT_DEVICE_KIND_AUDIO:
          pt_plan_add_unique (self->softdeps, "snd_hda_intel");
          break;
        case PT_DEVICE_KIND_USB:
          pt_plan_add_unique (self->softdeps, "xhci_pci");
          break;
        default:
          break;
        }
    }
}

void
pt_plan_check_system (PtPlan     *self,
                      PtPaths    *paths,
                      const char *running,
                      PtState    *state)
{
  g_auto(GStrv) typos = pt_scan_cmdline_typos (running);
  g_autofree char *dir = pt_paths_build (paths, "etc", "modprobe.d", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  /* vfio-pci.ids= written by hand on the command line: the kernel takes
   * the last one, so ours would silently replace it (or it ours). */
  {
    g_autoptr(GPtrArray) tokens = pt_cmdline_tokenize (running);
    for (guint i = 0; i < tokens->len; i++)
      {
        PtCmdlineToken *t = g_ptr_array_index (tokens, i);
        if (!g_str_equal (t->key, "vfio_pci.ids") && !g_str_equal (t->key, "pci_stub.ids"))
          continue;
        if (pt_plan_strv_has (self->kernel_args, t->text) ||
            (state->applied && state->kernel_args && g_strv_contains ((const char *const *) state->kernel_args, t->text)))
          continue;
        pt_plan_add_issue (self->warnings, "handwritten-vfio-cmdline", NULL,
                           g_strdup_printf (_("The running command line already has “%s”, written by hand. The kernel uses only the last such parameter, so remove that one from your bootloader configuration and let Passthrough set the IDs."),
                                            t->text));
      }
  }

  /* What the boot path itself must say (GRUB: which grub.cfg). */
  if (self->setup->bootloader != NULL && self->setup->bootloader->check != NULL)
    self->setup->bootloader->check (self, paths);

  for (guint i = 0; typos && typos[i] != NULL; i++)
    pt_plan_add_issue (self->warnings, "cmdline-typo", NULL,
                       g_strdup_printf (_("The running command line has “%s”, which looks like a misspelt passthrough parameter: the kernel ignores it. Remove it from your bootloader configuration."),
                                        typos[i]));

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GArray) lines = NULL;
      g_auto(GStrv) found = NULL;

      if (!g_str_has_suffix (name, ".conf") || g_str_equal (name, "passthrough.conf"))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      lines = g_array_new (FALSE, FALSE, sizeof (guint));
      found = pt_scan_modprobe_vfio (text, lines);
      if (found != NULL && found[0] != NULL)
        pt_plan_add_issue (self->warnings, "handwritten-vfio", NULL,
                           g_strdup_printf (_("/etc/modprobe.d/%s line %u already configures vfio-pci by hand (“%s”). It binds at every boot whatever the command line says, so it defeats the way back; comment it out once Passthrough's setup works."),
                                            name, lines->len ? g_array_index (lines, guint, 0) : 0, found[0]));
    }
}
