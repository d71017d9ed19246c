/* test-helper-units.c: GTest units of the helper library — the method table
 * of the bouncer and the checks at the door.  The integration tests
 * (test_helper_*.py) drive the same code through D-Bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-dbus-helper1.h"
#include "pt-error.h"
#include "pt-helper-bouncer.h"
#include "pt-helper-validate.h"

static void
test_bouncer_table_covers_the_interface (void)
{
  GDBusInterfaceInfo *info = pt_dbus_helper1_interface_info ();

  /* Every method of the XML has a row; a new method without one would be
   * refused, and this test says which. */
  for (guint i = 0; info->methods[i] != NULL; i++)
    {
      const char *action = NULL;
      g_test_message ("method %s", info->methods[i]->name);
      g_assert_true (pt_helper_bouncer_lookup (info->methods[i]->name, &action));
    }
}

static void
test_bouncer_actions (void)
{
  static const struct { const char *method; const char *action; } expected[] = {
    { "GetTopology", NULL }, { "GetReadiness", NULL }, { "GetStatus", NULL }, { "Preview", NULL },
    { "Apply", PT_DBUS_ACTION_CONFIGURE }, { "Revert", PT_DBUS_ACTION_CONFIGURE },
    { "Confirm", PT_DBUS_ACTION_CONFIGURE },
    { "Bind", PT_DBUS_ACTION_BIND }, { "Unbind", PT_DBUS_ACTION_BIND },
  };
  static const char *const unknown[] = { "SetRoot", "apply", "Apply ", "", "Introspect", "Get", NULL };
  const char *action;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      action = "unset";
      g_assert_true (pt_helper_bouncer_lookup (expected[i].method, &action));
      g_assert_cmpstr (action, ==, expected[i].action);
    }
  for (guint i = 0; unknown[i] != NULL; i++)
    {
      action = "unset";
      g_assert_false (pt_helper_bouncer_lookup (unknown[i], &action));
      g_assert_null (action);
    }
  g_assert_false (pt_helper_bouncer_lookup (NULL, &action));
}

static void
test_check_string (void)
{
  g_autofree char *max = g_strnfill (PT_HELPER_MAX_STRING, 'a');
  g_autofree char *over = g_strnfill (PT_HELPER_MAX_STRING + 1, 'a');
  static const char *const bad[] = { "a\nb", "a\tb", "a\rb", "\x1b[2J", "a\x7f", "caf\xc3\xa9", NULL };
  GError *error = NULL;

  g_assert_true (pt_helper_check_string ("0000:01:00.0", "x", &error));
  g_assert_no_error (error);
  g_assert_true (pt_helper_check_string (max, "x", &error));
  g_assert_no_error (error);
  g_assert_false (pt_helper_check_string (over, "x", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (pt_helper_check_string (NULL, "x", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (pt_helper_check_string (bad[i], "value", &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (error->message, "value"));
      g_clear_error (&error);
    }
}

static GVariant *
addresses_variant (guint n,
                   guint duplicate_at)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < n; i++)
    {
      guint k = (i == duplicate_at) ? 0 : i;
      g_autofree char *a = g_strdup_printf ("0000:%02x:%02x.%u", k / 256, (k / 8) % 32, k % 8);
      g_variant_builder_add (&b, "s", a);
    }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static void
test_check_addresses (void)
{
  g_autoptr(GVariant) none = addresses_variant (0, G_MAXUINT);
  g_autoptr(GVariant) max = addresses_variant (PT_HELPER_MAX_ADDRESSES, G_MAXUINT);
  g_autoptr(GVariant) over = addresses_variant (PT_HELPER_MAX_ADDRESSES + 1, G_MAXUINT);
  g_autoptr(GVariant) dup = addresses_variant (3, 2);
  g_autoptr(GVariant) wrong_type = g_variant_ref_sink (g_variant_new_string ("0000:01:00.0"));
  g_autoptr(GVariant) bad = g_variant_ref_sink (g_variant_new_parsed ("['0000:01:00.0', '01:00.1']"));
  g_auto(GStrv) ok = NULL;
  GError *error = NULL;
  GStrv result;

  /* Without a topology only the format is checked. */
  ok = pt_helper_check_addresses (max, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (ok), ==, PT_HELPER_MAX_ADDRESSES);
  g_assert_cmpstr (ok[0], ==, "0000:00:00.0");

  GVariant *cases[] = { none, over, dup, wrong_type, bad, NULL };
  for (guint i = 0; cases[i] != NULL; i++)
    {
      result = pt_helper_check_addresses (cases[i], NULL, &error);
      g_assert_null (result);
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }
}

static void
test_check_options (void)
{
  static const char *const good[] = {
    "@a{sv} {}",
    "{'binding': <'ids'>}",
    "{'iommu-pt': <false>, 'trial': <true>}",
    "{'plan-digest': <'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'>}",
    NULL
  };
  static const char *const bad[] = {
    "{'evil': <'x'>}",
    "{'iommu-pt': <'true'>}",
    "{'binding': <'vfio'>}",
    "{'binding': <true>}",
    "{'bootloader': <'grub\\nX=1'>}",
    "{'iommu-pt\\n': <true>}",
    "{'': <true>}",
    "{'trial': <<true>>}",
    NULL
  };
  GError *error = NULL;

  for (guint i = 0; good[i] != NULL; i++)
    {
      g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new_parsed (good[i]));
      PtPlanOptions *options = pt_helper_check_options (v, &error);
      g_test_message ("good: %s", good[i]);
      g_assert_no_error (error);
      g_assert_nonnull (options);
      pt_helper_options_free (options);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new_parsed (bad[i]));
      g_test_message ("bad: %s", bad[i]);
      g_assert_null (pt_helper_check_options (v, &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
      g_clear_error (&error);
    }
}

static void
test_check_no_options (void)
{
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new_parsed ("@a{sv} {}"));
  g_autoptr(GVariant) known = g_variant_ref_sink (g_variant_new_parsed ("{'trial': <true>}"));
  GError *error = NULL;

  g_assert_true (pt_helper_check_no_options (empty, "Revert", &error));
  g_assert_no_error (error);
  g_assert_false (pt_helper_check_no_options (known, "Revert", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "Revert"));
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/helper/bouncer/table-covers-interface", test_bouncer_table_covers_the_interface);
  g_test_add_func ("/helper/bouncer/actions", test_bouncer_actions);
  g_test_add_func ("/helper/validate/string", test_check_string);
  g_test_add_func ("/helper/validate/addresses", test_check_addresses);
  g_test_add_func ("/helper/validate/options", test_check_options);
  g_test_add_func ("/helper/validate/no-options", test_check_no_options);
  return g_test_run ();
}
