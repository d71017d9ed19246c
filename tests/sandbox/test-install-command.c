/* The package command the missing-helper page shows, for the host's
 * os-release: by ID, by ID_LIKE for a derivative, none for an unknown one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <unistd.h>

#include "pt-app-helper.h"

static char *
command_for (const char *os_release)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("pt-os-release-XXXXXX", &path, NULL);
  char *command;

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path, os_release, -1, NULL));
  command = pt_app_helper_dup_install_command (path);
  g_unlink (path);
  return command;
}

static void
test_install_command (void)
{
  static const struct { const char *os_release; const char *command; } cases[] = {
    { "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n", "sudo apt install passthrough-helper" },
    { "NAME=\"Linux Mint\"\nID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "sudo apt install passthrough-helper" },
    { "ID=fedora\nVERSION_ID=39\n", "sudo dnf install passthrough-helper" },
    { "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n", "sudo dnf install passthrough-helper" },
    { "ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n", "sudo zypper install passthrough-helper" },
    { "ID=endeavouros\nID_LIKE=arch\n", "sudo pacman -S passthrough-helper" },
    /* A whole word or a "family-variant" prefix only: "debianish" is not Debian. */
    { "ID=debianish\n", NULL },
    { "ID=nixos\n", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *command = command_for (cases[i].os_release);
      g_assert_cmpstr (command, ==, cases[i].command);
    }
  /* No such file: no command, no crash. */
  g_assert_null (pt_app_helper_dup_install_command ("/nonexistent/os-release"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app-helper/install-command", test_install_command);
  return g_test_run ();
}
