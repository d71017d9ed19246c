/* pt-helper-reader.c: whether the caller of Preview could read a file
 * itself.  Preview needs no authorization, so its diffs must not carry
 * lines of root-only files (a 0600 grub.cfg with cryptomount and key
 * paths) to a caller who could not read them (docs/faults.md).  The
 * caller is the bus name's Unix user, from the bus daemon, with that
 * user's groups; each folder on the way needs search permission and the
 * file read permission, by the usual owner, group, others rule.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt-helper-reader.h"

struct _PtHelperReader
{
  PtPaths *paths;
  uid_t    uid;
  GArray  *groups;   /* gid_t */
  gboolean known;    /* FALSE: the bus did not say who: others' bits only */
};

PtHelperReader *
pt_helper_reader_new (PtPaths     *paths,
                      uid_t        uid,
                      const gid_t *groups,
                      int          n_groups)
{
  PtHelperReader *r = g_new0 (PtHelperReader, 1);

  r->paths = g_object_ref (paths);
  r->uid = uid;
  r->known = TRUE;
  r->groups = g_array_new (FALSE, FALSE, sizeof (gid_t));
  if (n_groups > 0)
    g_array_append_vals (r->groups, groups, n_groups);
  return r;
}

/* The user's primary and supplementary groups, from the user database. */
static void
add_user_groups (PtHelperReader *r)
{
  struct passwd pw, *found = NULL;
  char buf[4096];
  int n = 64;
  g_autofree gid_t *groups = NULL;

  if (getpwuid_r (r->uid, &pw, buf, sizeof buf, &found) != 0 || found == NULL)
    return;
  groups = g_new (gid_t, n);
  if (getgrouplist (pw.pw_name, pw.pw_gid, groups, &n) < 0)
    {
      groups = g_renew (gid_t, groups, n);
      if (getgrouplist (pw.pw_name, pw.pw_gid, groups, &n) < 0)
        n = 0;
    }
  g_array_append_vals (r->groups, groups, n);
}

PtHelperReader *
pt_helper_reader_new_for_sender (PtPaths         *paths,
                                 GDBusConnection *connection,
                                 const char      *sender)
{
  g_autoptr(GVariant) reply = NULL;
  PtHelperReader *r;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixUser",
                                       g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  r = pt_helper_reader_new (paths, 0, NULL, 0);
  if (reply == NULL)
    {
      r->known = FALSE;
      return r;
    }
  g_variant_get (reply, "(u)", &r->uid);
  add_user_groups (r);
  return r;
}

void
pt_helper_reader_free (PtHelperReader *reader)
{
  if (reader == NULL)
    return;
  g_object_unref (reader->paths);
  g_array_unref (reader->groups);
  g_free (reader);
}

/* Whether @r has @bits (4 read, 1 search) on a file with @st. */
static gboolean
permits (PtHelperReader    *r,
         const struct stat *st,
         guint              bits)
{
  if (r->known && st->st_uid == r->uid)
    return ((st->st_mode >> 6) & bits) == bits;
  for (guint i = 0; r->known && i < r->groups->len; i++)
    if (g_array_index (r->groups, gid_t, i) == st->st_gid)
      return ((st->st_mode >> 3) & bits) == bits;
  return (st->st_mode & bits) == bits;
}

/**
 * pt_helper_reader_can_read: (a #PtPlanCanRead)
 *
 * A file that is not there discloses nothing: TRUE.
 */
gboolean
pt_helper_reader_can_read (const char *system_path,
                           gpointer    reader)
{
  PtHelperReader *r = reader;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) sys = g_string_new (NULL);
  struct stat st;

  if (r->known && r->uid == 0)
    return TRUE;
  parts = g_strsplit (system_path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *host = NULL;
      gboolean last = parts[i + 1] == NULL;

      if (parts[i][0] == '\0' && !last)
        continue;
      if (!last)
        g_string_append_printf (sys, "/%s", parts[i]);
      host = pt_paths_build (r->paths, last ? system_path + 1 : sys->str + 1, NULL);
      if (stat (host, &st) < 0)
        return TRUE;
      if (!permits (r, &st, last ? 4 : 1))
        return FALSE;
    }
  return TRUE;
}
