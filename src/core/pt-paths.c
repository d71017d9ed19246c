/* pt-paths.c: the root directory every path is read under.
 *
 * A fixture tree, a chroot or a live system look the same to the rest of the
 * core: everything is named relative to the root ("sys/bus/pci/devices"),
 * never as an absolute host path.  Symbolic links are resolved inside the
 * root, the way the kernel would resolve them after chroot(2).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pt-paths.h"

struct _PtPaths
{
  GObject parent_instance;
  char   *root;        /* canonical, no trailing slash except for "/" */
  gsize   root_len;
};

G_DEFINE_FINAL_TYPE (PtPaths, pt_paths, G_TYPE_OBJECT)

static void
pt_paths_finalize (GObject *object)
{
  PtPaths *self = PT_PATHS (object);

  g_free (self->root);
  G_OBJECT_CLASS (pt_paths_parent_class)->finalize (object);
}

static void
pt_paths_class_init (PtPathsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_paths_finalize;
}

static void
pt_paths_init (PtPaths *self)
{
}

/**
 * pt_paths_new:
 * @root: (nullable): the directory that stands for "/"; %NULL means "/"
 */
PtPaths *
pt_paths_new (const char *root)
{
  PtPaths *self = g_object_new (PT_TYPE_PATHS, NULL);
  g_autofree char *cwd = g_get_current_dir ();

  if (root == NULL || *root == '\0')
    root = "/";
  self->root = g_canonicalize_filename (root, cwd);
  self->root_len = strlen (self->root);
  return self;
}

/* PASSTHROUGH_ROOT comes from the environment of a test or a unit file, never
 * from a D-Bus argument (docs/root.md, docs/safety.md rule 1). */
PtPaths *
pt_paths_new_from_env (void)
{
  return pt_paths_new (g_getenv ("PASSTHROUGH_ROOT"));
}

const char *
pt_paths_get_root (PtPaths *self)
{
  g_return_val_if_fail (PT_IS_PATHS (self), NULL);
  return self->root;
}

gboolean
pt_paths_is_host (PtPaths *self)
{
  g_return_val_if_fail (PT_IS_PATHS (self), FALSE);
  return g_str_equal (self->root, "/");
}

/* Joins path elements below the root; elements are relative to the root
 * ("etc", "default/grub") or already start with the root (pass-through). */
char *
pt_paths_build (PtPaths    *self,
                const char *first_element,
                ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *el;
  va_list ap;

  g_return_val_if_fail (PT_IS_PATHS (self), NULL);

  if (first_element != NULL && self->root_len > 1 &&
      g_str_has_prefix (first_element, self->root) &&
      (first_element[self->root_len] == '/' || first_element[self->root_len] == '\0'))
    g_ptr_array_add (parts, (gpointer) first_element);
  else
    {
      g_ptr_array_add (parts, self->root);
      if (first_element != NULL)
        g_ptr_array_add (parts, (gpointer) first_element);
    }

  va_start (ap, first_element);
  while ((el = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (parts, (gpointer) el);
  va_end (ap);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

/* Maps a path under the root back to what the system inside it calls it:
 * "<root>/etc/default/grub" → "/etc/default/grub". */
char *
pt_paths_to_system (PtPaths    *self,
                    const char *path)
{
  if (self->root_len == 1)
    return g_strdup (path);
  if (g_str_has_prefix (path, self->root) &&
      (path[self->root_len] == '/' || path[self->root_len] == '\0'))
    return g_strdup (path[self->root_len] ? path + self->root_len : "/");
  return g_strdup (path);
}

/* Follows one symbolic link (sysfs links are one hop to a real directory) and
 * keeps the result inside the root: ".." never climbs above it, and an
 * absolute target is taken relative to the root, as chroot(2) would. */
char *
pt_paths_resolve_link (PtPaths    *self,
                       const char *link_path)
{
  g_autofree char *target = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *inside = NULL;
  const char *rel;

  target = g_file_read_link (link_path, NULL);
  if (target == NULL)
    return NULL;

  if (g_path_is_absolute (target))
    return pt_paths_build (self, target + 1, NULL);

  /* Canonicalize the part below the root only, so that ".." stops at it. */
  dir = g_path_get_dirname (link_path);
  rel = dir;
  if (self->root_len > 1 && g_str_has_prefix (dir, self->root))
    rel = dir + self->root_len;
  joined = g_build_filename ("/", rel, target, NULL);
  inside = g_canonicalize_filename (joined, "/");
  if (self->root_len == 1)
    return g_steal_pointer (&inside);
  return g_build_filename (self->root, inside, NULL);
}

/* Reads the first line of a small file (a sysfs attribute), without its
 * newline.  Returns FALSE when the file is absent or unreadable: a missing
 * attribute is normal in sysfs and never an error by itself. */
gboolean
pt_paths_read_line (PtPaths    *self,
                    const char *path,
                    char      **out_line)
{
  char buf[512];
  ssize_t n;
  int fd;
  char *nl;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return FALSE;
  do
    n = read (fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n < 0)
    return FALSE;
  buf[n] = '\0';
  if (memchr (buf, '\0', n) != NULL)
    return FALSE;
  nl = strchr (buf, '\n');
  if (nl != NULL)
    *nl = '\0';
  *out_line = g_strdup (g_strstrip (buf));
  return TRUE;
}

gboolean
pt_paths_read_file (PtPaths    *self,
                    const char *path,
                    char      **out_contents,
                    gsize      *out_length,
                    GError    **error)
{
  return g_file_get_contents (path, out_contents, out_length, error);
}

gboolean
pt_paths_exists (PtPaths    *self,
                 const char *path)
{
  return access (path, F_OK) == 0;
}
