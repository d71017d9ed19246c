/* pt-readiness.c: the `check` command and the app's readiness page.
 *
 * Every check reads files under the root only, so it works without root
 * privileges and against fixture trees.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pt-cmdline.h"
#include "pt-error.h"
#include "pt-fix.h"
#include "pt-readiness.h"

void
pt_check_free (PtCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->code);
  g_free (check->message);
  g_free (check->fix);
  g_free (check->fix_kind);
  g_free (check);
}

static PtCheck *
check_new (const char *code,
           gboolean    ok,
           char       *message,
           char       *fix)
{
  PtCheck *c = g_new0 (PtCheck, 1);

  c->code = g_strdup (code);
  c->ok = ok;
  c->message = message;
  c->fix = ok ? (g_free (fix), NULL) : fix;
  c->fix_kind = ok ? NULL : g_strdup ("other");
  return c;
}

/* A failed check whose fix is a setting of the firmware (the kind of its
 * entry in "fixes", docs/fixes-and-guards.md). */
static PtCheck *
firmware_check (const char *code,
                char       *message,
                char       *fix)
{
  PtCheck *c = check_new (code, FALSE, message, fix);

  g_free (c->fix_kind);
  c->fix_kind = g_strdup ("firmware");
  return c;
}

static gboolean
cpuinfo_has_flag (const char *cpuinfo,
                  const char *flag)
{
  g_autofree char *needle = g_strdup_printf (" %s", flag);
  const char *p = cpuinfo;

  while ((p = strstr (p, needle)) != NULL)
    {
      char after = p[strlen (needle)];
      if (after == ' ' || after == '\n' || after == '\0')
        return TRUE;
      p += strlen (needle);
    }
  return FALSE;
}

static PtCheck *
check_virtualization (PtPaths    *paths,
                      PtTopology *topology)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "cpuinfo", NULL);
  g_autofree char *cpuinfo = NULL;
  const char *vendor = pt_topology_get_cpu_vendor (topology);

  if (!g_file_get_contents (path, &cpuinfo, NULL, NULL))
    return check_new ("cpu-virtualization", FALSE,
                      g_strdup_printf (_("Cannot read %s, so CPU virtualization support is unknown."), path),
                      g_strdup (_("Run the check on the machine itself, or give a root that has proc/cpuinfo.")));
  if (cpuinfo_has_flag (cpuinfo, "vmx"))
    return check_new ("cpu-virtualization", TRUE,
                      g_strdup (_("The CPU supports hardware virtualization (Intel VT-x).")), NULL);
  if (cpuinfo_has_flag (cpuinfo, "svm"))
    return check_new ("cpu-virtualization", TRUE,
                      g_strdup (_("The CPU supports hardware virtualization (AMD-V).")), NULL);
  return firmware_check ("cpu-virtualization",
                    g_strdup (_("The CPU does not report hardware virtualization (no vmx or svm flag).")),
                    g_strdup_printf (_("Turn on %s in the firmware setup (often under Advanced › CPU Configuration), then restart."),
                                     g_strcmp0 (vendor, "amd") == 0 ? "SVM Mode (AMD-V)" :
                                     g_strcmp0 (vendor, "intel") == 0 ? "Intel Virtualization Technology (VT-x)" :
                                     "CPU virtualization (Intel VT-x or AMD SVM)"));
}

static PtCheck *
check_iommu (PtTopology *topology,
             GPtrArray  *tokens)
{
  const char *vendor = pt_topology_get_cpu_vendor (topology);
  const char *iommu_vendor = pt_topology_get_iommu_vendor (topology);
  guint n_groups = g_list_model_get_n_items (pt_topology_get_groups (topology));
  const PtCmdlineToken *intel = pt_cmdline_find (tokens, "intel_iommu");
  const PtCmdlineToken *amd = pt_cmdline_find (tokens, "amd_iommu");
  const PtCmdlineToken *generic = pt_cmdline_find (tokens, "iommu");

  if (n_groups > 0)
    return check_new ("iommu", TRUE,
                      g_strdup_printf (_("The IOMMU is active (%s) with %u groups."),
                                       g_strcmp0 (iommu_vendor, "intel") == 0 ? "Intel VT-d" :
                                       g_strcmp0 (iommu_vendor, "amd") == 0 ? "AMD-Vi" : "vendor unknown",
                                       n_groups),
                      NULL);

  if ((intel && g_strcmp0 (intel->value, "off") == 0) ||
      (amd && g_strcmp0 (amd->value, "off") == 0) ||
      (generic && g_strcmp0 (generic->value, "off") == 0))
    return check_new ("iommu", FALSE,
                      g_strdup (_("The IOMMU is switched off on the kernel command line, so there are no IOMMU groups.")),
                      g_strdup_printf (_("Remove “%s” from the kernel command line and restart."),
                                       (intel && g_strcmp0 (intel->value, "off") == 0) ? intel->text :
                                       (amd && g_strcmp0 (amd->value, "off") == 0) ? amd->text : generic->text));

  if (g_strcmp0 (vendor, "intel") == 0)
    return firmware_check ("iommu",
                      g_strdup (_("No IOMMU is active: the kernel shows no IOMMU groups.")),
                      g_strdup (intel && g_strcmp0 (intel->value, "on") == 0 ?
                                "Turn on VT-d (Intel Virtualization Technology for Directed I/O) in the firmware setup, then restart." :
                                "Turn on VT-d in the firmware setup; if it is on already, add intel_iommu=on to the kernel command line (applying a setup in Passthrough does this), then restart."));
  if (g_strcmp0 (vendor, "amd") == 0)
    return firmware_check ("iommu",
                      g_strdup (_("No IOMMU is active: the kernel shows no IOMMU groups.")),
                      g_strdup (_("Turn on the IOMMU (AMD-Vi; often “IOMMU” under AMD CBS › NBIO Common Options) and SVM Mode in the firmware setup, then restart. The AMD IOMMU needs no kernel parameter.")));
  return firmware_check ("iommu",
                    g_strdup (_("No IOMMU is active: the kernel shows no IOMMU groups.")),
                    g_strdup (_("Turn on the IOMMU (Intel VT-d or AMD-Vi) in the firmware setup; on Intel also add intel_iommu=on to the kernel command line, then restart.")));
}

static PtCheck *
check_interrupt_remapping (PtPaths    *paths,
                           PtTopology *topology)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "interrupts", NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return check_new ("interrupt-remapping", FALSE,
                      g_strdup_printf (_("Cannot read %s, so interrupt remapping is unknown."), path),
                      g_strdup (_("Run the check on the machine itself.")));
  /* Remapped interrupts show as IR-PCI-MSI, IR-IO-APIC … */
  if (strstr (contents, "IR-") != NULL)
    return check_new ("interrupt-remapping", TRUE,
                      g_strdup (_("Interrupt remapping is on, so devices can be isolated safely.")), NULL);
  return firmware_check ("interrupt-remapping",
                    g_strdup (_("Interrupt remapping is off: vfio will refuse devices unless unsafe interrupts are allowed.")),
                    g_strdup (pt_topology_get_iommu_enabled (topology) ?
                              "Turn on interrupt remapping (often “x2APIC” or “Interrupt Remapping”) in the firmware setup. Only if the hardware has none, allow unsafe interrupts in the setup options: that weakens isolation from the virtual machine." :
                              "Interrupt remapping comes with the IOMMU: turn the IOMMU on first."));
}

static gboolean
file_mentions_module (const char *path,
                      const char *needle_a,
                      const char *needle_b)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  return strstr (contents, needle_a) != NULL || strstr (contents, needle_b) != NULL;
}

static PtCheck *
check_vfio_modules (PtPaths    *paths,
                    PtTopology *topology)
{
  const char *release = pt_topology_get_kernel_release (topology);
  g_autofree char *dir = NULL;
  g_autofree char *builtin = NULL;
  g_autofree char *dep = NULL;

  if (release == NULL)
    return check_new ("vfio-modules", FALSE,
                      g_strdup (_("The running kernel's release is unknown (proc/sys/kernel/osrelease is missing).")),
                      g_strdup (_("Run the check on the machine itself.")));
  dir = pt_paths_build (paths, "lib", "modules", release, NULL);
  builtin = g_build_filename (dir, "modules.builtin", NULL);
  dep = g_build_filename (dir, "modules.dep", NULL);
  if (file_mentions_module (builtin, "/vfio-pci.ko", "/vfio_pci.ko"))
    return check_new ("vfio-modules", TRUE,
                      g_strdup_printf (_("vfio-pci is built into kernel %s: devices are chosen on the kernel command line."), release),
                      NULL);
  if (file_mentions_module (dep, "/vfio-pci.ko", "/vfio_pci.ko"))
    return check_new ("vfio-modules", TRUE,
                      g_strdup_printf (_("The vfio-pci module is installed for kernel %s."), release), NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return check_new ("vfio-modules", FALSE,
                      g_strdup_printf (_("No modules are installed for the running kernel %s (%s is missing)."), release, dir),
                      g_strdup (_("Restart into the kernel you installed most recently, or reinstall the kernel package.")));
  return check_new ("vfio-modules", FALSE,
                    g_strdup_printf (_("Kernel %s has no vfio-pci module."), release),
                    g_strdup (_("Install a kernel built with CONFIG_VFIO_PCI (every major distribution's default kernel has it).")));
}

static PtCheck *
check_cmdline (PtTopology *topology,
               GPtrArray  *tokens)
{
  g_autoptr(GString) relevant = g_string_new (NULL);
  g_autoptr(GString) typos = g_string_new (NULL);

  if (pt_topology_get_cmdline (topology) == NULL)
    return check_new ("kernel-cmdline", FALSE,
                      g_strdup (_("The kernel command line cannot be read (proc/cmdline is missing).")),
                      g_strdup (_("Run the check on the machine itself.")));

  for (guint i = 0; i < tokens->len; i++)
    {
      PtCmdlineToken *tok = g_ptr_array_index (tokens, i);
      g_autofree char *base = g_strdup (tok->key);
      gboolean looks_related = strstr (base, "iommu") || strstr (base, "vfio") ||
                               strstr (base, "vifo") || strstr (base, "acs_override") ||
                               strstr (base, "pci_stub");

      if (pt_cmdline_is_known_key (tok->key))
        {
          if (g_str_equal (tok->key, "video") && (tok->value == NULL || !g_str_has_prefix (tok->value, "efifb")))
            continue;
          if (g_str_equal (tok->key, "initcall_blacklist") && !strstr (tok->value ? tok->value : "", "sysfb"))
            continue;
          g_string_append_printf (relevant, "%s%s", relevant->len ? " " : "", tok->text);
        }
      else if (looks_related)
        g_string_append_printf (typos, "%s%s", typos->len ? ", " : "", tok->text);
    }

  if (typos->len > 0)
    return check_new ("kernel-cmdline", FALSE,
                      g_strdup_printf (_("The kernel command line has parameters the kernel does not know and ignores: %s."), typos->str),
                      g_strdup (_("Correct or remove them in your boot loader configuration (a common typo is “vifo-pci.ids”).")));
  if (pt_cmdline_find (tokens, "pcie_acs_override") != NULL)
    /* The override splits groups the hardware does not isolate: say what it
     * costs, and that a stock kernel ignores it. */
    return check_new ("kernel-cmdline", TRUE,
                      g_strdup_printf (_("Passthrough parameters on the kernel command line: %s. "
                                         "pcie_acs_override works only on kernels patched for it (linux-zen, Proxmox VE's); "
                                         "where it works, devices it splits into separate groups can still reach each other's memory, "
                                         "so a virtual machine is not isolated from them."),
                                       relevant->str),
                      NULL);
  return check_new ("kernel-cmdline", TRUE,
                    relevant->len ? g_strdup_printf (_("Passthrough parameters on the kernel command line: %s."), relevant->str)
                                  : g_strdup (_("The kernel command line has no passthrough parameters yet.")),
                    NULL);
}

/**
 * pt_readiness_run:
 * Returns: (transfer full) (element-type PtCheck):
 */
GPtrArray *
pt_readiness_run (PtPaths    *paths,
                  PtTopology *topology)
{
  GPtrArray *checks = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_check_free);
  g_autoptr(GPtrArray) tokens = pt_cmdline_tokenize (pt_topology_get_cmdline (topology));

  g_ptr_array_add (checks, check_virtualization (paths, topology));
  g_ptr_array_add (checks, check_iommu (topology, tokens));
  g_ptr_array_add (checks, check_interrupt_remapping (paths, topology));
  g_ptr_array_add (checks, check_vfio_modules (paths, topology));
  g_ptr_array_add (checks, check_cmdline (topology, tokens));
  return checks;
}

gboolean
pt_readiness_all_ok (GPtrArray *checks)
{
  for (guint i = 0; i < checks->len; i++)
    if (!((PtCheck *) g_ptr_array_index (checks, i))->ok)
      return FALSE;
  return TRUE;
}

/* "fixes" of a failed check: its fix, and where interrupt remapping is
 * missing, the plan option that does without it, with its risk. */
static GPtrArray *
check_fixes (PtCheck *c)
{
  GPtrArray *fixes = pt_fix_list_new ();

  if (c->ok || c->fix == NULL)
    return fixes;
  pt_fix_list_add (fixes, c->fix_kind ? c->fix_kind : "other", g_strdup (c->fix));
  if (g_str_equal (c->code, "interrupt-remapping") && g_strcmp0 (c->fix_kind, "firmware") == 0)
    {
      PtFix *fix = pt_fix_list_add (fixes, "option",
                                    g_strdup (_("Only if the hardware has no interrupt remapping: allow unsafe interrupts (--allow-unsafe-interrupts). A virtual machine can then inject interrupts into the host.")));
      pt_fix_set_option (fix, "unsafe-interrupts", g_variant_new_boolean (TRUE));
    }
  return fixes;
}

char *
pt_readiness_to_json (GPtrArray *checks,
                      gboolean   pretty)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ready");
  json_builder_add_boolean_value (b, pt_readiness_all_ok (checks));
  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  for (guint i = 0; i < checks->len; i++)
    {
      PtCheck *c = g_ptr_array_index (checks, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, c->code);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, c->ok);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, c->message);
      json_builder_set_member_name (b, "fix");
      if (c->fix)
        json_builder_add_string_value (b, c->fix);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "fixes");
      {
        g_autoptr(GPtrArray) fixes = check_fixes (c);
        pt_fix_list_to_builder (b, fixes);
      }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  return json_generator_to_data (gen, NULL);
}

/* The inverse of pt_readiness_to_json(): the helper's GetReadiness, for an
 * app that cannot read the machine itself (a sandbox). Anything that is not
 * the contract's shape is an error rather than a half-filled page. */
GPtrArray *
pt_readiness_new_from_json (const char  *data,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_check_free);
  JsonNode *root, *list;

  if (!json_parser_load_from_data (parser, data, -1, NULL))
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_PARSE, _("The readiness report is not valid JSON."));
      return NULL;
    }
  root = json_parser_get_root (parser);
  list = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_get_member (json_node_get_object (root), "checks") : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_PARSE, _("The readiness report has no list of checks."));
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (list), i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *code = obj != NULL ? json_object_get_member (obj, "code") : NULL;
      JsonNode *ok = obj != NULL ? json_object_get_member (obj, "ok") : NULL;
      JsonNode *message = obj != NULL ? json_object_get_member (obj, "message") : NULL;
      JsonNode *fix = obj != NULL ? json_object_get_member (obj, "fix") : NULL;
      PtCheck *check;

      if (code == NULL || json_node_get_value_type (code) != G_TYPE_STRING ||
          ok == NULL || json_node_get_value_type (ok) != G_TYPE_BOOLEAN ||
          message == NULL || json_node_get_value_type (message) != G_TYPE_STRING ||
          (fix != NULL && !JSON_NODE_HOLDS_NULL (fix) && json_node_get_value_type (fix) != G_TYPE_STRING))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                       _("Check %u of the readiness report lacks its code, result or sentence."), i + 1);
          return NULL;
        }
      check = g_new0 (PtCheck, 1);
      check->code = g_strdup (json_node_get_string (code));
      check->ok = json_node_get_boolean (ok);
      check->message = g_strdup (json_node_get_string (message));
      check->fix = fix != NULL && !JSON_NODE_HOLDS_NULL (fix) ? g_strdup (json_node_get_string (fix)) : NULL;
      /* a helper older than "fixes" sends none: its fix is then "other" */
      {
        JsonNode *fixes = json_object_get_member (obj, "fixes");
        JsonArray *list = fixes != NULL && JSON_NODE_HOLDS_ARRAY (fixes) ? json_node_get_array (fixes) : NULL;
        JsonNode *first = list != NULL && json_array_get_length (list) > 0 ? json_array_get_element (list, 0) : NULL;
        const char *kind = first != NULL && JSON_NODE_HOLDS_OBJECT (first) ?
                           json_object_get_string_member_with_default (json_node_get_object (first), "kind", NULL) : NULL;
        check->fix_kind = check->fix == NULL ? NULL : g_strdup (kind != NULL ? kind : "other");
      }
      g_ptr_array_add (checks, check);
    }
  return g_steal_pointer (&checks);
}
