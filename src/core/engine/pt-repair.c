/* pt-repair.c: health after updates (docs/machine-knowledge.md).
 *
 * A setup that was applied can be lost by the running system without anyone
 * touching Passthrough: a kernel update or another tool rewrote the boot
 * entries (kernel-args-lost), an initramfs was built before the setup and
 * never again (initramfs-stale), a firmware update regrouped the devices
 * (group-changed).  `status` says `needs-repair` with these reasons and
 * `passthroughctl repair` applies the stored selection again.
 *
 * What the state records for this (optional fields, see pt-state.c): the
 * boot the setup was applied in (`boot_id`, from
 * proc/sys/kernel/random/boot_id) and each configured device's group mates
 * at apply (`group_mates`).  A state written before them (format 1 of
 * a868f44) gives no kernel-args-lost or group-changed: without them a
 * restart since the apply or the old groups are not known.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pt-edit.h"
#include "pt-plan-build.h"
#include "pt-plan-private.h"
#include "pt-repair.h"

/* systemd-boot's LoaderEntrySelected EFI variable (the Boot Loader
 * Interface): which entry this boot started from. */
#define LOADER_VENDOR_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

void
pt_plan_record_group_mates (PtPlan     *self,
                            PtTopology *topology)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      GStrv mates = dev != NULL ? pt_device_get_shares_group_with (dev) : NULL;

      json_builder_set_member_name (b, d->address);
      json_builder_begin_array (b);
      for (guint m = 0; mates != NULL && mates[m] != NULL; m++)
        json_builder_add_string_value (b, mates[m]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  g_clear_pointer (&self->group_mates, json_node_unref);
  self->group_mates = self->devices->len > 0 ? json_builder_get_root (b) : NULL;
}

JsonNode *
pt_plan_dup_group_mates (PtPlan *self)
{
  return self->group_mates != NULL ? json_node_copy (self->group_mates) : NULL;
}

static void
reason_free (PtRepairReason *reason)
{
  g_free (reason->message);
  g_strfreev (reason->devices);
  g_free (reason);
}

static void
add_reason (GPtrArray  *reasons,
            const char *code,
            GPtrArray  *devices,
            char       *message)
{
  PtRepairReason *r = g_new0 (PtRepairReason, 1);
  GStrvBuilder *sb = g_strv_builder_new ();

  r->code = code;
  r->message = message;
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    g_strv_builder_add (sb, g_ptr_array_index (devices, i));
  r->devices = g_strv_builder_end (sb);
  g_strv_builder_unref (sb);
  g_ptr_array_add (reasons, r);
}

/* The entry systemd-boot says it started, or NULL: the variable is 4 bytes of
 * attributes, then UTF-16LE text. */
static char *
booted_entry (PtPaths *paths)
{
  g_autofree char *path = pt_paths_build (paths, "sys", "firmware", "efi", "efivars",
                                          "LoaderEntrySelected-" LOADER_VENDOR_GUID, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL) || len < 6)
    return NULL;
  return g_utf16_to_utf8 ((const gunichar2 *) (data + 4), (glong) (len - 4) / 2, NULL, NULL, NULL);
}

static gboolean
args_missing (PtState    *state,
              const char *running,
              GPtrArray  *missing)
{
  for (guint i = 0; state->kernel_args && state->kernel_args[i] != NULL; i++)
    {
      const char *one[] = { state->kernel_args[i], NULL };
      g_autofree char *edited = pt_edit_cmdline (running, one, NULL, NULL);
      if (edited != NULL && !g_str_equal (edited, running))
        g_ptr_array_add (missing, state->kernel_args[i]);
    }
  return missing->len > 0;
}

static void
check_kernel_args (GPtrArray  *reasons,
                   PtPaths    *paths,
                   PtState    *state,
                   const char *running)
{
  g_autofree char *boot_id = pt_state_read_boot_id (paths);
  g_autoptr(GPtrArray) missing = g_ptr_array_new_null_terminated (0, NULL, TRUE);
  g_autofree char *entry = NULL;
  g_autofree char *list = NULL;

  /* Not restarted since the apply: the arguments are pending, not lost. */
  if (state->boot_id == NULL || boot_id == NULL || g_str_equal (boot_id, state->boot_id) ||
      !args_missing (state, running, missing))
    return;
  entry = booted_entry (paths);
  /* The way back booted on purpose is not a loss. */
  if (entry != NULL && state->way_back_path != NULL &&
      g_str_has_suffix (state->way_back_path, entry))
    return;
  list = g_strjoinv (" ", (char **) missing->pdata);
  add_reason (reasons, "kernel-args-lost", NULL,
              entry != NULL ?
              g_strdup_printf (_("This start (boot entry “%s”) lacks “%s” on its command line, although the setup put them there: a kernel update or another tool rewrote the boot entries. “passthroughctl repair” puts them back."),
                               entry, list) :
              g_strdup_printf (_("This start lacks “%s” on its command line, although the setup put them there: a kernel update or another tool rewrote the boot entries (or the way-back entry was chosen at the boot menu). “passthroughctl repair” puts them back."),
                               list));
}

/* The setup's time as seconds since the epoch, or -1. */
static gint64
applied_at (PtState *state)
{
  g_autoptr(GDateTime) t = state->time != NULL ? g_date_time_new_from_iso8601 (state->time, NULL) : NULL;
  return t != NULL ? g_date_time_to_unix (t) : -1;
}

/* When the setup was written: the newest of its files (written before the
 * regeneration commands ran, so an image they built is newer), else the
 * state's time. */
static gint64
setup_written (PtPaths *paths,
               PtState *state)
{
  gint64 newest = -1;

  for (guint i = 0; i < state->files->len; i++)
    {
      PtStateFile *f = g_ptr_array_index (state->files, i);
      g_autofree char *path = pt_paths_build (paths, f->path, NULL);
      GStatBuf st;
      if (g_stat (path, &st) == 0)
        newest = MAX (newest, (gint64) st.st_mtime);
    }
  return newest >= 0 ? newest : applied_at (state);
}

/* The kernel version of an initramfs image's name ("initrd.img-6.1.0-13-amd64",
 * "initramfs-6.5.6-300.fc39.x86_64.img", Arch's "initramfs-linux.img"), or NULL. */
static char *
image_version (const char *name)
{
  const char *v;

  if (strstr (name, ".old") != NULL || strstr (name, ".bak") != NULL)
    return NULL;
  if (g_str_has_prefix (name, "initrd.img-"))
    v = name + strlen ("initrd.img-");
  else if (g_str_has_prefix (name, "initramfs-"))
    v = name + strlen ("initramfs-");
  else
    return NULL;
  return g_str_has_suffix (v, ".img") ? g_strndup (v, strlen (v) - 4) : g_strdup (v);
}

static void
check_initramfs (GPtrArray  *reasons,
                 PtPaths    *paths,
                 PtTopology *topology,
                 PtState    *state)
{
  const char *running = topology != NULL ? pt_topology_get_kernel_release (topology) : NULL;
  g_autofree char *boot = pt_paths_build (paths, "boot", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  gint64 since = setup_written (paths, state);
  const char *name;

  /* Only a setup that put modules into the initramfs can miss them there. */
  if (since < 0 || state->initramfs == NULL || g_str_equal (state->initramfs, "none") ||
      json_array_get_length (json_node_get_array (state->devices)) == 0)
    return;
  dir = g_dir_open (boot, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *version = image_version (name);
      GStatBuf st;

      /* The running kernel's own image shows in its devices' results (a
       * driver came first); this is about the kernels installed since. */
      if (version == NULL || g_strcmp0 (version, running) == 0)
        continue;
      path = g_build_filename (boot, name, NULL);
      if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && (gint64) st.st_mtime < since)
        g_ptr_array_add (stale, g_strconcat ("/boot/", name, NULL));
    }
  if (stale->len == 0)
    return;
  g_ptr_array_sort (stale, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (stale, NULL);
  {
    g_autofree char *list = g_strjoinv (", ", (char **) stale->pdata);
    add_reason (reasons, "initramfs-stale", NULL,
                g_strdup_printf (_("Built before the setup, without the vfio modules that must load ahead of the devices’ own drivers: %s (a kernel was installed and its initramfs not built again with them). “passthroughctl repair” regenerates the initramfs."),
                                 list));
  }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static void
check_groups (GPtrArray  *reasons,
              PtTopology *topology,
              PtState    *state)
{
  JsonObject *stored;
  g_autoptr(GList) members = NULL;

  if (state->group_mates == NULL || topology == NULL || !JSON_NODE_HOLDS_OBJECT (state->group_mates))
    return;
  stored = json_node_get_object (state->group_mates);
  members = json_object_get_members (stored);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *addr = l->data;
      PtDevice *dev = pt_topology_lookup (topology, addr);
      JsonNode *node = json_object_get_member (stored, addr);
      g_autoptr(GPtrArray) before = g_ptr_array_new ();
      g_autoptr(GPtrArray) now = g_ptr_array_new ();
      g_autoptr(GPtrArray) one = g_ptr_array_new ();
      GStrv mates;
      gboolean same;

      if (dev == NULL || node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        continue;   /* a device that is gone is the device result's to say */
      for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
        g_ptr_array_add (before, (gpointer) json_array_get_string_element (json_node_get_array (node), i));
      mates = pt_device_get_shares_group_with (dev);
      for (guint i = 0; mates != NULL && mates[i] != NULL; i++)
        g_ptr_array_add (now, mates[i]);
      g_ptr_array_sort (before, compare_strings);
      g_ptr_array_sort (now, compare_strings);
      same = before->len == now->len;
      for (guint i = 0; same && i < now->len; i++)
        same = g_strcmp0 (g_ptr_array_index (before, i), g_ptr_array_index (now, i)) == 0;
      if (same)
        continue;
      g_ptr_array_add (one, (gpointer) addr);
      g_ptr_array_add (before, NULL);
      g_ptr_array_add (now, NULL);
      {
        g_autofree char *was = before->len > 1 ? g_strjoinv (", ", (char **) before->pdata) : g_strdup (_("nothing else"));
        g_autofree char *is = now->len > 1 ? g_strjoinv (", ", (char **) now->pdata) : g_strdup (_("nothing else"));
        add_reason (reasons, "group-changed", one,
                    g_strdup_printf (_("The IOMMU group of %s changed since the setup (a firmware or kernel update): it held %s besides it and holds %s now. Check the plan again: “passthroughctl repair” shows what it would change."),
                                     addr, was, is));
      }
    }
}

GPtrArray *
pt_repair_check (PtPaths    *paths,
                 PtTopology *topology,
                 PtState    *state,
                 const char *running)
{
  GPtrArray *reasons = g_ptr_array_new_with_free_func ((GDestroyNotify) reason_free);

  /* A trial has states of its own (armed, booted, fallen back). */
  if (!state->applied || state->trial)
    return reasons;
  if (running != NULL)
    check_kernel_args (reasons, paths, state, running);
  check_initramfs (reasons, paths, topology, state);
  check_groups (reasons, topology, state);
  return reasons;
}

gboolean
pt_repair_has (GPtrArray  *reasons,
               const char *code)
{
  for (guint i = 0; i < reasons->len; i++)
    if (g_str_equal (((PtRepairReason *) g_ptr_array_index (reasons, i))->code, code))
      return TRUE;
  return FALSE;
}

void
pt_repair_to_builder (JsonBuilder *b,
                      GPtrArray   *reasons)
{
  json_builder_begin_array (b);
  for (guint i = 0; i < reasons->len; i++)
    {
      PtRepairReason *r = g_ptr_array_index (reasons, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, r->code);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, r->message);
      json_builder_set_member_name (b, "devices");
      json_builder_begin_array (b);
      for (guint d = 0; r->devices[d] != NULL; d++)
        json_builder_add_string_value (b, r->devices[d]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}
