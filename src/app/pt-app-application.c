/* pt-app-application.c: the application, its options and its actions.
 *
 * Every user action is also an application action, so the desktop, the
 * tests and `gapplication action com.example.Passthrough …` reach the same
 * code the buttons do; each one is forwarded to the active window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <sys/resource.h>

#include "pt-app-application.h"
#include "pt-app-machine.h"
#include "pt-app-window.h"

struct _PtAppApplication
{
  AdwApplication  parent_instance;
  char           *root;
  char           *snapshot;
  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (PtAppApplication, pt_app_application, ADW_TYPE_APPLICATION)

gboolean
pt_app_application_timings_enabled (void)
{
  static int enabled = -1;

  if (enabled < 0)
    enabled = g_strcmp0 (g_getenv ("PASSTHROUGH_APP_TIMINGS"), "1") == 0;
  return enabled;
}

/* CPU time of the process so far, for PASSTHROUGH_APP_TIMINGS: steadier
 * than wall time on a machine that does other things too. */
double
pt_app_process_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

/* PASSTHROUGH_APP_TIMINGS: a step of the start-up, with the monotonic
 * clock and the process's CPU time (tests/bench/bench-app.sh reads them). */
void
pt_app_timing_mark (const char *what)
{
  if (pt_app_application_timings_enabled ())
    g_print ("passthrough-timing: %s %" G_GINT64_FORMAT " us (monotonic), cpu %.1f ms\n", what, g_get_monotonic_time (),
             pt_app_process_cpu_ms ());
}

/* Installed: $datadir/passthrough/demo. From the build tree the source's
 * data/demo, and PASSTHROUGH_DEMO_DIR overrides both (tests). */
char *
pt_app_application_dup_demo_dir (void)
{
  const char *env = g_getenv ("PASSTHROUGH_DEMO_DIR");
  g_autofree char *installed = g_build_filename (PT_DATADIR, "demo", NULL);

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);
  return g_build_filename (PT_SOURCE_DATADIR, "demo", NULL);
}

GSettings *
pt_app_application_get_settings (PtAppApplication *self)
{
  return self->settings;
}

static PtAppWindow *
get_window (PtAppApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      window = gtk_application_get_active_window (GTK_APPLICATION (self));
    }
  return PT_APP_WINDOW (window);
}

static void
open_snapshot_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  const char *path = g_variant_get_string (param, NULL);

  if (*path == '\0')
    pt_app_window_choose_snapshot (get_window (user_data));
  else
    pt_app_window_open_snapshot (get_window (user_data), path);
}

static void
save_snapshot_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  const char *path = g_variant_get_string (param, NULL);

  if (*path == '\0')
    pt_app_window_choose_save_snapshot (get_window (user_data));
  else
    pt_app_window_save_snapshot (get_window (user_data), path);
}

static void
show_demo_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  pt_app_window_show_demo (get_window (user_data), g_variant_get_string (param, NULL));
}

static void
this_machine_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       user_data)
{
  pt_app_window_open_root (get_window (user_data), NULL);
}

static void
review_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  pt_app_window_review (get_window (user_data), FALSE);
}

static void
apply_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  pt_app_window_review (get_window (user_data), TRUE);
}

static void
revert_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  pt_app_window_revert (get_window (user_data));
}

static void
export_vm_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  pt_app_window_export_vm (get_window (user_data));
}

static void
search_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  pt_app_window_search (get_window (user_data), g_variant_get_string (param, NULL));
}

static void
show_device_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  pt_app_window_show_device (get_window (user_data), g_variant_get_string (param, NULL));
}

static void
choose_device_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  const char *address;
  gboolean chosen;

  g_variant_get (param, "(&sb)", &address, &chosen);
  pt_app_window_choose_device (get_window (user_data), address, chosen);
}

static void
readiness_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  pt_app_window_show_readiness (get_window (user_data));
}

static void
filter_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  PtAppApplication *self = user_data;
  const char *value = g_variant_get_string (param, NULL);

  if (!g_str_equal (value, "all") && !g_str_equal (value, "gpus") && !g_str_equal (value, "passable"))
    return;
  g_simple_action_set_state (action, param);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "filter", value);
  pt_app_window_set_filter (get_window (self), value);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  PtAppApplication *self = user_data;
  const char *developers[] = { _("The Passthrough authors"), NULL };
  GtkWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", _("Passthrough"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developers", developers,
                        "comments", _("Give a graphics card or another PCI device to a virtual machine, "
                                      "see every change before it is made, and undo it."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (about);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "open-snapshot", open_snapshot_action, "s" },
  { "save-snapshot", save_snapshot_action, "s" },
  { "show-demo", show_demo_action, "s" },
  { "this-machine", this_machine_action },
  { "review", review_action },
  { "apply", apply_action },
  { "revert", revert_action },
  { "export-vm", export_vm_action },
  { "search", search_action, "s" },
  { "show-device", show_device_action, "s" },
  { "choose-device", choose_device_action, "(sb)" },
  { "readiness", readiness_action },
  { "filter", filter_action, "s", "'all'" },
  { "about", about_action },
  { "quit", quit_action },
};

static int
pt_app_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  PtAppApplication *self = PT_APP_APPLICATION (app);
  const char *root = NULL;
  const char *snapshot = NULL;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("passthrough %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "root", "^&ay", &root))
    self->root = g_canonicalize_filename (root, NULL);
  if (g_variant_dict_lookup (options, "snapshot", "^&ay", &snapshot))
    self->snapshot = g_canonicalize_filename (snapshot, NULL);
  if (self->root != NULL && !g_file_test (self->root, G_FILE_TEST_IS_DIR))
    {
      g_printerr (_("passthrough: the root %s is not a directory.\n"), self->root);
      return 2;
    }
  /* Without a display (over SSH, on a console) GTK cannot start, and the
   * first widget would crash: say what to use instead. --help and
   * --version work without one, GApplication answers them first. */
  if (!gtk_init_check ())
    {
      g_printerr ("%s\n", _("no display: run passthroughctl, or start it in a desktop session"));
      return 1;
    }
  return -1;
}

static void
pt_app_application_startup (GApplication *app)
{
  PtAppApplication *self = PT_APP_APPLICATION (app);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  static const char *search_accels[] = { "<Control>f", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *open_accels[] = { "<Control>o", NULL };
  static const char *review_accels[] = { "<Control>Return", NULL };

  /* What the window will show is read while libadwaita starts (its style
   * sheets). GTK itself starts first: gtk_init() sets the locale again,
   * which no other thread may be using at the time. GtkApplication's own
   * start-up calls it too, and fails with its message where this fails. */
  if (gtk_init_check ())
    pt_app_machine_read_ahead (self->snapshot != NULL ? NULL : self->root, self->snapshot);
  G_APPLICATION_CLASS (pt_app_application_parent_class)->startup (app);

  /* Running from the build tree without the compiled schema must still
   * work: the settings are a convenience, never a requirement. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema != NULL)
    self->settings = g_settings_new (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  if (self->settings != NULL)
    {
      g_autofree char *filter = g_settings_get_string (self->settings, "filter");
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (app), "filter");
      g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (filter));
    }
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.focus-search", search_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.open-snapshot('')", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.review", review_accels);
}

static gboolean
quit_soon (gpointer app)
{
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

static void
pt_app_application_activate (GApplication *app)
{
  PtAppApplication *self = PT_APP_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  GVariant *filter;

  pt_app_timing_mark ("activate");

  /* The baseline of tests/bench/bench-app.sh: an empty window, started
   * the same way, painted and timed the same way. */
  if (window == NULL && g_strcmp0 (g_getenv ("PASSTHROUGH_APP_BENCH_EMPTY"), "1") == 0)
    {
      window = GTK_WINDOW (adw_application_window_new (GTK_APPLICATION (app)));
      gtk_window_set_default_size (window, 1100, 720);
      g_signal_connect (window, "realize", G_CALLBACK (pt_app_report_first_frame), NULL);
      g_timeout_add_seconds (1, quit_soon, app);
    }
  if (window == NULL)
    {
      window = GTK_WINDOW (pt_app_window_new (self));
      filter = g_action_group_get_action_state (G_ACTION_GROUP (app), "filter");
      pt_app_window_set_filter (PT_APP_WINDOW (window), g_variant_get_string (filter, NULL));
      g_variant_unref (filter);
      if (self->snapshot != NULL)
        pt_app_window_open_snapshot (PT_APP_WINDOW (window), self->snapshot);
      else
        pt_app_window_open_root (PT_APP_WINDOW (window), self->root);
    }
  pt_app_timing_mark ("window-built");
  gtk_window_present (window);
  pt_app_timing_mark ("window-presented");
}

static void
pt_app_application_finalize (GObject *object)
{
  PtAppApplication *self = PT_APP_APPLICATION (object);

  g_free (self->root);
  g_free (self->snapshot);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (pt_app_application_parent_class)->finalize (object);
}

static void
pt_app_application_class_init (PtAppApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = pt_app_application_finalize;
  app_class->handle_local_options = pt_app_application_handle_local_options;
  app_class->startup = pt_app_application_startup;
  app_class->activate = pt_app_application_activate;
}

static void
pt_app_application_init (PtAppApplication *self)
{
  static const GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Show the system in DIR instead of this machine (inspect only)"), N_("DIR") },
    { "snapshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Show the topology saved in FILE by “passthroughctl list --json” (inspect only)"), N_("FILE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

PtAppApplication *
pt_app_application_new (void)
{
  return g_object_new (PT_APP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/com/example/Passthrough",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
