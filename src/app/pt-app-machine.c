/* pt-app-machine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include "pt-app-application.h"
#include "pt-app-helper.h"
#include "pt-app-machine.h"
#include "pt-describe.h"
#include "pt-readiness.h"

struct _PtAppMachine
{
  GObject     parent_instance;
  PtPaths    *paths;
  PtTopology *topology;
  char       *snapshot;
  char       *title;
  char       *inspect_reason;   /* NULL: this machine, changes allowed */
  PtAppMachineSource source;
  GPtrArray  *readiness;        /* the helper's GetReadiness; NULL: run here */
  char       *readiness_error;  /* why GetReadiness gave nothing */
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
  g_clear_pointer (&self->readiness, g_ptr_array_unref);
  g_free (self->readiness_error);
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

/* PASSTHROUGH_ROOT is the helper's test hook (docs/root.md); the app honours
 * it the same way, so a test can point both at one fixture root and still
 * treat it as "this machine", whose changes go through the helper. */
static PtPaths *
host_paths (void)
{
  const char *env = g_getenv ("PASSTHROUGH_ROOT");

  return env != NULL && *env != '\0' ? pt_paths_new_from_env () : pt_paths_new ("/");
}

/* The one place that decides whether this process can read the machine
 * itself. Inside a Flatpak it cannot: /sys holds no kernel/iommu_groups
 * there, and /etc and /boot are the runtime's. The same holds for any other
 * sandbox that hides the directory. A machine that really has no IOMMU has
 * the directory, empty (the kernel makes it whenever it has IOMMU support),
 * and keeps its no-IOMMU page; so does a machine without a system bus,
 * since then there is no helper to ask. */
PtAppMachineSource
pt_app_machine_source_for_host (void)
{
  g_autoptr(PtPaths) paths = host_paths ();
  g_autofree char *groups = pt_paths_build (paths, "sys", "kernel", "iommu_groups", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GDBusConnection) bus = NULL;

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return PT_APP_MACHINE_SOURCE_HELPER;
  dir = g_dir_open (groups, 0, NULL);
  if (dir != NULL)
    return PT_APP_MACHINE_SOURCE_SYSFS;
  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  return bus != NULL ? PT_APP_MACHINE_SOURCE_HELPER : PT_APP_MACHINE_SOURCE_SYSFS;
}

/* Whether @snapshot is one of the bundled demos: a .json file in the demo
 * folder. */
static gboolean
in_demo_dir (const char *snapshot)
{
  g_autofree char *demo_dir = pt_app_application_dup_demo_dir ();
  g_autofree char *dir = g_path_get_dirname (snapshot);
  g_autofree char *canon_demo = g_canonicalize_filename (demo_dir, NULL);
  g_autofree char *canon_dir = g_canonicalize_filename (dir, NULL);

  return g_str_equal (canon_demo, canon_dir) && g_str_has_suffix (snapshot, ".json");
}

/* A bundled demo has a small root of its own beside it, named like the
 * snapshot (data/demo/twin-gpu/ beside data/demo/twin-gpu.json): its
 * distribution's os-release, boot loader and initramfs configuration
 * (data/demo/SOURCES).  Its review then shows that system's GRUB or
 * systemd-boot diff, not this machine's files.  NULL for a snapshot outside
 * the demo folder, or a demo without a root. */
static char *
demo_root_for (const char *snapshot)
{
  g_autofree char *canon = g_canonicalize_filename (snapshot, NULL);
  g_autofree char *root = NULL;

  if (!in_demo_dir (snapshot))
    return NULL;
  root = g_strndup (canon, strlen (canon) - strlen (".json"));
  return g_file_test (root, G_FILE_TEST_IS_DIR) ? g_steal_pointer (&root) : NULL;
}

/* Same meaning as passthroughctl: --root reads everything under ROOT,
 * --snapshot takes the topology from a file and the rest from the root
 * (a bundled demo's own root when no root is given). */
PtAppMachine *
pt_app_machine_load (const char  *root,
                     const char  *snapshot,
                     GError     **error)
{
  g_autoptr(PtAppMachine) self = g_object_new (PT_APP_TYPE_MACHINE, NULL);

  g_autofree char *demo_root = root == NULL && snapshot != NULL ? demo_root_for (snapshot) : NULL;

  if (demo_root != NULL)
    self->paths = pt_paths_new (demo_root);
  else
    self->paths = root == NULL ? host_paths () : pt_paths_new (root);
  if (snapshot != NULL)
    {
      g_autofree char *base = g_path_get_basename (snapshot);
      gboolean demo;

      self->topology = pt_topology_new_from_snapshot (snapshot, error);
      if (self->topology == NULL)
        return NULL;
      self->snapshot = g_strdup (snapshot);
      demo = in_demo_dir (snapshot);
      if (demo)
        {
          /* a demo is named from its data, as the demo list names it */
          g_autofree char *name = pt_describe_machine (self->topology);
          self->title = name != NULL ? g_strdup_printf (_("demo: %s"), name)
                                     : g_strdup_printf (_("demo %s"), base);
        }
      else
        self->title = g_strdup_printf (_("snapshot %s"), base);
      if (demo_root != NULL)
        self->inspect_reason = g_strdup (_("This is a demo machine, not this machine: you can look and plan, "
                                           "with the demo's own boot files, but Set Up and Bind are off."));
      else if (demo)
        self->inspect_reason = g_strdup (_("This is a demo machine, not this machine: "
                                           "you can look and plan, but Set Up and Bind are off."));
      else
        self->inspect_reason = g_strdup (_("This is a snapshot of a machine, not the machine itself: "
                                           "you can look and plan, but Set Up and Bind are off."));
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
                                                    "Set Up and Bind are off. Use “passthroughctl --root %s apply” to change it."),
                                                  pt_paths_get_root (self->paths),
                                                  pt_paths_get_root (self->paths));
        }
    }
  return g_steal_pointer (&self);
}

/* Reading a large machine or snapshot (a thousand devices: tens of
 * milliseconds) in a thread keeps the window's first frame and every
 * frame after it on time. The topology's objects are made there and handed
 * over whole; nothing else touches them until then, and the names of
 * devices come from libpci under pt-names.c's lock. */
typedef struct
{
  char *root;
  char *snapshot;
} LoadRequest;

static void
load_request_free (gpointer data)
{
  LoadRequest *request = data;

  g_free (request->root);
  g_free (request->snapshot);
  g_free (request);
}

static void
load_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LoadRequest *request = task_data;
  GError *error = NULL;
  PtAppMachine *machine = pt_app_machine_load (request->root, request->snapshot, &error);

  if (machine != NULL)
    g_task_return_pointer (task, machine, g_object_unref);
  else
    g_task_return_error (task, error);
}

/* ---- reading ahead ---------------------------------------------------- */

/* The application starts reading the machine the window will show while
 * GTK and libadwaita start up (a tenth of a second of one core, with the
 * other idle), so that the window finds it read. Started later, beside
 * the window's first layout and drawing, the reading made that frame a
 * fifth later on two cores (tests/bench/bench-app.sh, 2026-12-07). */
typedef struct
{
  LoadRequest   request;
  GThread      *thread;
} ReadAhead;

typedef struct
{
  PtAppMachine *machine;
  GError       *error;
} ReadAheadResult;

static ReadAhead *read_ahead;   /* touched from the main thread only */

static gpointer
read_ahead_thread (gpointer data)
{
  ReadAhead *ahead = data;
  ReadAheadResult *result = g_new0 (ReadAheadResult, 1);

  result->machine = pt_app_machine_load (ahead->request.root, ahead->request.snapshot, &result->error);
  return result;
}

/* Also a reading nobody took: it waits for its thread and drops the result. */
static void
read_ahead_free (gpointer data)
{
  ReadAhead *ahead = data;

  if (ahead->thread != NULL)
    {
      ReadAheadResult *result = g_thread_join (ahead->thread);

      g_clear_object (&result->machine);
      g_clear_error (&result->error);
      g_free (result);
    }
  g_free (ahead->request.root);
  g_free (ahead->request.snapshot);
  g_free (ahead);
}

/* Starts reading ROOT or SNAPSHOT (as pt_app_machine_load()) now, for the
 * pt_app_machine_load_async() that will ask for the same. This machine
 * (both NULL) is read ahead only when this process can read it itself: a
 * sandboxed app asks the helper (pt_app_machine_source_for_host()), and
 * whether the helper answers is the window's to find out. */
void
pt_app_machine_read_ahead (const char *root,
                           const char *snapshot)
{
  if (read_ahead != NULL)
    return;
  if (root == NULL && snapshot == NULL)
    {
      g_autoptr(PtPaths) paths = host_paths ();
      g_autofree char *groups = pt_paths_build (paths, "sys", "kernel", "iommu_groups", NULL);

      if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) || !g_file_test (groups, G_FILE_TEST_IS_DIR))
        return;
    }
  read_ahead = g_new0 (ReadAhead, 1);
  read_ahead->request.root = g_strdup (root);
  read_ahead->request.snapshot = g_strdup (snapshot);
  read_ahead->thread = g_thread_new ("pt-read-ahead", read_ahead_thread, read_ahead);
}

static void
join_read_ahead_in_thread (GTask        *task,
                           gpointer      source,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  ReadAhead *ahead = task_data;
  ReadAheadResult *result = g_thread_join (ahead->thread);

  ahead->thread = NULL;
  if (result->machine != NULL)
    g_task_return_pointer (task, result->machine, g_object_unref);
  else
    g_task_return_error (task, result->error);
  g_free (result);
}

/* As pt_app_machine_load(), in a thread. */
void
pt_app_machine_load_async (const char          *root,
                           const char          *snapshot,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  LoadRequest *request;

  g_task_set_source_tag (task, pt_app_machine_load_async);
  if (read_ahead != NULL)
    {
      ReadAhead *ahead = g_steal_pointer (&read_ahead);

      if (g_strcmp0 (ahead->request.root, root) == 0 && g_strcmp0 (ahead->request.snapshot, snapshot) == 0)
        {
          g_task_set_task_data (task, ahead, read_ahead_free);
          g_task_run_in_thread (task, join_read_ahead_in_thread);
          return;
        }
      /* Something else was asked for: the reading ahead is of no use. */
      read_ahead_free (ahead);
    }
  request = g_new0 (LoadRequest, 1);
  request->root = g_strdup (root);
  request->snapshot = g_strdup (snapshot);
  g_task_set_task_data (task, request, load_request_free);
  /* A result that comes after a cancel is G_IO_ERROR_CANCELLED (GTask's
   * check-cancellable): the window asked for another machine meanwhile. */
  g_task_run_in_thread (task, load_in_thread);
}

PtAppMachine *
pt_app_machine_load_finish (GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- from the helper --------------------------------------------------- */

static void
on_readiness_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PtAppMachine *self = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Without readiness the devices are still worth showing: the readiness
   * page says what went wrong instead. */
  if (reply != NULL)
    {
      const char *json;
      g_variant_get (reply, "(&s)", &json);
      self->readiness = pt_readiness_new_from_json (json, &error);
    }
  if (self->readiness == NULL)
    self->readiness_error = g_strdup (error->message);
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

static void
on_topology_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PtAppMachine *self = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);
  const char *json;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_variant_get (reply, "(&s)", &json);
  self->topology = pt_topology_new_from_json (json, -1, &error);
  if (self->topology == NULL)
    {
      g_prefix_error (&error, _("The helper sent a topology this app cannot read: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pt_helper_client_call_on (g_object_get_data (G_OBJECT (task), "system-bus"), TRUE, "GetReadiness", NULL,
                            g_task_get_cancellable (task), on_readiness_done, g_object_ref (task));
}

static void
on_system_bus (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);

  if (bus == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Auto-start allowed: an installed helper is started by the bus. */
  g_object_set_data_full (G_OBJECT (task), "system-bus", g_object_ref (bus), g_object_unref);
  pt_helper_client_call_on (bus, TRUE, "GetTopology", NULL,
                            g_task_get_cancellable (task), on_topology_done, g_object_ref (task));
}

/* This machine as the helper sees it, for a process that cannot read it
 * (see pt_app_machine_source_for_host()). Changes go through the helper
 * as usual, so the machine counts as the host. Fails with the D-Bus error
 * when the helper is missing: pt_app_helper_error_is_missing(). */
void
pt_app_machine_load_from_helper_async (GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  PtAppMachine *self = g_object_new (PT_APP_TYPE_MACHINE, NULL);
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pt_app_machine_load_from_helper_async);
  self->paths = host_paths ();
  self->source = PT_APP_MACHINE_SOURCE_HELPER;
  self->title = g_strdup (_("this machine, through the system helper"));
  g_task_set_task_data (task, self, g_object_unref);
  g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_system_bus, task);
}

PtAppMachine *
pt_app_machine_load_from_helper_finish (GAsyncResult  *result,
                                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
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

PtAppMachineSource
pt_app_machine_get_source (PtAppMachine *self)
{
  return self->source;
}

/* The checks GetReadiness sent; NULL when they are to be run here (or the
 * helper failed to send them: pt_app_machine_get_readiness_error()). */
GPtrArray *
pt_app_machine_get_readiness (PtAppMachine *self)
{
  return self->readiness;
}

const char *
pt_app_machine_get_readiness_error (PtAppMachine *self)
{
  return self->readiness_error;
}
