/* pt-plan-options.c: the one allow-list of plan options, shared by the CLI's
 * flags and the helper's a{sv} keys (docs/plan-options.md).
 *
 * Every value is checked against a grammar here, at the door, so nothing
 * the caller sends reaches a file unless it is one of a few fixed words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-error.h"
#include "pt-plan-options.h"
#include "pt-bootsetup.h"

PtPlanOptions *
pt_plan_options_new (void)
{
  PtPlanOptions *options = g_new0 (PtPlanOptions, 1);

  options->binding = g_strdup ("auto");
  options->iommu_pt = TRUE;
  return options;
}

void
pt_plan_options_free (PtPlanOptions *options)
{
  if (options == NULL)
    return;
  g_free (options->binding);
  g_free (options->acs_override);
  g_free (options->bootloader);
  g_free (options->plan_digest);
  g_free (options);
}

static gboolean
check_acs (const char *value)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);
  gboolean seen_down = FALSE, seen_multi = FALSE;

  if (parts[0] == NULL)
    return FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_equal (parts[i], "downstream") && !seen_down)
        seen_down = TRUE;
      else if (g_str_equal (parts[i], "multifunction") && !seen_multi)
        seen_multi = TRUE;
      else
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_digest (const char *value)
{
  if (strlen (value) != 64)
    return FALSE;
  for (guint i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (value[i]) || g_ascii_isupper (value[i]))
      return FALSE;
  return TRUE;
}

static gboolean
wrong_type (const char *key,
            const char *expected,
            GError    **error)
{
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
               _("The option “%s” must be %s."), key, expected);
  return FALSE;
}

/* Validates everything first and changes @options only when every key is
 * good, so a refused call leaves the options as they were. */
gboolean
pt_plan_options_set_variant (PtPlanOptions *options,
                             GVariant      *asv,
                             GError       **error)
{
  g_autoptr(PtPlanOptions) next = pt_plan_options_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (options != NULL, FALSE);

  if (asv == NULL)
    return TRUE;
  if (!g_variant_is_of_type (asv, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   _("The options must be a dictionary of string keys (a{sv})."));
      return FALSE;
    }

  /* Start from the current values so that set_variant only overrides. */
  g_free (next->binding);
  next->binding = g_strdup (options->binding);
  next->iommu_pt = options->iommu_pt;
  next->acs_override = g_strdup (options->acs_override);
  next->unsafe_interrupts = options->unsafe_interrupts;
  next->disable_vga = options->disable_vga;
  next->framebuffer_off = options->framebuffer_off;
  next->usb_pci_stub = options->usb_pci_stub;
  next->trial = options->trial;
  next->allow_last_gpu = options->allow_last_gpu;
  next->iommu_only = options->iommu_only;
  next->regenerate = options->regenerate;
  next->disable_idle_d3 = options->disable_idle_d3;
  next->bootloader = g_strdup (options->bootloader);
  next->plan_digest = g_strdup (options->plan_digest);

  g_variant_iter_init (&iter, asv);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      gboolean *flag = NULL;

      if (g_str_equal (key, "iommu-pt"))
        flag = &next->iommu_pt;
      else if (g_str_equal (key, "unsafe-interrupts"))
        flag = &next->unsafe_interrupts;
      else if (g_str_equal (key, "disable-vga"))
        flag = &next->disable_vga;
      else if (g_str_equal (key, "framebuffer-off"))
        flag = &next->framebuffer_off;
      else if (g_str_equal (key, "usb-pci-stub"))
        flag = &next->usb_pci_stub;
      else if (g_str_equal (key, "trial"))
        flag = &next->trial;
      else if (g_str_equal (key, "allow-last-gpu"))
        flag = &next->allow_last_gpu;
      else if (g_str_equal (key, "iommu-only"))
        flag = &next->iommu_only;
      else if (g_str_equal (key, "regenerate"))
        flag = &next->regenerate;
      else if (g_str_equal (key, "disable-idle-d3"))
        flag = &next->disable_idle_d3;

      if (flag != NULL)
        {
          if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
            return wrong_type (key, _("a boolean (b)"), error);
          *flag = g_variant_get_boolean (value);
          continue;
        }

      if (g_str_equal (key, "binding") || g_str_equal (key, "acs-override") ||
          g_str_equal (key, "bootloader") || g_str_equal (key, "plan-digest"))
        {
          const char *s;

          if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
            return wrong_type (key, _("a string (s)"), error);
          s = g_variant_get_string (value, NULL);

          if (g_str_equal (key, "binding"))
            {
              if (!g_str_equal (s, "auto") && !g_str_equal (s, "ids") && !g_str_equal (s, "address"))
                {
                  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                               _("The option “binding” is “%s”; it must be auto, ids or address."), s);
                  return FALSE;
                }
              g_free (next->binding);
              next->binding = g_strdup (s);
            }
          else if (g_str_equal (key, "acs-override"))
            {
              if (!check_acs (s))
                {
                  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                               _("The option “acs-override” is “%s”; it must be downstream, multifunction or downstream,multifunction."), s);
                  return FALSE;
                }
              g_free (next->acs_override);
              next->acs_override = g_strdup (s);
            }
          else if (g_str_equal (key, "bootloader"))
            {
              if (!pt_bootloader_name_is_valid (s))
                {
                  g_autofree char *names = pt_bootloader_dup_valid_names ();
                  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                               _("The option “bootloader” is “%s”; it must be one of %s."), s, names);
                  return FALSE;
                }
              g_free (next->bootloader);
              next->bootloader = g_strdup (s);
            }
          else
            {
              if (!check_digest (s))
                {
                  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                               _("The option “plan-digest” must be a sha256 in 64 lower-case hex digits."));
                  return FALSE;
                }
              g_free (next->plan_digest);
              next->plan_digest = g_strdup (s);
            }
          continue;
        }

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   _("Unknown option “%s”. Known options: binding, iommu-pt, acs-override, unsafe-interrupts, disable-vga, framebuffer-off, usb-pci-stub, trial, allow-last-gpu, bootloader, plan-digest."),
                   key);
      return FALSE;
    }

  /* Everything checked: take it over. */
  g_free (options->binding);
  options->binding = g_steal_pointer (&next->binding);
  options->iommu_pt = next->iommu_pt;
  g_free (options->acs_override);
  options->acs_override = g_steal_pointer (&next->acs_override);
  options->unsafe_interrupts = next->unsafe_interrupts;
  options->disable_vga = next->disable_vga;
  options->framebuffer_off = next->framebuffer_off;
  options->usb_pci_stub = next->usb_pci_stub;
  options->trial = next->trial;
  options->allow_last_gpu = next->allow_last_gpu;
  options->iommu_only = next->iommu_only;
  options->regenerate = next->regenerate;
  options->disable_idle_d3 = next->disable_idle_d3;
  g_free (options->bootloader);
  options->bootloader = g_steal_pointer (&next->bootloader);
  g_free (options->plan_digest);
  options->plan_digest = g_steal_pointer (&next->plan_digest);
  return TRUE;
}

GVariant *
pt_plan_options_to_variant (PtPlanOptions *options)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "binding", g_variant_new_string (options->binding ? options->binding : "auto"));
  g_variant_builder_add (&b, "{sv}", "iommu-pt", g_variant_new_boolean (options->iommu_pt));
  if (options->acs_override != NULL)
    g_variant_builder_add (&b, "{sv}", "acs-override", g_variant_new_string (options->acs_override));
  g_variant_builder_add (&b, "{sv}", "unsafe-interrupts", g_variant_new_boolean (options->unsafe_interrupts));
  g_variant_builder_add (&b, "{sv}", "disable-vga", g_variant_new_boolean (options->disable_vga));
  g_variant_builder_add (&b, "{sv}", "framebuffer-off", g_variant_new_boolean (options->framebuffer_off));
  g_variant_builder_add (&b, "{sv}", "usb-pci-stub", g_variant_new_boolean (options->usb_pci_stub));
  g_variant_builder_add (&b, "{sv}", "trial", g_variant_new_boolean (options->trial));
  g_variant_builder_add (&b, "{sv}", "allow-last-gpu", g_variant_new_boolean (options->allow_last_gpu));
  /* only when set: a helper from before this key refuses unknown keys */
  if (options->iommu_only)
    g_variant_builder_add (&b, "{sv}", "iommu-only", g_variant_new_boolean (TRUE));
  if (options->regenerate)
    g_variant_builder_add (&b, "{sv}", "regenerate", g_variant_new_boolean (TRUE));
  if (options->disable_idle_d3)
    g_variant_builder_add (&b, "{sv}", "disable-idle-d3", g_variant_new_boolean (TRUE));
  if (options->bootloader != NULL)
    g_variant_builder_add (&b, "{sv}", "bootloader", g_variant_new_string (options->bootloader));
  if (options->plan_digest != NULL)
    g_variant_builder_add (&b, "{sv}", "plan-digest", g_variant_new_string (options->plan_digest));
  return g_variant_builder_end (&b);
}
