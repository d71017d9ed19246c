/* test-plan-options.c: the helper's a{sv} door — a strict allow-list,
 * types and grammars, errors naming the key, nothing taken on error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-error.h"
#include "pt-plan-options.h"

static GVariant *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  GVariant *v = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);
  g_assert_no_error (error);
  return v;
}

static void
test_defaults (void)
{
  g_autoptr(PtPlanOptions) o = pt_plan_options_new ();

  g_assert_cmpstr (o->binding, ==, "auto");
  g_assert_true (o->iommu_pt);
  g_assert_null (o->acs_override);
  g_assert_false (o->unsafe_interrupts || o->disable_vga || o->framebuffer_off ||
                  o->usb_pci_stub || o->trial || o->allow_last_gpu);
  g_assert_null (o->bootloader);
}

static void
test_every_key (void)
{
  g_autoptr(PtPlanOptions) o = pt_plan_options_new ();
  g_autoptr(GVariant) v = parse ("{'binding': <'address'>, 'iommu-pt': <false>, "
                                 "'acs-override': <'downstream,multifunction'>, 'unsafe-interrupts': <true>, "
                                 "'disable-vga': <true>, 'framebuffer-off': <true>, 'usb-pci-stub': <true>, "
                                 "'trial': <true>, 'allow-last-gpu': <true>, 'bootloader': <'systemd-boot'>, "
                                 "'plan-digest': <'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'>}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) back = NULL;
  g_autoptr(PtPlanOptions) again = pt_plan_options_new ();

  g_assert_true (pt_plan_options_set_variant (o, v, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (o->binding, ==, "address");
  g_assert_false (o->iommu_pt);
  g_assert_cmpstr (o->acs_override, ==, "downstream,multifunction");
  g_assert_true (o->unsafe_interrupts && o->disable_vga && o->framebuffer_off &&
                 o->usb_pci_stub && o->trial && o->allow_last_gpu);
  g_assert_cmpstr (o->bootloader, ==, "systemd-boot");

  /* to_variant and back is the same */
  back = g_variant_ref_sink (pt_plan_options_to_variant (o));
  g_assert_true (pt_plan_options_set_variant (again, back, &error));
  g_assert_cmpstr (again->binding, ==, "address");
  g_assert_cmpstr (again->plan_digest, ==, o->plan_digest);
  g_assert_false (again->iommu_pt);
}

static void
test_refusals (void)
{
  static const struct { const char *text, *key; } bad[] = {
    { "{'binding': <'magic'>}", "binding" },
    { "{'binding': <true>}", "binding" },
    { "{'iommu-pt': <'yes'>}", "iommu-pt" },
    { "{'acs-override': <'downstream,downstream'>}", "acs-override" },
    { "{'acs-override': <'all'>}", "acs-override" },
    { "{'acs-override': <''>}", "acs-override" },
    { "{'bootloader': <'lilo'>}", "bootloader" },
    { "{'bootloader': <'none'>}", "bootloader" },
    { "{'plan-digest': <'abc'>}", "plan-digest" },
    { "{'plan-digest': <'0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef'>}", "plan-digest" },
    { "{'kernel-args': <'init=/bin/sh'>}", "kernel-args" },
    { "{'trial': <1>}", "trial" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(PtPlanOptions) o = pt_plan_options_new ();
      g_autoptr(GVariant) v = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *quoted = g_strdup_printf ("“%s”", bad[i].key);

      /* a good key first: it must not be taken when a later one is bad */
      g_autofree char *text = g_strdup_printf ("{'disable-vga': <true>, %s", bad[i].text + 1);

      v = parse (text);
      g_assert_false (pt_plan_options_set_variant (o, v, &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (error->message, quoted));
      g_assert_false (o->disable_vga);
      g_assert_cmpstr (o->binding, ==, "auto");
    }
}

static void
test_not_a_dict (void)
{
  g_autoptr(PtPlanOptions) o = pt_plan_options_new ();
  g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new ("(s)", "x"));
  g_autoptr(GError) error = NULL;

  g_assert_false (pt_plan_options_set_variant (o, v, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/plan-options/defaults", test_defaults);
  g_test_add_func ("/engine/plan-options/every-key", test_every_key);
  g_test_add_func ("/engine/plan-options/refusals", test_refusals);
  g_test_add_func ("/engine/plan-options/not-a-dict", test_not_a_dict);
  return g_test_run ();
}
