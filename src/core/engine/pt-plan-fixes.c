/* pt-plan-fixes.c: what the person can do about each warning and blocker
 * of a plan, best first, as data (docs/fixes-and-guards.md).  The shared
 * group's fixes are made where the group is read (pt-plan-devices.c, with
 * pt_fix_for_shared_group); everything else is decided here by the code.
 * A code without anything to do (a note such as "hand-made-setup") keeps
 * an empty list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-describe.h"
#include "pt-fix.h"
#include "pt-plan-build.h"

/* Does this system start a graphical session by default?  NULL: cannot tell
 * (no default.target link: a snapshot, or a distribution without systemd). */
static const char *
default_target (PtPaths *paths)
{
  g_autofree char *link = pt_paths_build (paths, "etc", "systemd", "system", "default.target", NULL);
  g_autofree char *target = g_file_read_link (link, NULL);

  if (target == NULL)
    return NULL;
  if (g_str_has_suffix (target, "graphical.target"))
    return "graphical";
  if (g_str_has_suffix (target, "multi-user.target"))
    return "text";
  return NULL;
}

static PtFix *
add_option_bool (GPtrArray  *fixes,
                 const char *key,
                 gboolean    value,
                 char       *text)
{
  PtFix *fix = pt_fix_list_add (fixes, "option", text);
  pt_fix_set_option (fix, key, g_variant_new_boolean (value));
  return fix;
}

static PtFix *
add_option_string (GPtrArray  *fixes,
                   const char *key,
                   const char *value,
                   char       *text)
{
  PtFix *fix = pt_fix_list_add (fixes, "option", text);
  pt_fix_set_option (fix, key, g_variant_new_string (value));
  return fix;
}

static void
name_devices (PtFix   *fix,
              PtIssue *issue)
{
  g_strfreev (fix->devices);
  fix->devices = g_strdupv (issue->devices);
}

/* A GPU the plan leaves the host, to name as the boot GPU it could have:
 * the first one outside the plan. */
static const char *
gpu_the_host_keeps (PtPlan     *plan,
                    PtTopology *topology)
{
  g_autoptr(GPtrArray) gpus = pt_topology_dup_gpus (topology);

  for (guint i = 0; i < gpus->len; i++)
    {
      const char *address = pt_device_get_address (g_ptr_array_index (gpus, i));
      gboolean taken = FALSE;

      for (guint j = 0; j < plan->devices->len && !taken; j++)
        taken = g_str_equal (((PlanDevice *) g_ptr_array_index (plan->devices, j))->address, address);
      if (!taken)
        return pt_device_get_address (pt_topology_lookup (topology, address));
    }
  return NULL;
}

static void
fixes_for (PtPlan        *plan,
           PtIssue       *issue,
           gboolean       blocker,
           PtPaths       *paths,
           PtTopology    *topology,
           PtPlanOptions *options)
{
  const char *code = issue->code;
  const char *first = issue->devices[0];
  g_autofree char *ref = first != NULL ? pt_describe_device_ref (topology, first) : NULL;
  GPtrArray *fixes = pt_fix_list_new ();
  PtFix *fix;

  issue->fixes = fixes;
  if (g_str_equal (code, "boot-gpu"))
    {
      const char *host_gpu = gpu_the_host_keeps (plan, topology);
      g_autofree char *host_ref = host_gpu != NULL ? pt_describe_device_ref (topology, host_gpu) : NULL;

      if (host_gpu != NULL)
        fix = pt_fix_list_add (fixes, "firmware",
                               g_strdup_printf (_("In the firmware setup, make %s the boot GPU (the primary display): the host then boots and keeps its screen on it, and %s can go."),
                                                host_ref, ref));
      else
        fix = pt_fix_list_add (fixes, "firmware",
                               g_strdup (_("Make another GPU the boot GPU in the firmware setup. This plan leaves the host no other GPU: add a card for the host's screen, or turn the processor's graphics on in the firmware setup.")));
      name_devices (fix, issue);
      if (host_gpu != NULL)
        {
          /* the boot GPU, then the one to make the boot GPU */
          g_autoptr(GStrvBuilder) both = g_strv_builder_new ();
          g_strv_builder_addv (both, (const char **) fix->devices);
          g_strv_builder_add (both, host_gpu);
          g_strfreev (fix->devices);
          fix->devices = g_strv_builder_end (both);
        }
      fix = pt_fix_list_add (fixes, "other",
                             g_strdup_printf (_("Or keep %s for the host and pass another GPU through."), ref));
      name_devices (fix, issue);
      /* the blocker's way through, for a person who does without the
       * screen: with no GPU left, the host's last one is allowed to go */
      if (blocker && host_gpu == NULL)
        fix = add_option_bool (fixes, "allow-last-gpu", TRUE,
                               g_strdup (_("Only for a host you reach over the network: pass it through anyway and let the host keep no GPU (--allow-last-gpu). The boot messages, the console and the desktop go dark.")));
      else if (blocker)
        fix = add_option_bool (fixes, "framebuffer-off", TRUE,
                               g_strdup (_("Only if the host can do without its boot screen: pass it through anyway with the firmware framebuffer off (--framebuffer-off). The boot messages and the console go dark; the desktop can run on the other GPU.")));
      if (blocker)
        name_devices (fix, issue);
    }
  else if (g_str_equal (code, "default-route-nic"))
    {
      fix = pt_fix_list_add (fixes, "other",
                             g_strdup_printf (_("Give the host another network connection first (another port, Wi-Fi) and make it the default route, or pass through a network card the host does not use; %s keeps the host online."),
                                              ref));
      name_devices (fix, issue);
    }
  else if (g_str_equal (code, "usb-keyboard"))
    {
      fix = pt_fix_list_add (fixes, "other",
                             g_strdup_printf (_("Plug a keyboard into a port of another USB controller (or a PS/2 port) before the restart, or keep %s for the host and pass another USB controller through."),
                                              ref));
      name_devices (fix, issue);
    }
  else if (g_str_equal (code, "host-needs-device"))
    {
      PtDevice *dev = pt_topology_lookup (topology, first);

      /* a NIC that a mounted NFS or CIFS share is reached through */
      if (dev != NULL && pt_device_get_kind (dev) == PT_DEVICE_KIND_NETWORK)
        fix = pt_fix_list_add (fixes, "other",
                               g_strdup_printf (_("Keep %s for the host: mounted network file systems (NFS, CIFS) are reached through it. For a virtual machine's network, pass through a network card the host does not use, or give the machine a bridged virtual one."),
                                                ref));
      else
        fix = pt_fix_list_add (fixes, "other",
                               g_strdup_printf (_("Keep %s for the host. For disks in a virtual machine, give them a controller of their own (an NVMe drive, or a SATA card in a slot with its own group) and pass that through."),
                                                ref));
      name_devices (fix, issue);
    }
  else if (g_str_equal (code, "virtual-function"))
    {
      fix = pt_fix_list_add (fixes, "other",
                             g_strdup_printf (_("Hand it to vfio-pci after each start with “passthroughctl bind %s”, or let the virtual machine manager do that when the machine starts."),
                                              first));
      name_devices (fix, issue);
    }
  else if (g_str_equal (code, "last-gpu") && blocker)
    {
      const char *target = default_target (paths);
      g_autofree char *keep = g_strdup (_("Keep one GPU for the host: select fewer GPUs, or add a cheap second card for the host's screen."));
      g_autofree char *allow = NULL;

      if (g_strcmp0 (target, "text") == 0)
        allow = g_strdup (_("Allow it (--allow-last-gpu): the console goes dark after the restart, which is usual for a server that starts no desktop and is reached over the network."));
      else
        allow = g_strdup (_("Allow it (--allow-last-gpu) only for a machine you reach over the network: the console and the desktop go dark after the restart."));
      if (g_strcmp0 (target, "text") == 0)
        {
          add_option_bool (fixes, "allow-last-gpu", TRUE, g_steal_pointer (&allow));
          pt_fix_list_add (fixes, "other", g_steal_pointer (&keep));
        }
      else
        {
          pt_fix_list_add (fixes, "other", g_steal_pointer (&keep));
          add_option_bool (fixes, "allow-last-gpu", TRUE, g_steal_pointer (&allow));
        }
    }
  else if (g_str_equal (code, "acs-override"))
    {
      pt_fix_list_add (fixes, "move-slot",
                       g_strdup (_("A card in a slot wired to the CPU usually has an IOMMU group of its own and needs no override: move it there if you can.")));
      pt_fix_list_add (fixes, "firmware",
                       g_strdup (_("Update the board's firmware and look in its setup for an ACS option: real isolation makes the override unnecessary.")));
    }
  else if (g_str_equal (code, "no-interrupt-remapping") || g_str_equal (code, "unsafe-interrupts"))
    {
      pt_fix_list_add (fixes, "firmware",
                       g_strdup (_("Turn interrupt remapping on in the firmware setup: it comes with VT-d on Intel boards and with the IOMMU (AMD-Vi) on AMD boards.")));
      if (!options->unsafe_interrupts)
        add_option_bool (fixes, "unsafe-interrupts", TRUE,
                         g_strdup (_("Only if the hardware has no interrupt remapping: allow unsafe interrupts (--allow-unsafe-interrupts). A virtual machine can then inject interrupts into the host.")));
    }
  else if (g_str_equal (code, "iommu-off"))
    pt_fix_list_add (fixes, "firmware",
                     g_strdup (_("Turn the IOMMU on in the firmware setup (VT-d on Intel boards, IOMMU or AMD-Vi on AMD boards); the plan adds the kernel argument it needs.")));
  else if (g_str_equal (code, "ids-not-unique") || g_str_equal (code, "booster-no-address-binding"))
    {
      if (g_str_equal (code, "ids-not-unique"))
        fix = add_option_string (fixes, "binding", "address",
                                 g_strdup (_("Bind by address (--bind-by address): only this device is taken, checked against its IDs at every boot.")));
      else
        fix = add_option_string (fixes, "binding", "ids",
                                 g_strdup (_("Bind by ID (--bind-by ids), where no other device has the same IDs.")));
      name_devices (fix, issue);
    }
  else if (g_str_equal (code, "builtin-driver") && g_str_equal (options->binding, "ids"))
    {
      fix = add_option_string (fixes, "binding", "address",
                               g_strdup (_("Bind by address (--bind-by address): Passthrough's early script then takes the device before its built-in driver.")));
      name_devices (fix, issue);
    }
  else if (g_str_equal (code, "usb-pci-stub-refused") || g_str_equal (code, "usb-pci-stub-no-usb"))
    add_option_bool (fixes, "usb-pci-stub", FALSE,
                     g_strdup (_("Leave --usb-pci-stub off: the controllers then go to vfio-pci like the other devices.")));
  else if (g_str_equal (code, "framebuffer-off-not-boot-gpu"))
    add_option_bool (fixes, "framebuffer-off", FALSE,
                     g_strdup (_("Leave the firmware framebuffer on: only a passed-through boot GPU needs it off.")));
  else if (g_str_equal (code, "trial-unavailable"))
    add_option_bool (fixes, "trial", FALSE,
                     g_strdup (_("Set up without the trial start: the boot entries without the Passthrough arguments stay the way back.")));
  else if (g_str_equal (code, "bootloader-ambiguous") || g_str_equal (code, "bootloader-not-found"))
    pt_fix_list_add (fixes, "other",
                     g_strdup (_("Name the bootloader that starts this system with --bootloader NAME (the app's Advanced options).")));
  else if (g_str_equal (code, "no-boot-setup") || g_str_equal (code, "no-bootloader"))
    pt_fix_list_add (fixes, "other",
                     g_strdup (_("If Passthrough missed your bootloader, name it with --bootloader NAME; otherwise add the arguments the message names to your kernel command line by hand.")));
  else if (g_str_equal (code, "no-initramfs"))
    add_option_string (fixes, "binding", "ids",
                       g_strdup (_("Bind by ID (--bind-by ids), which needs no early script, where no other device has the same IDs.")));
  else if (g_str_equal (code, "esp-not-mounted"))
    pt_fix_list_add (fixes, "other",
                     g_strdup (_("Mount the EFI system partition (usually at /boot/efi or /efi, as /etc/fstab says), then ask for the plan again.")));
  else if (g_str_equal (code, "modules-crlf"))
    pt_fix_list_add (fixes, "other",
                     g_strdup (_("Give the file Unix line ends, as root: sed -i 's/\\r$//' /etc/initramfs-tools/modules (or dos2unix), then ask for the plan again.")));
}

void
pt_plan_add_fixes (PtPlan        *self,
                   PtPaths       *paths,
                   PtTopology    *topology,
                   PtPlanOptions *options)
{
  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *list = pass == 0 ? self->blockers : self->warnings;

      for (guint i = 0; i < list->len; i++)
        {
          PtIssue *issue = g_ptr_array_index (list, i);
          if (issue->fixes == NULL)
            fixes_for (self, issue, pass == 0, paths, topology, options);
        }
    }
}
