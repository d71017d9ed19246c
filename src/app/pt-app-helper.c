/* pt-app-helper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-helper.h"
#include "pt-error.h"

gboolean
pt_app_helper_error_is_missing (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_FAILED);
}

/* @error comes from pt_helper_client_*(): the helper's own errors are in
 * PT_ERROR, the bus's and polkit's in G_DBUS_ERROR, an error name nobody
 * registered is G_IO_ERROR_DBUS_ERROR; anything else never reached the
 * helper (no system bus). */
char *
pt_app_helper_error_sentence (const GError *error,
                              gboolean      revert)
{
  const char *nothing = revert ? _("Nothing was undone.") : _("Nothing was changed.");
  const char *message = error->message;
  gboolean answered = error->domain == PT_ERROR || error->domain == G_DBUS_ERROR ||
                      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR);

  if (pt_app_helper_error_is_missing (error))
    return g_strdup_printf (_("The Passthrough helper is not installed on this machine, so the app cannot change it. %s "
                              "Install the whole passthrough package (the helper and its D-Bus and polkit files), "
                              "or run “passthroughctl apply” as root."), nothing);
  if (!answered)
    return g_strdup_printf (_("The helper could not be reached: %s %s"), message, nothing);
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
    return g_strdup_printf (_("The password was refused or the authentication was cancelled. %s"), nothing);
  if (g_error_matches (error, PT_ERROR, PT_ERROR_BUSY))
    return g_strdup_printf (_("Another change is running right now. %s Wait until it ends, then try again."), nothing);
  if (g_error_matches (error, PT_ERROR, PT_ERROR_PLAN_CHANGED))
    return g_strdup_printf (_("The machine changed since you reviewed the plan. %s Review the changes again."), nothing);
  if (g_error_matches (error, PT_ERROR, PT_ERROR_REGENERATION_FAILED))
    return g_strdup_printf (_("Rebuilding the boot files failed, so Passthrough put every file back as it was and rebuilt them again: "
                              "your machine boots as before. What failed: %s"), message);
  if (g_error_matches (error, PT_ERROR, PT_ERROR_BLOCKED))
    return g_strdup_printf (_("The helper refused: %s %s"), message, nothing);
  if (g_error_matches (error, PT_ERROR, PT_ERROR_UNKNOWN_DEVICE))
    return g_strdup_printf (_("A chosen device is no longer on this machine: %s %s"), message, nothing);
  return g_strdup_printf (revert ? _("Undoing failed: %s") : _("Applying failed: %s"), message);
}

/* One package manager per family; ID_LIKE finds the family of a
 * derivative (Linux Mint: "ubuntu debian", AlmaLinux: "rhel centos fedora"). */
static const struct
{
  const char *id;
  const char *command;
} install_commands[] = {
  { "debian",   "sudo apt install passthrough-helper" },
  { "ubuntu",   "sudo apt install passthrough-helper" },
  { "fedora",   "sudo dnf install passthrough-helper" },
  { "rhel",     "sudo dnf install passthrough-helper" },
  { "centos",   "sudo dnf install passthrough-helper" },
  { "opensuse", "sudo zypper install passthrough-helper" },
  { "suse",     "sudo zypper install passthrough-helper" },
  { "arch",     "sudo pacman -S passthrough-helper" },
};

static char *
os_release_value (const char *contents,
                  const char *key)
{
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  gsize key_len = strlen (key);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], key) && lines[i][key_len] == '=')
      {
        g_autofree char *raw = g_strstrip (g_strdup (lines[i] + key_len + 1));
        char *value = g_shell_unquote (raw, NULL);
        return value != NULL ? value : g_steal_pointer (&raw);
      }
  return NULL;
}

char *
pt_app_helper_dup_install_command (const char *os_release_path)
{
  /* Inside a Flatpak /etc/os-release is the runtime's; the host's is
   * mounted at /run/host/os-release. */
  const char *candidates[] = { "/run/host/os-release", "/etc/os-release", "/usr/lib/os-release" };
  g_autofree char *contents = NULL;
  g_autofree char *id = NULL;
  g_autofree char *id_like = NULL;
  g_auto(GStrv) ids = NULL;

  if (os_release_path != NULL)
    g_file_get_contents (os_release_path, &contents, NULL, NULL);
  for (guint i = 0; os_release_path == NULL && contents == NULL && i < G_N_ELEMENTS (candidates); i++)
    g_file_get_contents (candidates[i], &contents, NULL, NULL);
  if (contents == NULL)
    return NULL;
  id = os_release_value (contents, "ID");
  id_like = os_release_value (contents, "ID_LIKE");
  {
    g_autofree char *all = g_strdup_printf ("%s %s", id != NULL ? id : "", id_like != NULL ? id_like : "");
    ids = g_strsplit_set (all, " \t", -1);
  }
  for (guint i = 0; ids[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (install_commands); j++)
      if (*ids[i] != '\0' && (g_str_equal (ids[i], install_commands[j].id) ||
                              /* "opensuse-tumbleweed", "opensuse-leap" */
                              (g_str_has_prefix (ids[i], install_commands[j].id) && ids[i][strlen (install_commands[j].id)] == '-')))
        return g_strdup (install_commands[j].command);
  return NULL;
}
