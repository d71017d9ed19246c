/* test-edit-cases.c: the oddities real files have, one test each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "edit-test-util.h"
#include "pt-error.h"

static const char *const ids_pt[] = { "iommu=pt", "vfio-pci.ids=10de:1b80,10de:10f0", NULL };
static const char *const vfio_mods[] = { "vfio_pci", "vfio", "vfio_iommu_type1", NULL };

/* Adds @add, checks the result, that adding again changes nothing and
 * that removing gives back @in. */
static void
check_round_trip (EditKind           kind,
                  const char        *in,
                  const char *const *add,
                  const char        *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = edit_run (kind, in, add, NULL, &error);
  g_autofree char *again = NULL;
  g_autofree char *back = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
  again = edit_run (kind, out, add, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, out);
  back = edit_run (kind, out, NULL, add, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, in);
}

static void
check_refused (EditKind           kind,
               const char        *in,
               const char *const *add,
               gint               code,
               const char        *needle)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = edit_run (kind, in, add, NULL, &error);

  g_assert_null (out);
  g_assert_error (error, PT_ERROR, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("message “%s” does not mention “%s”", error->message, needle);
}

/* ---- GRUB ------------------------------------------------------------------ */

/* Found by tests/bench/fuzz-all.sh (their inputs are in tests/fuzz/corpus):
 * what would not reach the kernel is refused rather than added at every
 * apply, and a word written in two quoted parts can be taken off. */
static void
test_grub_hidden_and_split (void)
{
  static const char *const ids[] = { "vfio-pci.ids=10de:1b80", NULL };
  static const char *const pt[] = { "iommu=pt", NULL };
  static const char *const intel[] = { "intel_iommu=on", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *back = NULL;

  /* an unmatched quote in GRUB_CMDLINE_LINUX swallows what follows it */
  check_refused (EDIT_GRUB_DEFAULT, "GRUB_CMDLINE_LINUX='\"'\n", pt, PT_ERROR_PARSE, "unmatched quote");
  /* GRUB_CMDLINE_LINUX_DEFAULT comes later on the line: its IDs would win */
  out = pt_edit_grub_default ("GRUB_CMDLINE_LINUX_DEFAULT=\"vfio-pci.ids=8086:1234\"\n",
                              "GRUB_CMDLINE_LINUX", ids, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, PT_ERROR, PT_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "GRUB_CMDLINE_LINUX_DEFAULT"));
  g_clear_error (&error);
  /* a split word is seen as present and can be removed */
  out = pt_edit_grub_default ("GRUB_CMDLINE_LINUX_DEFAULT=\"intel_\"\"iommu=on quiet\"\n", NULL, intel, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "GRUB_CMDLINE_LINUX_DEFAULT=\"intel_\"\"iommu=on quiet\"\n");
  back = pt_edit_grub_default (out, NULL, NULL, intel, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
}

static void
test_grub_commented_and_last_wins (void)
{
  const char *in =
    "#GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
    "  # GRUB_CMDLINE_LINUX_DEFAULT=\"nope\"\n"
    "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n"
    "GRUB_CMDLINE_LINUX=\"\"\n";
  g_autofree char *value = pt_read_grub_default (in, NULL);

  g_assert_cmpstr (value, ==, "quiet splash");
  check_round_trip (EDIT_GRUB_DEFAULT, in, ids_pt,
    "#GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
    "  # GRUB_CMDLINE_LINUX_DEFAULT=\"nope\"\n"
    "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash iommu=pt vfio-pci.ids=10de:1b80,10de:10f0'\n"
    "GRUB_CMDLINE_LINUX=\"\"\n");
}

static void
test_grub_self_reference (void)
{
  const char *in =
    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT splash\"\n"
    "export GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} loglevel=3\"\n";
  const char *const add[] = { "iommu=pt", "intel_iommu=on", NULL };
  g_autofree char *value = pt_read_grub_default (in, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *removed = NULL;

  g_assert_cmpstr (value, ==, "quiet iommu=pt splash loglevel=3");
  /* iommu=pt is there through the self-reference: only intel_iommu=on goes in */
  out = pt_edit_grub_default (in, NULL, add, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==,
    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT splash\"\n"
    "export GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} loglevel=3 intel_iommu=on\"\n");
  /* removal reaches every assignment */
  removed = pt_edit_grub_default (out, NULL, NULL, add, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (removed, ==,
    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT splash\"\n"
    "export GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} loglevel=3\"\n");
}

static void
test_grub_unquoted_and_crlf (void)
{
  /* an unquoted value gets a double-quoted part, so the shell reads one word */
  check_round_trip (EDIT_GRUB_DEFAULT, "GRUB_CMDLINE_LINUX_DEFAULT=quiet\r\nGRUB_TIMEOUT=5\r\n", ids_pt,
                    "GRUB_CMDLINE_LINUX_DEFAULT=quiet\" iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\"\r\n"
                    "GRUB_TIMEOUT=5\r\n");
  /* no assignment, CRLF, no final line ending */
  check_round_trip (EDIT_GRUB_DEFAULT, "GRUB_TIMEOUT=5\r\nGRUB_DEFAULT=0", ids_pt,
                    "GRUB_TIMEOUT=5\r\nGRUB_DEFAULT=0\r\n"
                    "GRUB_CMDLINE_LINUX_DEFAULT=\"iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\"  # added by Passthrough");
  /* trailing blanks inside the quotes and a comment after stay */
  check_round_trip (EDIT_GRUB_DEFAULT, "GRUB_CMDLINE_LINUX_DEFAULT=\"\tquiet  \" # mine\n\n\n", ids_pt,
                    "GRUB_CMDLINE_LINUX_DEFAULT=\"\tquiet iommu=pt vfio-pci.ids=10de:1b80,10de:10f0  \" # mine\n\n\n");
  /* empty file */
  check_round_trip (EDIT_GRUB_DEFAULT, "", ids_pt,
                    "GRUB_CMDLINE_LINUX_DEFAULT=\"iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\"  # added by Passthrough\n");
}

static void
test_grub_equivalent_tokens (void)
{
  const char *in = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio_pci.ids=10de:1b80,10de:10f0 rd.driver.pre=vfio_pci\"\n";
  const char *const add[] = { "vfio-pci.ids=10de:1b80,10de:10f0", "rd.driver.pre=vfio-pci", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = pt_edit_grub_default (in, NULL, add, NULL, &error);
  g_autofree char *removed = NULL;
  const char *const wildcard[] = { "vfio-pci.ids=*", NULL };
  g_autofree char *replaced = NULL;
  const char *const new_ids[] = { "vfio-pci.ids=1002:73ff", NULL };

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, in);
  removed = pt_edit_grub_default (in, NULL, NULL, add, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (removed, ==, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
  /* one call replaces any ids by new ones */
  replaced = pt_edit_grub_default (in, NULL, new_ids, wildcard, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (replaced, ==, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet rd.driver.pre=vfio_pci vfio-pci.ids=1002:73ff\"\n");
}

static void
test_grub_refuses_unsafe (void)
{
  const char *ok = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";
  const char *const dollar[] = { "foo=$(reboot)", NULL };
  const char *const backtick[] = { "foo=`id`", NULL };
  const char *const backslash[] = { "foo=a\\b", NULL };
  const char *const quote[] = { "foo=\"a b\"", NULL };
  const char *const space[] = { "a b", NULL };
  const char *const newline[] = { "a\nGRUB_X=1", NULL };
  const char *const single[] = { "it's", NULL };
  const char *const empty[] = { "", NULL };

  check_refused (EDIT_GRUB_DEFAULT, ok, dollar, PT_ERROR_INVALID_ARGS, "$");
  check_refused (EDIT_GRUB_DEFAULT, ok, backtick, PT_ERROR_INVALID_ARGS, "`");
  check_refused (EDIT_GRUB_DEFAULT, ok, backslash, PT_ERROR_INVALID_ARGS, "\\");
  check_refused (EDIT_GRUB_DEFAULT, ok, quote, PT_ERROR_INVALID_ARGS, NULL);
  check_refused (EDIT_GRUB_DEFAULT, ok, space, PT_ERROR_INVALID_ARGS, NULL);
  check_refused (EDIT_GRUB_DEFAULT, ok, newline, PT_ERROR_INVALID_ARGS, NULL);
  check_refused (EDIT_GRUB_DEFAULT, ok, single, PT_ERROR_INVALID_ARGS, NULL);
  check_refused (EDIT_GRUB_DEFAULT, ok, empty, PT_ERROR_INVALID_ARGS, NULL);
  /* every editor applies the same grammar */
  for (EditKind k = 0; k < EDIT_N_KINDS; k++)
    check_refused (k, "", edit_kind_takes_modules (k) ? (const char *const[]) { "vfio;reboot", NULL } : dollar,
                   PT_ERROR_INVALID_ARGS, NULL);

  /* files we cannot read safely: the line is named */
  check_refused (EDIT_GRUB_DEFAULT, "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\n", ids_pt, PT_ERROR_PARSE, "Line 2");
  check_refused (EDIT_GRUB_DEFAULT, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet $(cat /x)\"\n", ids_pt, PT_ERROR_PARSE, "Line 1");
  check_refused (EDIT_GRUB_DEFAULT, "GRUB_CMDLINE_LINUX_DEFAULT=`cat /x`\n", ids_pt, PT_ERROR_PARSE, "Line 1");
  check_refused (EDIT_GRUB_DEFAULT, "\nGRUB_CMDLINE_LINUX_DEFAULT=\"a\\\"b\"\n", ids_pt, PT_ERROR_PARSE, "Line 2");
  check_refused (EDIT_GRUB_DEFAULT, "GRUB_CMDLINE_LINUX_DEFAULT=quiet update-grub\n", ids_pt, PT_ERROR_PARSE, "Line 1");
  /* a bad variable name is the caller's mistake */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *out = pt_edit_grub_default (ok, "X;rm", ids_pt, NULL, &error);
    g_assert_null (out);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS);
  }
}

static void
test_grub_other_variables_untouched (void)
{
  /* GRUB_DISTRIBUTOR runs a command: not ours, not refused */
  const char *in = "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
                   "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
                   "GRUB_CMDLINE_LINUX_DEFAULT_EXTRA=\"x\"\n";
  check_round_trip (EDIT_GRUB_DEFAULT, in, ids_pt,
                    "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
                    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\"\n"
                    "GRUB_CMDLINE_LINUX_DEFAULT_EXTRA=\"x\"\n");
}

static void
test_default_limine (void)
{
  const char *in = "TARGET_OS_NAME=\"Arch\"\nKERNEL_CMDLINE[default]=\"root=UUID=x rw\"\nKERNEL_CMDLINE[default]+=\" quiet\"\n";
  g_autofree char *value = pt_read_default_limine (in);

  g_assert_cmpstr (value, ==, "root=UUID=x rw quiet");
  check_round_trip (EDIT_DEFAULT_LIMINE, in, ids_pt,
                    "TARGET_OS_NAME=\"Arch\"\nKERNEL_CMDLINE[default]=\"root=UUID=x rw\"\n"
                    "KERNEL_CMDLINE[default]+=\" quiet iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\"\n");
  /* += with nothing but a separator so far: the space comes from the earlier value */
  check_round_trip (EDIT_DEFAULT_LIMINE, "KERNEL_CMDLINE[default]=\"rw\"\nKERNEL_CMDLINE[default]+=\"\"\n", ids_pt,
                    "KERNEL_CMDLINE[default]=\"rw\"\nKERNEL_CMDLINE[default]+=\" iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\"\n");
}

/* ---- entries, grubenv, plain command lines ------------------------------------ */

static void
test_entry_variants (void)
{
  /* several options lines: BLS joins them; ours go on the last */
  const char *in = "title Fedora\r\noptions root=UUID=a ro\r\noptions\trhgb quiet\r\n";
  g_autofree char *joined = pt_read_entry_options (in);

  g_assert_cmpstr (joined, ==, "root=UUID=a ro rhgb quiet");
  check_round_trip (EDIT_ENTRY, in, ids_pt,
                    "title Fedora\r\noptions root=UUID=a ro\r\noptions\trhgb quiet iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\r\n");
  /* no options line */
  check_round_trip (EDIT_ENTRY, "title X\nlinux /vmlinuz", ids_pt,
                    "title X\nlinux /vmlinuz\noptions iommu=pt vfio-pci.ids=10de:1b80,10de:10f0");
  /* "optionsfoo" is not an options line; "options" alone is */
  {
    /* an options line that removal empties goes away (it is the one an add
     * appended); a bare "options" line therefore does not come back */
    g_autoptr(GError) error = NULL;
    g_autofree char *out = pt_edit_entry_options ("optionsfoo bar\noptions\n", ids_pt, NULL, &error);
    g_autofree char *back = NULL;
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "optionsfoo bar\noptions iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\n");
    back = pt_edit_entry_options (out, NULL, ids_pt, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (back, ==, "optionsfoo bar\n");
  }
  /* kernel-level double quotes in a value are kept */
  check_round_trip (EDIT_ENTRY, "options root=/dev/x acpi_osi=\"!Windows 2012\"\n", ids_pt,
                    "options root=/dev/x acpi_osi=\"!Windows 2012\" iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\n");
  check_refused (EDIT_ENTRY, "title A\noptions root=/dev/x acpi_osi=\"!Windows\n", ids_pt, PT_ERROR_PARSE, "Line 2");
}

static void
test_entry_kernelopts (void)
{
  const char *in = "title Fedora\nlinux /vmlinuz\noptions $kernelopts $tuned_params\n";
  g_assert_true (pt_entry_uses_kernelopts (in));
  g_assert_false (pt_entry_uses_kernelopts ("options root=/dev/x kernelopts\n"));
  g_assert_false (pt_entry_uses_kernelopts ("title no options\n"));
  check_refused (EDIT_ENTRY, in, ids_pt, PT_ERROR_PARSE, "grubenv");
}

static void
test_grubenv (void)
{
  GString *env = g_string_new ("# GRUB Environment Block\nsaved_entry=0\nkernelopts=root=/dev/sda1 ro rhgb quiet \n");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *back = NULL;
  char *big;

  while (env->len < 1024)
    g_string_append_c (env, '#');
  out = pt_edit_grubenv_kernelopts (env->str, ids_pt, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (out), ==, 1024);
  g_assert_true (g_str_has_prefix (out, "# GRUB Environment Block\nsaved_entry=0\n"
                                        "kernelopts=root=/dev/sda1 ro rhgb quiet iommu=pt vfio-pci.ids=10de:1b80,10de:10f0 \n###"));
  back = pt_edit_grubenv_kernelopts (out, NULL, ids_pt, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, env->str);
  g_string_free (env, TRUE);

  /* not a grubenv, or one that would overflow */
  check_refused (EDIT_GRUBENV, "kernelopts=x\n", ids_pt, PT_ERROR_PARSE, NULL);
  big = g_strnfill (2000, 'a');
  {
    g_autofree char *text = g_strdup_printf ("# GRUB Environment Block\nkernelopts=%.*s\n", 990, big);
    g_autoptr(GString) padded = g_string_new (text);
    while (padded->len < 1024)
      g_string_append_c (padded, '#');
    check_refused (EDIT_GRUBENV, padded->str, ids_pt, PT_ERROR_FAILED, "1024");
  }
  g_free (big);
}

static void
test_cmdline_and_kernel_cmdline_file (void)
{
  check_round_trip (EDIT_CMDLINE, "BOOT_IMAGE=/vmlinuz root=/dev/x ro quiet", ids_pt,
                    "BOOT_IMAGE=/vmlinuz root=/dev/x ro quiet iommu=pt vfio-pci.ids=10de:1b80,10de:10f0");
  check_round_trip (EDIT_CMDLINE, "", ids_pt, "iommu=pt vfio-pci.ids=10de:1b80,10de:10f0");
  check_round_trip (EDIT_KERNEL_CMDLINE, "root=ZFS=rpool/ROOT/pve-1 boot=zfs", ids_pt,
                    "root=ZFS=rpool/ROOT/pve-1 boot=zfs iommu=pt vfio-pci.ids=10de:1b80,10de:10f0");
  check_round_trip (EDIT_KERNEL_CMDLINE, "", ids_pt, "iommu=pt vfio-pci.ids=10de:1b80,10de:10f0");
  check_round_trip (EDIT_KERNEL_CMDLINE, "root=/dev/x\r\n", ids_pt,
                    "root=/dev/x iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\r\n");
  check_refused (EDIT_CMDLINE, "root=/dev/x foo=\"bar", ids_pt, PT_ERROR_PARSE, NULL);
}

static void
test_limine_and_refind (void)
{
  /* legacy limine.cfg syntax */
  check_round_trip (EDIT_LIMINE_CONF, "TIMEOUT=5\n:Arch\n    PROTOCOL=linux\n    CMDLINE=root=/dev/x rw\n", ids_pt,
                    "TIMEOUT=5\n:Arch\n    PROTOCOL=linux\n    CMDLINE=root=/dev/x rw iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\n");
  /* a commented cmdline is not one */
  check_refused (EDIT_LIMINE_CONF, "/Win\n    protocol: efi\n    # cmdline: x\n", ids_pt, PT_ERROR_PARSE, NULL);
  check_round_trip (EDIT_REFIND, "# comment \"x\" \"y\"\n\"Boot\"\t\"ro quiet\"  # trailing\n", ids_pt,
                    "# comment \"x\" \"y\"\n\"Boot\"\t\"ro quiet iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\"  # trailing\n");
  check_refused (EDIT_REFIND, "\"Boot\" \"ro quiet\n", ids_pt, PT_ERROR_PARSE, "Line 1");
}

/* ---- initramfs ---------------------------------------------------------------- */

/* The modules mkinitcpio would load from TEXT, as pt_read_mkinitcpio_modules reads them. */
static void
check_mkinitcpio_reads (const char *text, const char *const *expected)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) mods = pt_read_mkinitcpio_modules (text, &error);

  g_assert_no_error (error);
  g_assert_cmpstrv (mods, expected);
}

static void
test_mkinitcpio_arrays (void)
{
  /* multi-line array with comments inside, GPU driver listed */
  check_round_trip (EDIT_MKINITCPIO,
                    "MODULES=(\n  ext4 # root (on nvme)\n  # the GPU:\n  amdgpu\n)\nHOOKS=(base udev)\n", vfio_mods,
                    "MODULES=(\n  ext4 # root (on nvme)\n  # the GPU:\n  vfio_pci vfio vfio_iommu_type1 amdgpu\n)\nHOOKS=(base udev)\n");
  check_round_trip (EDIT_MKINITCPIO, "MODULES=(nvidia_drm 'ext4')\n", vfio_mods,
                    "MODULES=(vfio_pci vfio vfio_iommu_type1 nvidia_drm 'ext4')\n");
  check_round_trip (EDIT_MKINITCPIO, "MODULES=(ext4)\r\n", vfio_mods,
                    "MODULES=(ext4 vfio_pci vfio vfio_iommu_type1)\r\n");
  /* an empty array whose comment starts right at '(': bash reads '#' as a
   * comment only at a word's start, so our words are set apart from it
   * (the fuzzer found "pci_stub# in this array" read as more elements) */
  check_round_trip (EDIT_MKINITCPIO, "MODULES=(# none yet\n)\n", vfio_mods,
                    "MODULES=(vfio_pci vfio vfio_iommu_type1 # none yet\n)\n");
  check_mkinitcpio_reads ("MODULES=(vfio_pci vfio vfio_iommu_type1 # none yet\n)\n",
                          (const char *const[]) { "vfio_pci", "vfio", "vfio_iommu_type1", NULL });
  /* the last assignment wins; the dead one is left alone */
  check_round_trip (EDIT_MKINITCPIO, "MODULES=(i915)\nMODULES=(ext4)\n", vfio_mods,
                    "MODULES=(i915)\nMODULES=(ext4 vfio_pci vfio vfio_iommu_type1)\n");
  /* MODULES+= counts */
  check_mkinitcpio_reads ("MODULES=(a \"b\")\n#MODULES=(x)\nMODULES+=(vfio-pci)\n",
                          (const char *const[]) { "a", "b", "vfio-pci", NULL });
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    out = pt_edit_mkinitcpio_modules ("MODULES=(a)\nMODULES+=(vfio-pci)\n", (const char *const[]) { "vfio_pci", NULL }, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "MODULES=(a)\nMODULES+=(vfio-pci)\n");
  }
  /* hand-written modules are only removed when named */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *out = pt_edit_mkinitcpio_modules ("MODULES=(vfio-pci vfio amdgpu)\n", NULL,
                                                       (const char *const[]) { "vfio_pci", NULL }, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "MODULES=(vfio amdgpu)\n");
  }
  check_refused (EDIT_MKINITCPIO, "MODULES=(ext4\n", vfio_mods, PT_ERROR_PARSE, "Line 1");
  check_refused (EDIT_MKINITCPIO, "MODULES=($(ls))\n", vfio_mods, PT_ERROR_PARSE, "Line 1");
}

static void
test_mkinitcpio_strings (void)
{
  check_round_trip (EDIT_MKINITCPIO, "MODULES=\"\"\n", vfio_mods, "MODULES=\"vfio_pci vfio vfio_iommu_type1\"\n");
  check_round_trip (EDIT_MKINITCPIO, "MODULES='ext4 radeon'\n", vfio_mods,
                    "MODULES='ext4 vfio_pci vfio vfio_iommu_type1 radeon'\n");
  check_round_trip (EDIT_MKINITCPIO, "HOOKS=(base)", vfio_mods,
                    "HOOKS=(base)\nMODULES=(vfio_pci vfio vfio_iommu_type1)  # added by Passthrough");
  /* The shell splits a module list at space, tab and newline only: a form
   * feed or vertical tab belongs to the word it touches, so ours are set
   * apart by a space (the fuzzer found "MODULES=\f" taking a second add). */
  check_round_trip (EDIT_MKINITCPIO, "MODULES=\f\n", vfio_mods,
                    "MODULES=\f\" vfio_pci vfio vfio_iommu_type1\"\n");
  check_round_trip (EDIT_MKINITCPIO, "MODULES=\"\vvfio-pci\"\n", vfio_mods,
                    "MODULES=\"\vvfio-pci vfio_pci vfio vfio_iommu_type1\"\n");
  check_mkinitcpio_reads ("MODULES=\"a\fb c\"\n", (const char *const[]) { "a\fb", "c", NULL });
}

static void
test_module_lines_and_booster (void)
{
  check_round_trip (EDIT_MODULE_LINES, "# /etc/modules\nloop\n\n\n", vfio_mods,
                    "# /etc/modules\nloop\nvfio_pci\nvfio\nvfio_iommu_type1\n\n\n");
  check_round_trip (EDIT_MODULE_LINES, "loop\r\nlp", vfio_mods, "loop\r\nlp\r\nvfio_pci\r\nvfio\r\nvfio_iommu_type1");
  /* a CRLF file that ends in a lone CR: the line before ours still loads
   * "vfio", so the add and a removal agree on it (found by the fuzzer) */
  check_round_trip (EDIT_MODULE_LINES, "pe\r\nvfio\r", (const char *const[]) { "vfio_pci", NULL },
                    "pe\r\nvfio\r\r\nvfio_pci");
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *out = pt_edit_module_lines ("pe\r\nvfio\r\r\nvfio_pci", NULL, vfio_mods, &error);
    g_autofree char *again = NULL;
    g_assert_no_error (error);
    g_assert_null (strstr (out, "vfio"));
    again = pt_edit_module_lines (out, NULL, vfio_mods, &error);
    g_assert_cmpstr (again, ==, out);
  }
  /* "vfio-pci ids=…" counts as vfio_pci */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *out = pt_edit_module_lines ("vfio-pci ids=10de:1b80\n",
                                                 (const char *const[]) { "vfio_pci", "vfio", NULL }, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "vfio-pci ids=10de:1b80\nvfio\n");
  }
  check_round_trip (EDIT_BOOSTER, "compression: zstd\nmodules_force_load: nvidia, nvidia_drm # gpu\n", vfio_mods,
                    "compression: zstd\nmodules_force_load: nvidia, nvidia_drm,vfio_pci,vfio,vfio_iommu_type1 # gpu\n");
  check_round_trip (EDIT_BOOSTER, "modules_force_load:\n", vfio_mods, "modules_force_load: vfio_pci,vfio,vfio_iommu_type1\n");
  /* a stray comma and no module: ours follow a comma, so that removing
   * them gives the line back (found by the fuzzer) */
  check_round_trip (EDIT_BOOSTER, "modules_force_load: ,\n", vfio_mods,
                    "modules_force_load: ,,vfio_pci,vfio,vfio_iommu_type1\n");
  /* a comment that only ends with our marker's words is the person's: the
   * line stays when ours leave it (found by the fuzzer) */
  check_round_trip (EDIT_BOOSTER, "modules_force_load:  # old # added by Passthrough\n", vfio_mods,
                    "modules_force_load: vfio_pci,vfio,vfio_iommu_type1  # old # added by Passthrough\n");
}

/* ---- renderers ------------------------------------------------------------------ */

static void
test_render_modprobe (void)
{
  const char *const drivers[] = { "amdgpu", "snd_hda_intel", "amdgpu", "vfio-pci", NULL };
  const char *const ids[] = { "1002:73FF", "1002:ab28", NULL };
  PtModprobeConf conf = { .softdep_drivers = drivers };
  g_autofree char *plain = pt_render_modprobe_conf (&conf);
  g_autofree char *full = NULL;
  g_autofree char *bad = NULL;

  g_assert_nonnull (plain);
  g_assert_true (strstr (plain, "Passthrough") != NULL);
  g_assert_true (strstr (plain, "passthroughctl revert") != NULL);
  g_assert_true (strstr (plain, "softdep amdgpu pre: vfio-pci\nsoftdep snd_hda_intel pre: vfio-pci\n") != NULL);
  g_assert_true (strstr (plain, "softdep vfio-pci") == NULL);
  g_assert_true (strstr (plain, "amdgpu pre: vfio-pci\nsoftdep amdgpu") == NULL);
  g_assert_true (strstr (plain, "options") == NULL);
  g_assert_true (strstr (plain, "install") == NULL);

  conf.vfio_ids = ids;
  conf.disable_vga = TRUE;
  conf.unsafe_interrupts = TRUE;
  full = pt_render_modprobe_conf (&conf);
  g_assert_true (strstr (full, "\noptions vfio-pci ids=1002:73ff,1002:ab28\n") != NULL);
  g_assert_true (strstr (full, "\noptions vfio-pci disable_vga=1\n") != NULL);
  g_assert_true (strstr (full, "\noptions vfio_iommu_type1 allow_unsafe_interrupts=1\n") != NULL);

  conf.vfio_ids = (const char *const[]) { "1002:73ff,1002:ab28", NULL };
  bad = pt_render_modprobe_conf (&conf);
  g_assert_null (bad);
  conf.vfio_ids = NULL;
  conf.softdep_drivers = (const char *const[]) { "amdgpu\ninstall vfio-pci /bin/sh", NULL };
  g_assert_null (pt_render_modprobe_conf (&conf));
  conf.softdep_drivers = (const char *const[]) { "AMDGPU", NULL };
  g_assert_null (pt_render_modprobe_conf (&conf));
  g_assert_null (pt_render_modprobe_conf (NULL));
}

static void
test_render_dropins (void)
{
  g_autofree char *dracut = pt_render_dracut_conf (vfio_mods);
  g_autofree char *mkinit = pt_render_mkinitcpio_dropin (vfio_mods);

  g_assert_true (g_str_has_prefix (dracut, "# Written by Passthrough"));
  g_assert_true (g_str_has_suffix (dracut, "\nforce_drivers+=\" vfio_pci vfio vfio_iommu_type1 \"\n"));
  g_assert_true (g_str_has_suffix (mkinit, "\nMODULES+=(vfio_pci vfio vfio_iommu_type1)\n"));
  g_assert_null (pt_render_dracut_conf ((const char *const[]) { "vfio\" ; reboot ; \"", NULL }));
  g_assert_null (pt_render_mkinitcpio_dropin ((const char *const[]) { "vfio)", NULL }));
  g_assert_null (pt_render_mkinitcpio_dropin ((const char *const[]) { "", NULL }));
}

/* ---- scans ---------------------------------------------------------------------- */

static void
test_scan_modprobe (void)
{
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto(GStrv) found = pt_scan_modprobe_vfio ("# options vfio-pci ids=1:2\n"
                                               "softdep amdgpu pre: vfio-pci\n"
                                               "options vfio-pci ids=1002:73ff,1002:ab28\n"
                                               "options snd-hda-intel model=auto\n"
                                               "\toptions vfio_pci disable_vga=1\r\n"
                                               "options vfio_iommu_type1 allow_unsafe_interrupts=1\n", lines);

  g_assert_cmpuint (g_strv_length (found), ==, 2);
  g_assert_cmpstr (found[0], ==, "options vfio-pci ids=1002:73ff,1002:ab28");
  g_assert_cmpstr (found[1], ==, "\toptions vfio_pci disable_vga=1");
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_cmpuint (g_array_index (lines, guint, 0), ==, 3);
  g_assert_cmpuint (g_array_index (lines, guint, 1), ==, 5);
}

static void
test_scan_typos (void)
{
  g_auto(GStrv) seed004 = pt_scan_cmdline_typos ("quiet amd_iommu=on ipcie_acs_override=downstream,multifunction video=efifb:off");
  g_auto(GStrv) more = pt_scan_cmdline_typos ("vifo-pci.ids=10de:1b80 intel_iomu=on vfio_pci.id=1:2 iommu=pt "
                                              "root=UUID=x ro quiet splash nomodeset pcie_aspm=off "
                                              "vfio-pci.ids=1:2 rd.driver.pre=vfio-pci amd_iommu=on");

  g_assert_cmpuint (g_strv_length (seed004), ==, 1);
  g_assert_cmpstr (seed004[0], ==, "ipcie_acs_override=downstream,multifunction");
  g_assert_cmpuint (g_strv_length (more), ==, 3);
  g_assert_cmpstr (more[0], ==, "vifo-pci.ids=10de:1b80");
  g_assert_cmpstr (more[1], ==, "intel_iomu=on");
  g_assert_cmpstr (more[2], ==, "vfio_pci.id=1:2");
}

/* mkinitcpio presets: PRESETS=(…) arrays, += appends, quotes off, the
 * commented line not read (src/core/engine/bootpaths/mkinitcpio-uki.c). */
static void
test_shell_array (void)
{
  const char *preset = "#PRESETS=('default')\nPRESETS=('default' \"fallback\")\nPRESETS+=(uki)\n"
                       "fallback_options=\"-S autodetect --cmdline /etc/kernel/fallback\"\n";
  g_autofree char *presets = pt_read_shell_array (preset, "PRESETS");
  g_autofree char *options = pt_read_shell_array (preset, "fallback_options");
  g_autofree char *none = pt_read_shell_array (preset, "default_uki");
  g_autofree char *bad = pt_read_shell_array (preset, "no-such name");

  g_assert_cmpstr (g_strstrip (presets), ==, "default fallback uki");
  g_assert_cmpstr (g_strstrip (options), ==, "-S autodetect --cmdline /etc/kernel/fallback");
  g_assert_null (none);
  g_assert_null (bad);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edit/grub/commented-and-last-wins", test_grub_commented_and_last_wins);
  g_test_add_func ("/edit/grub/hidden-and-split", test_grub_hidden_and_split);
  g_test_add_func ("/edit/grub/self-reference", test_grub_self_reference);
  g_test_add_func ("/edit/grub/unquoted-and-crlf", test_grub_unquoted_and_crlf);
  g_test_add_func ("/edit/grub/equivalent-tokens", test_grub_equivalent_tokens);
  g_test_add_func ("/edit/grub/refuses-unsafe", test_grub_refuses_unsafe);
  g_test_add_func ("/edit/grub/other-variables-untouched", test_grub_other_variables_untouched);
  g_test_add_func ("/edit/default-limine", test_default_limine);
  g_test_add_func ("/edit/entry/variants", test_entry_variants);
  g_test_add_func ("/edit/entry/kernelopts", test_entry_kernelopts);
  g_test_add_func ("/edit/grubenv", test_grubenv);
  g_test_add_func ("/edit/cmdline-and-kernel-cmdline-file", test_cmdline_and_kernel_cmdline_file);
  g_test_add_func ("/edit/limine-and-refind", test_limine_and_refind);
  g_test_add_func ("/edit/mkinitcpio/arrays", test_mkinitcpio_arrays);
  g_test_add_func ("/edit/mkinitcpio/strings", test_mkinitcpio_strings);
  g_test_add_func ("/edit/shell-array", test_shell_array);
  g_test_add_func ("/edit/module-lines-and-booster", test_module_lines_and_booster);
  g_test_add_func ("/edit/render/modprobe", test_render_modprobe);
  g_test_add_func ("/edit/render/dropins", test_render_dropins);
  g_test_add_func ("/edit/scan/modprobe", test_scan_modprobe);
  g_test_add_func ("/edit/scan/typos", test_scan_typos);
  return g_test_run ();
}
