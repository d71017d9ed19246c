/* pt-safe-file.c: the transaction's file operations below the root.
 *
 * Every folder from the root down is opened one name at a time with
 * O_NOFOLLOW, so a symbolic link anywhere on the way (the file itself, its
 * folder, var/lib/passthrough, backups/, txn/) is refused instead of
 * followed, whatever the allow-list says and however it was built.  A file
 * is replaced by a new one written beside it, synced and renamed over it.
 * The free-space check adds up what a transaction will write on each file
 * system before the first write (docs/faults.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* O_PATH */
#endif
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pt-error.h"
#include "pt-safe-file.h"

static void
set_link_error (GError    **error,
                int         dfd,
                const char *name,
                const char *system_path)
{
  char target[4096];
  ssize_t n = readlinkat (dfd, name, target, sizeof target - 1);

  target[n > 0 ? n : 0] = '\0';
  g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
               _("%s is a symbolic link (to %s). Passthrough never writes or reads its files through a link, wherever it leads: put the real file or folder in its place, then try again."),
               system_path, n > 0 ? target : "?");
}

/* The system path of the first @n_parts names of @parts. */
static char *
join_parts (char **parts,
            guint  n_parts)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n_parts; i++)
    if (parts[i][0] != '\0')
      g_string_append_printf (s, "/%s", parts[i]);
  if (s->len == 0)
    g_string_append_c (s, '/');
  return g_string_free (s, FALSE);
}

/**
 * pt_safe_open_dir:
 * @create_mode: mode of folders made on the way, or -1 to make none
 *
 * The folder @system_dir below the root, every name on the way opened
 * without following a link.  A missing folder (with @create_mode -1) is
 * %PT_ERROR_NOT_FOUND, a link %PT_ERROR_BLOCKED.
 */
int
pt_safe_open_dir (PtPaths     *paths,
                  const char  *system_dir,
                  int          create_mode,
                  GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (system_dir, "/", -1);
  int fd = open (pt_paths_get_root (paths), O_PATH | O_DIRECTORY | O_CLOEXEC);
  guint last = 0;

  if (fd < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND, _("Cannot open %s: %s."),
                   pt_paths_get_root (paths), g_strerror (errno));
      return -1;
    }
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0' && !g_str_equal (parts[i], "."))
      last = i;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *name = parts[i];
      /* Folders on the way need only search permission; the last one is
       * opened for reading (fsync, listing it). */
      int flags = (i == last ? O_RDONLY : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
      int next;

      if (name[0] == '\0' || g_str_equal (name, "."))
        continue;
      if (g_str_equal (name, ".."))
        {
          close (fd);
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("%s leaves its folder with “..”."), system_dir);
          return -1;
        }
      next = openat (fd, name, flags);
      if (next < 0 && errno == ENOENT && create_mode >= 0)
        {
          if (mkdirat (fd, name, create_mode) < 0 && errno != EEXIST)
            {
              int saved = errno;
              g_autofree char *shown = join_parts (parts, i + 1);
              close (fd);
              g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot create the directory %s: %s."),
                           shown, g_strerror (saved));
              return -1;
            }
          next = openat (fd, name, flags);
        }
      if (next < 0)
        {
          int saved = errno;
          g_autofree char *shown = join_parts (parts, i + 1);
          struct stat st;

          if (fstatat (fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
            set_link_error (error, fd, name, shown);
          else if (saved == ENOENT)
            g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND, _("%s does not exist."), shown);
          else
            g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot open the folder %s: %s."),
                         shown, g_strerror (saved));
          close (fd);
          return -1;
        }
      close (fd);
      fd = next;
    }
  if (last == 0 && (parts[0] == NULL || parts[0][0] == '\0'))
    {
      /* the root itself */
      int rfd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      close (fd);
      fd = rfd;
    }
  return fd;
}

/**
 * pt_safe_check_path:
 *
 * Whether @system_path can be written without following a link: no folder
 * on the way and not the file itself is one, and the file, when there, is
 * a regular file.  Folders not there yet are fine (they will be made).
 */
gboolean
pt_safe_check_path (PtPaths     *paths,
                    const char  *system_path,
                    GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (system_path);
  g_autofree char *base = g_path_get_basename (system_path);
  g_autoptr(GError) local_error = NULL;
  struct stat st;
  int dfd = pt_safe_open_dir (paths, dir, -1, &local_error);

  if (dfd < 0)
    {
      if (g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (fstatat (dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (S_ISLNK (st.st_mode))
        {
          set_link_error (error, dfd, base, system_path);
          close (dfd);
          return FALSE;
        }
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                       _("%s is not a regular file; Passthrough will not replace it."), system_path);
          close (dfd);
          return FALSE;
        }
    }
  close (dfd);
  return TRUE;
}

/* Every extended attribute (the SELinux label among them) of the file
 * being replaced; a file system without them (a FAT ESP) has none. */
static void
copy_xattrs (int from_fd,
             int to_fd)
{
  ssize_t len = flistxattr (from_fd, NULL, 0);
  g_autofree char *names = NULL;

  if (len <= 0)
    return;
  names = g_malloc (len);
  len = flistxattr (from_fd, names, len);
  for (ssize_t off = 0; len > 0 && off < len; off += strlen (names + off) + 1)
    {
      const char *name = names + off;
      ssize_t vlen = fgetxattr (from_fd, name, NULL, 0);
      g_autofree char *value = NULL;

      if (vlen < 0)
        continue;
      value = g_malloc (vlen + 1);
      vlen = fgetxattr (from_fd, name, value, vlen);
      if (vlen >= 0)
        (void) fsetxattr (to_fd, name, value, vlen, 0);
    }
}

static gboolean
write_all (int         fd,
           const char *content)
{
  gsize len = strlen (content), off = 0;

  while (off < len)
    {
      ssize_t n = write (fd, content + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      off += n;
    }
  return TRUE;
}

/**
 * pt_safe_write:
 * @content: the new text, or %NULL to delete the file
 * @new_mode: the mode of a file that was not there
 * @dir_mode: the mode of folders made on the way
 * @sync_dir: sync the folder after the rename; without it the caller syncs
 *   it once for a batch of files, before anything relies on them
 *
 * Replaces @system_path atomically: a temporary file beside it, written
 * and synced, takes the old file's mode, owner and extended attributes and
 * is renamed over it.  Nothing on the way may be a link.  On failure the
 * file is as it was and the temporary file is gone.
 */
gboolean
pt_safe_write (PtPaths     *paths,
               const char  *system_path,
               const char  *content,
               int          new_mode,
               int          dir_mode,
               gboolean     sync_dir,
               GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (system_path);
  g_autofree char *base = g_path_get_basename (system_path);
  g_autofree char *tmp = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;
  gboolean had;
  int dfd, fd = -1, saved;

  dfd = pt_safe_open_dir (paths, dir, content != NULL ? dir_mode : -1, &local_error);
  if (dfd < 0)
    {
      /* Nothing to delete in a folder that is not there. */
      if (content == NULL && g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  had = fstatat (dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (content == NULL)
    {
      /* Removing a link removes the link: nothing is followed. */
      if (had && unlinkat (dfd, base, 0) < 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot remove %s: %s."),
                       system_path, g_strerror (errno));
          close (dfd);
          return FALSE;
        }
      if (sync_dir && fsync (dfd) < 0)
        goto fail_dir;
      close (dfd);
      return TRUE;
    }
  if (had && S_ISLNK (st.st_mode))
    {
      set_link_error (error, dfd, base, system_path);
      close (dfd);
      return FALSE;
    }
  if (had && !S_ISREG (st.st_mode))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("%s is not a regular file; Passthrough will not replace it."), system_path);
      close (dfd);
      return FALSE;
    }

  for (guint attempt = 0; fd < 0 && attempt < 100; attempt++)
    {
      g_free (tmp);
      tmp = g_strdup_printf (".%s.passthrough-%06x", base, g_random_int () & 0xffffff);
      fd = openat (dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("Cannot write %s: %s. The file was left as it was."), system_path, g_strerror (errno));
      close (dfd);
      return FALSE;
    }
  if (!write_all (fd, content))
    goto fail;
  if (had)
    {
      int old = openat (dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
      /* A FAT ESP has no owner or mode to keep: ignore what it refuses. */
      if (fchmod (fd, st.st_mode & 07777) < 0 && errno != EPERM && errno != ENOTSUP)
        goto fail;
      if (fchown (fd, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != ENOTSUP && errno != EINVAL)
        goto fail;
      if (old >= 0)
        {
          copy_xattrs (old, fd);
          close (old);
        }
    }
  else if (fchmod (fd, new_mode) < 0 && errno != EPERM && errno != ENOTSUP)
    goto fail;
  if (fsync (fd) < 0)
    goto fail;
  if (close (fd) < 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (renameat (dfd, tmp, dfd, base) < 0)
    goto fail;
  if (sync_dir && fsync (dfd) < 0)
    goto fail_dir;
  close (dfd);
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  unlinkat (dfd, tmp, 0);
  close (dfd);
  g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot write %s: %s. The file was left as it was."),
               system_path, g_strerror (saved));
  return FALSE;

fail_dir:
  saved = errno;
  close (dfd);
  g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot sync the directory %s: %s."),
               dir, g_strerror (saved));
  return FALSE;
}

/**
 * pt_safe_read:
 *
 * The text of @system_path, read without following a link; %NULL with
 * *@out_exists FALSE and no error when it is not there.
 */
char *
pt_safe_read (PtPaths     *paths,
              const char  *system_path,
              gboolean    *out_exists,
              GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (system_path);
  g_autofree char *base = g_path_get_basename (system_path);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  char buf[8192];
  ssize_t n;
  int dfd, fd;

  *out_exists = FALSE;
  dfd = pt_safe_open_dir (paths, dir, -1, &local_error);
  if (dfd < 0)
    {
      if (!g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  fd = openat (dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      if (errno == ELOOP)
        set_link_error (error, dfd, base, system_path);
      else if (errno != ENOENT)
        g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND, _("Cannot read %s: %s."),
                     system_path, g_strerror (errno));
      close (dfd);
      return NULL;
    }
  close (dfd);
  while ((n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND, _("Cannot read %s: %s."),
                       system_path, g_strerror (errno));
          close (fd);
          return NULL;
        }
      g_string_append_len (text, buf, n);
    }
  close (fd);
  if (strlen (text->str) != text->len)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("%s is not a text file (it holds a NUL byte)."), system_path);
      return NULL;
    }
  *out_exists = TRUE;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

gboolean
pt_safe_sync_dir (PtPaths     *paths,
                  const char  *system_dir,
                  GError     **error)
{
  int dfd = pt_safe_open_dir (paths, system_dir, -1, error);

  if (dfd < 0)
    return FALSE;
  if (fsync (dfd) < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot sync the directory %s: %s."),
                   system_dir, g_strerror (errno));
      close (dfd);
      return FALSE;
    }
  close (dfd);
  return TRUE;
}

/**
 * pt_safe_empty_dir:
 * @keep: (nullable): names to leave
 *
 * Removes the files of @system_dir (a link is removed, never followed;
 * sub-folders stay), then the folder itself with @remove_dir when empty.
 */
void
pt_safe_empty_dir (PtPaths     *paths,
                   const char  *system_dir,
                   GHashTable  *keep,
                   gboolean     remove_dir)
{
  int dfd = pt_safe_open_dir (paths, system_dir, -1, NULL);
  int list_fd;
  DIR *d;
  struct dirent *e;

  if (dfd < 0)
    return;
  list_fd = dup (dfd);
  d = list_fd >= 0 ? fdopendir (list_fd) : NULL;
  while (d != NULL && (e = readdir (d)) != NULL)
    {
      if (g_str_equal (e->d_name, ".") || g_str_equal (e->d_name, ".."))
        continue;
      if (keep != NULL && g_hash_table_contains (keep, e->d_name))
        continue;
      unlinkat (dfd, e->d_name, 0);
    }
  if (d != NULL)
    closedir (d);
  else if (list_fd >= 0)
    close (list_fd);
  close (dfd);
  if (remove_dir)
    {
      g_autofree char *parent = g_path_get_dirname (system_dir);
      g_autofree char *base = g_path_get_basename (system_dir);
      int pfd = pt_safe_open_dir (paths, parent, -1, NULL);
      if (pfd >= 0)
        {
          unlinkat (pfd, base, AT_REMOVEDIR);
          close (pfd);
        }
    }
}

/**
 * pt_safe_mode_of:
 *
 * The mode for a new file whose text comes from @system_path: read and
 * write for its owner, and read for the group and others only where
 * @system_path grants it (a custom.cfg copied from a 0600 grub.cfg is
 * 0600).  @fallback when @system_path cannot be looked at.
 */
int
pt_safe_mode_of (PtPaths    *paths,
                 const char *system_path,
                 int         fallback)
{
  g_autofree char *host = pt_paths_build (paths, system_path + 1, NULL);
  struct stat st;

  if (stat (host, &st) < 0 || !S_ISREG (st.st_mode))
    return fallback;
  return 0600 | (st.st_mode & 0044);
}

/* The deepest folder of @system_path that exists, as a path on the host. */
static char *
existing_ancestor (PtPaths    *paths,
                   const char *system_path,
                   struct stat *st)
{
  g_autofree char *sys = g_strdup (system_path);

  for (;;)
    {
      g_autofree char *host = pt_paths_build (paths, sys + 1, NULL);
      char *up;

      if (stat (host, st) == 0 || g_str_equal (sys, "/"))
        return g_steal_pointer (&host);
      up = g_path_get_dirname (sys);
      g_free (sys);
      sys = up;
    }
}

/**
 * pt_safe_mount_point:
 *
 * The system path of the mount point @system_path lies on ("/", "/boot",
 * "/boot/efi"), for sentences such as "free space on /boot".
 */
char *
pt_safe_mount_point (PtPaths    *paths,
                     const char *system_path)
{
  g_autofree char *sys = g_strdup (system_path);
  struct stat st;
  dev_t dev;

  while (!g_str_equal (sys, "/"))
    {
      g_autofree char *host = pt_paths_build (paths, sys + 1, NULL);
      if (stat (host, &st) == 0)
        break;
      {
        char *up = g_path_get_dirname (sys);
        g_free (sys);
        sys = up;
      }
    }
  {
    g_autofree char *host = pt_paths_build (paths, sys + 1, NULL);
    if (stat (host, &st) < 0)
      return g_strdup ("/");
  }
  dev = st.st_dev;
  while (!g_str_equal (sys, "/"))
    {
      g_autofree char *up = g_path_get_dirname (sys);
      g_autofree char *host = pt_paths_build (paths, up + 1, NULL);
      if (stat (host, &st) < 0 || st.st_dev != dev)
        break;
      g_free (sys);
      sys = g_steal_pointer (&up);
    }
  return g_steal_pointer (&sys);
}

/* ---- free space ------------------------------------------------------- */

typedef struct
{
  char    *where;       /* a system path on that file system */
  guint64  blocks;      /* of f_frsize */
  guint64  files;
  guint64  bsize;
  guint64  avail_blocks;
  guint64  avail_files;
  gboolean counts_files;
} FsNeed;

struct _PtSpaceNeed
{
  GHashTable *by_dev;   /* dev_t → FsNeed */
};

static void
fs_need_free (FsNeed *n)
{
  g_free (n->where);
  g_free (n);
}

PtSpaceNeed *
pt_space_need_new (void)
{
  PtSpaceNeed *need = g_new0 (PtSpaceNeed, 1);

  need->by_dev = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) fs_need_free);
  return need;
}

void
pt_space_need_free (PtSpaceNeed *need)
{
  if (need == NULL)
    return;
  g_hash_table_unref (need->by_dev);
  g_free (need);
}

/**
 * pt_space_need_add:
 *
 * One more file of @bytes the transaction writes at @system_path (a new
 * text, a copy in the journal, a restore's temporary file).  Each counts
 * whole blocks plus one, for the folder entry and the file system's own
 * bookkeeping.
 */
void
pt_space_need_add (PtSpaceNeed *need,
                   PtPaths     *paths,
                   const char  *system_path,
                   gsize        bytes)
{
  struct stat st;
  struct statvfs vfs;
  g_autofree char *host = existing_ancestor (paths, system_path, &st);
  gint64 key = (gint64) st.st_dev;
  FsNeed *n = g_hash_table_lookup (need->by_dev, &key);

  if (n == NULL)
    {
      if (statvfs (host, &vfs) < 0 || vfs.f_frsize == 0)
        return;   /* cannot tell: the write itself will say */
      n = g_new0 (FsNeed, 1);
      n->where = pt_safe_mount_point (paths, system_path);
      n->bsize = vfs.f_frsize;
      n->avail_blocks = vfs.f_bavail;
      n->avail_files = vfs.f_favail;
      n->counts_files = vfs.f_files != 0;
      g_hash_table_insert (need->by_dev, g_memdup2 (&key, sizeof key), n);
    }
  n->blocks += (bytes + n->bsize - 1) / n->bsize + 1;
  n->files += 1;
}

/**
 * pt_space_need_check:
 *
 * Refuses, before anything is written, when a file system has less free
 * space (or fewer free inodes) than the transaction adds up to.  The fault
 * step PASSTHROUGH_FAULT=no-space-check skips it, so the tests can run a
 * disk full in the middle of a transaction.
 */
gboolean
pt_space_need_check (PtSpaceNeed *need,
                     PtPaths     *paths,
                     GError     **error)
{
  GHashTableIter iter;
  FsNeed *n;

  if (g_strcmp0 (g_getenv ("PASSTHROUGH_FAULT"), "no-space-check") == 0)
    return TRUE;
  g_hash_table_iter_init (&iter, need->by_dev);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &n))
    {
      if (n->blocks > n->avail_blocks)
        {
          g_autofree char *want = g_format_size (n->blocks * n->bsize);
          g_autofree char *have = g_format_size (n->avail_blocks * n->bsize);
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                       _("There is not enough free space on %s for this change and its way back: it needs %s there and %s is free. Free some space on %s, then try again. Nothing was changed."),
                       n->where, want, have, n->where);
          return FALSE;
        }
      if (n->counts_files && n->files > n->avail_files)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                       _("The file system of %s has no free inodes left for this change (it needs %" G_GUINT64_FORMAT "). Remove some files there, then try again. Nothing was changed."),
                       n->where, n->files);
          return FALSE;
        }
    }
  return TRUE;
}
