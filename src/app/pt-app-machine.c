/* pt-app-machine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-machine.h"

struct _PtAppMachine
{
  GObject     parent_instance;
  PtPaths    *paths;
  PtTopology *topology;
  char       *snapshot;
  char       *title;
  char       *inspect_reason;   /* NULL: this machine, changes allowed */
};

G_DEFINE_FINAL_TYPE (PtAppMachine, pt_app_machine, G_TYPE_OBJECT)

static void
pt_app_machine_finalize (GObject *object)
{
  PtAppMachine *self = PT_APP_MACHINE (object);

  g_clear_object (&self->paths);
  g_clear_object (&self->topology);
  g_free (self->snapshot);
  g_free (self->title);
  g_free (self->inspect_reason);
  G_OBJECT_CLASS (pt_app_machine_parent_class)->finalize (object);
}

static void
pt_app_machine_class_init (PtAppMachineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_app_machine_finalize;
}

static void
pt_app_machine_init (PtAppMachine *self)
{
}

/* Same meaning as passthroughctl: --root reads everything under ROOT,
 * --snapshot takes the topology from a file and the rest from the root. */
PtAppMachine *
pt_app_machine_load (const char  *root,
                     const char  *snapshot,
                     GError     **error)
{
  g_autoptr(PtAppMachine) self = g_object_new (PT_APP_TYPE_MACHINE, NULL);

  /* PASSTHROUGH_ROOT is the helper's test hook (DESIGN.md); the app honours
   * it the same way, so a test can point both at one fixture root and still
   * treat it as "this machine", whose changes go through the helper. */
  if (root == NULL && g_getenv ("PASSTHROUGH_ROOT") != NULL && *g_getenv ("PASSTHROUGH_ROOT") != '\0')
    self->paths = pt_paths_new_from_env ();
  else
    self->paths = pt_paths_new (root != NULL ? root : "/");
  if (snapshot != NULL)
    {
      g_autofree char *base = g_path_get_basename (snapshot);
      self->topology = pt_topology_new_from_snapshot (snapshot, error);
      if (self->topology == NULL)
        return NULL;
      self->snapshot = g_strdup (snapshot);
      self->title = g_strdup_printf (_("snapshot %s"), base);
      self->inspect_reason = g_strdup (_("This is a snapshot of a machine, not the machine itself: "
                                         "you can look and plan, but Apply and Bind are off."));
    }
  else
    {
      self->topology = pt_topology_new_from_sysfs (self->paths, error);
      if (self->topology == NULL)
        return NULL;
      if (root == NULL)
        self->title = g_strdup (_("this machine"));
      else
        {
          self->title = g_strdup_printf (_("the system in %s"), pt_paths_get_root (self->paths));
          self->inspect_reason = g_strdup_printf (_("This window shows the system in %s, not the running one: "
                                                    "Apply and Bind are off. Use “passthroughctl --root %s apply” to change it."),
                                                  pt_paths_get_root (self->paths),
                                                  pt_paths_get_root (self->paths));
        }
    }
  return g_steal_pointer (&self);
}

PtPaths *
pt_app_machine_get_paths (PtAppMachine *self)
{
  return self->paths;
}

PtTopology *
pt_app_machine_get_topology (PtAppMachine *self)
{
  return self->topology;
}

const char *
pt_app_machine_get_snapshot (PtAppMachine *self)
{
  return self->snapshot;
}

const char *
pt_app_machine_get_title (PtAppMachine *self)
{
  return self->title;
}

gboolean
pt_app_machine_is_host (PtAppMachine *self)
{
  return self->inspect_reason == NULL;
}

const char *
pt_app_machine_get_inspect_reason (PtAppMachine *self)
{
  return self->inspect_reason;
}

gboolean
pt_app_machine_has_iommu_groups (PtAppMachine *self)
{
  return g_list_model_get_n_items (pt_topology_get_groups (self->topology)) > 0;
}
