/* pt-transaction.c: carrying a plan out (docs/safety.md, rules 3 and 4).
 *
 * Layout under <root>/var/lib/passthrough (mode 0700):
 *   lock          flock(2): one transaction at a time
 *   state.json    what is applied (files, backups, our tokens) and the history
 *   backups/      each changed file as it was without Passthrough
 *   journal.json  only while a transaction runs: "in-progress", the files it
 *                 touches and their texts before it (txn/N), commands run
 *   txn/          those texts
 *
 * Fault injection (PASSTHROUGH_FAULT=<step> → _exit(99)), in order:
 *   after-journal    the journal and its backups are on disk, no file changed
 *   after-write-N    the Nth changed file (1-based) is written
 *   before-commands  every file is written, no command has run
 *   after-commands   every command has run
 *   after-state      state.json is written, the journal not yet removed
 * Recovery (pt_transaction_recover, and the start of every transaction)
 * returns every file and state.json to the text before the transaction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt-error.h"
#include "pt-plan-private.h"
#include "pt-safe-file.h"
#include "pt-transaction.h"

#define JOURNAL_FORMAT 1

static void
fault (const char *step)
{
  const char *want = g_getenv ("PASSTHROUGH_FAULT");

  if (want != NULL && g_str_equal (want, step))
    _exit (99);
}

static void
progress_emit (PtProgressFunc  progress,
               gpointer        user_data,
               const char     *step,
               double          fraction,
               const char     *message)
{
  if (progress != NULL)
    progress (step, fraction, message, user_data);
}

/* ---- the allow-list --------------------------------------------------- */

/* The files every registered boot path may write, the files only its
 * detection can name (GRUB's custom.cfg) and the initramfs generators'
 * files: built from the boot-path registry (pt-boot-path.h), never listed
 * here by hand. */
gboolean
pt_transaction_path_is_allowed (PtPaths    *paths,
                                const char *system_path)
{
  return pt_boot_paths_may_write (paths, system_path);
}

/* Follows symbolic links inside the root (an absolute target is taken
 * relative to the root, as after chroot) and returns the real system path;
 * the result must be on the allow-list. */
static char *
resolve_allowed (PtPaths     *paths,
                 const char  *system_path,
                 GError     **error)
{
  g_autofree char *real = pt_boot_setup_resolve_path (paths, system_path);

  if (real == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("%s is a loop of symbolic links; Passthrough will not write it."), system_path);
      return NULL;
    }
  if (!pt_transaction_path_is_allowed (paths, real))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("%s leads to %s, which is not one of the files Passthrough may write. Nothing was changed."),
                   system_path, real);
      return NULL;
    }
  return g_steal_pointer (&real);
}

/* ---- writes (pt-safe-file.c: no link followed, atomic, durable) ------ */

static gboolean
write_state_file (PtPaths     *paths,
                  const char  *name,
                  const char  *content,
                  GError     **error)
{
  g_autofree char *path = g_build_filename (PT_STATE_DIR, name, NULL);
  return pt_safe_write (paths, path, content, 0600, 0700, TRUE, error);
}

/* var/lib/passthrough (0700) and its folder txn/ or backups/ (0700), made
 * when missing; none of them may be a link. */
static gboolean
make_state_dir (PtPaths     *paths,
                const char  *sub,
                GError     **error)
{
  g_autofree char *dir = sub ? g_build_filename (PT_STATE_DIR, sub, NULL) : g_strdup (PT_STATE_DIR);
  g_autofree char *parent = g_path_get_dirname (PT_STATE_DIR);
  int fd = pt_safe_open_dir (paths, parent, 0755, error);

  if (fd < 0)
    return FALSE;
  close (fd);
  fd = pt_safe_open_dir (paths, dir, 0700, error);
  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

/* ---- the lock --------------------------------------------------------- */

static int
take_lock (PtPaths  *paths,
           GError  **error)
{
  int dfd, fd;

  if (!make_state_dir (paths, NULL, error) ||
      (dfd = pt_safe_open_dir (paths, PT_STATE_DIR, -1, error)) < 0)
    return -1;
  fd = openat (dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot open the lock %s/lock: %s."),
                   PT_STATE_DIR, saved == ELOOP ? _("it is a symbolic link, which Passthrough does not follow; remove it") :
                   g_strerror (saved));
      close (dfd);
      return -1;
    }
  close (dfd);
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      close (fd);
      g_set_error (error, PT_ERROR, PT_ERROR_BUSY,
                   _("Another Passthrough change is running right now. Wait until it has finished, then try again."));
      return -1;
    }
  return fd;
}

/**
 * pt_transaction_is_unfinished:
 *
 * Whether a transaction that did not finish left its journal or the note
 * of a command it ran: then pt_transaction_recover() has work to do (it may
 * end a command, put files back and regenerate).  Without either, recovery
 * is a quick look (the helper runs it before it serves).
 */
gboolean
pt_transaction_is_unfinished (PtPaths *paths)
{
  g_autofree char *journal = pt_paths_build (paths, PT_STATE_DIR "/journal.json", NULL);
  g_autofree char *running = pt_paths_build (paths, PT_STATE_DIR "/running", NULL);

  return g_file_test (journal, G_FILE_TEST_EXISTS) || g_file_test (running, G_FILE_TEST_EXISTS) ||
         g_file_test (journal, G_FILE_TEST_IS_SYMLINK) || g_file_test (running, G_FILE_TEST_IS_SYMLINK);
}

/**
 * pt_transaction_is_running:
 *
 * Whether a transaction holds the lock right now, in this process or
 * another (flock(2) locks belong to each opening of the file, so a
 * second opening in the helper sees its own running transaction too).
 * Status says "applying" then.
 */
gboolean
pt_transaction_is_running (PtPaths *paths)
{
  int dfd = pt_safe_open_dir (paths, PT_STATE_DIR, -1, NULL);
  int fd;
  gboolean running = FALSE;

  if (dfd < 0)
    return FALSE;
  fd = openat (dfd, "lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  close (dfd);
  if (fd < 0)
    return FALSE;
  if (flock (fd, LOCK_SH | LOCK_NB) < 0)
    running = errno == EWOULDBLOCK;
  else
    flock (fd, LOCK_UN);
  close (fd);
  return running;
}

static void
release_lock (int fd)
{
  if (fd >= 0)
    {
      flock (fd, LOCK_UN);
      close (fd);
    }
}

/* ---- commands --------------------------------------------------------- */

/* Under a root other than "/", inside chroot ROOT, never on the host; a
 * test puts a recording stand-in in front with PASSTHROUGH_COMMAND_WRAPPER. */
static GStrv
full_argv (PtPaths *paths,
           GStrv    argv)
{
  GStrvBuilder *b = g_strv_builder_new ();
  const char *wrapper = g_getenv ("PASSTHROUGH_COMMAND_WRAPPER");
  GStrv out;

  if (wrapper != NULL && wrapper[0] != '\0')
    g_strv_builder_add (b, wrapper);
  if (!pt_paths_is_host (paths))
    {
      g_strv_builder_add (b, "chroot");
      g_strv_builder_add (b, pt_paths_get_root (paths));
    }
  g_strv_builder_addv (b, (const char **) argv);
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static void
own_process_group (gpointer data)
{
  setpgid (0, 0);
}

static void running_note (PtPaths *paths, int pid);

static gboolean
run_command (PtPaths         *paths,
             GStrv            argv,
             double           fraction,
             PtProgressFunc   progress,
             gpointer         user_data,
             GError         **error)
{
  g_auto(GStrv) full = full_argv (paths, argv);
  g_autofree char *shown = g_strjoinv (" ", argv);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  gboolean waited;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) tail = g_string_new (NULL);
  char *line;

  progress_emit (progress, user_data, "command", fraction, shown);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE |
                                        G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  /* Its own process group, which a later start can end whole
   * (end_leftover_command()). */
  g_subprocess_launcher_set_child_setup (launcher, own_process_group, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) full, &local_error);
  if (proc == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("Cannot run “%s”: %s."), shown, local_error->message);
      return FALSE;
    }
  {
    /* NULL once it has ended already: nothing then to note. */
    const char *pid = g_subprocess_get_identifier (proc);
    if (pid != NULL)
      running_note (paths, atoi (pid));
  }
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL)) != NULL)
    {
      progress_emit (progress, user_data, "output", fraction, line);
      g_string_assign (tail, line);
      g_free (line);
    }
  waited = g_subprocess_wait (proc, NULL, &local_error);
  running_note (paths, 0);
  if (!waited)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("“%s” did not finish: %s."), shown, local_error->message);
      return FALSE;
    }
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, _("“%s” failed (exit status %d)%s%s"),
                   shown, g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1,
                   tail->len ? ": " : ".", tail->str);
      return FALSE;
    }
  return TRUE;
}

/* grubby --args ⇄ --remove-args, kernelstub -a ⇄ -d, rpm-ostree kargs
 * --append-if-missing ⇄ --delete-if-present. */
static GStrv
invert_argv (GStrv argv)
{
  GStrv inv = g_strdupv (argv);

  for (guint i = 1; inv[i] != NULL; i++)
    {
      char *a = inv[i];
      char *n = NULL;
      if (g_str_has_prefix (a, "--args="))
        n = g_strconcat ("--remove-args=", a + 7, NULL);
      else if (g_str_has_prefix (a, "--remove-args="))
        n = g_strconcat ("--args=", a + 14, NULL);
      else if (g_str_equal (a, "-a") && g_str_equal (inv[0], "kernelstub"))
        n = g_strdup ("-d");
      else if (g_str_equal (a, "-d") && g_str_equal (inv[0], "kernelstub"))
        n = g_strdup ("-a");
      else if (g_str_has_prefix (a, "--append-if-missing="))
        n = g_strconcat ("--delete-if-present=", a + 20, NULL);
      else if (g_str_has_prefix (a, "--delete-if-present="))
        n = g_strconcat ("--append-if-missing=", a + 20, NULL);
      if (n != NULL)
        {
          g_free (inv[i]);
          inv[i] = n;
        }
    }
  return inv;
}

/* ---- the journal ------------------------------------------------------ */

typedef struct
{
  char     *path;       /* system path (resolved) */
  gboolean  existed;
  int       mode;       /* its mode before, for a restore that creates it again */
  char     *text;       /* before the transaction */
} JournalFile;

static void
journal_file_free (JournalFile *f)
{
  g_free (f->path);
  g_free (f->text);
  g_free (f);
}

typedef struct
{
  GPtrArray *files;            /* JournalFile; the last one is state.json */
  GPtrArray *edits_run;        /* GStrv */
  GPtrArray *regeneration;     /* GStrv */
  gboolean   regeneration_started;
} Journal;

static void
journal_clear (Journal *j)
{
  g_clear_pointer (&j->files, g_ptr_array_unref);
  g_clear_pointer (&j->edits_run, g_ptr_array_unref);
  g_clear_pointer (&j->regeneration, g_ptr_array_unref);
}

static void
add_argv_array (JsonBuilder *b,
                const char  *name,
                GPtrArray   *list)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; list && i < list->len; i++)
    {
      GStrv argv = g_ptr_array_index (list, i);
      json_builder_begin_array (b);
      for (guint k = 0; argv[k] != NULL; k++)
        json_builder_add_string_value (b, argv[k]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

static gboolean
journal_write (PtPaths  *paths,
               Journal  *j,
               GError  **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, JOURNAL_FORMAT);
  json_builder_set_member_name (b, "phase");
  json_builder_add_string_value (b, "in-progress");
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < j->files->len; i++)
    {
      JournalFile *f = g_ptr_array_index (j->files, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, f->path);
      json_builder_set_member_name (b, "existed");
      json_builder_add_boolean_value (b, f->existed);
      if (f->existed)
        {
          json_builder_set_member_name (b, "mode");
          json_builder_add_int_value (b, f->mode);
        }
      json_builder_set_member_name (b, "backup");
      if (f->existed)
        {
          g_autofree char *name = g_strdup_printf ("txn-%u", i);
          json_builder_add_string_value (b, name);
        }
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_argv_array (b, "edits_run", j->edits_run);
  add_argv_array (b, "regeneration", j->regeneration);
  json_builder_set_member_name (b, "regeneration_started");
  json_builder_add_boolean_value (b, j->regeneration_started);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  return write_state_file (paths, "journal.json", text, error);
}

static GPtrArray *
read_argv_array (JsonObject *obj,
                 const char *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return out;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
    {
      JsonNode *el = json_array_get_element (json_node_get_array (node), i);
      GStrvBuilder *sb;
      if (!JSON_NODE_HOLDS_ARRAY (el))
        continue;
      sb = g_strv_builder_new ();
      for (guint k = 0; k < json_array_get_length (json_node_get_array (el)); k++)
        {
          const char *s = json_array_get_string_element (json_node_get_array (el), k);
          if (s)
            g_strv_builder_add (sb, s);
        }
      g_ptr_array_add (out, g_strv_builder_end (sb));
      g_strv_builder_unref (sb);
    }
  return out;
}

/* Puts every file of the journal back to its text before the transaction,
 * even when one fails: as much as possible goes back.  A file that already
 * holds that text is not written again (a disk that is full refuses the
 * temporary file a rewrite needs).  The first failure goes to @error and
 * its file to @out_failed. */
static gboolean
restore_files (PtPaths  *paths,
               Journal  *j,
               char    **out_failed,
               GError  **error)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < j->files->len; i++)
    {
      JournalFile *f = g_ptr_array_index (j->files, i);
      g_autoptr(GError) local_error = NULL;
      gboolean exists = FALSE;
      g_autofree char *now = pt_safe_read (paths, f->path, &exists, NULL);

      if (exists == f->existed && g_strcmp0 (now, f->text) == 0)
        continue;
      if (!pt_safe_write (paths, f->path, f->existed ? f->text : NULL, f->mode ? f->mode : 0644,
                          0755, TRUE, &local_error))
        {
          if (ok)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              if (out_failed)
                *out_failed = g_strdup (f->path);
            }
          ok = FALSE;
        }
    }
  return ok;
}

static gboolean
journal_finish (PtPaths  *paths,
                GError  **error)
{
  if (!write_state_file (paths, "journal.json", NULL, error))
    return FALSE;
  pt_safe_empty_dir (paths, PT_STATE_DIR "/txn", NULL, TRUE);
  return TRUE;
}

/* A transaction that failed puts every file back; its journal goes only
 * once they all are, so a restore that cannot finish (a full disk) leaves
 * the journal for the next start or "passthroughctl revert" to complete.
 * @error holds the failure; the sentence says which of the two happened. */
static gboolean
roll_back (PtPaths  *paths,
           Journal  *j,
           GError  **error)
{
  g_autoptr(GError) restore_error = NULL;
  g_autofree char *failed = NULL;

  if (!restore_files (paths, j, &failed, &restore_error))
    {
      g_autofree char *where = pt_safe_mount_point (paths, failed);
      g_autofree char *first = error != NULL && *error != NULL ? g_strdup ((*error)->message) : g_strdup ("");
      if (error != NULL)
        g_clear_error (error);
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("%s Not every file could be put back (%s). The journal of this change is kept, so nothing is lost: free space on %s, then run “passthroughctl revert”, which finishes putting the files back."),
                   first, restore_error->message, where);
      return FALSE;
    }
  journal_finish (paths, NULL);
  return TRUE;
}

/* ---- a command that outlived its transaction --------------------------- */

/* While a command runs, var/lib/passthrough/running names its process
 * (pid and start time, from /proc/PID/stat): the command is the leader of
 * its own process group.  A helper killed meanwhile leaves it running; the
 * next start ends that group before it puts files back, so a regeneration
 * does not read files half-restored (docs/faults.md).  Not synced: after a
 * power loss no process is left to end. */
static char *
process_start_time (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *close_paren;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (close_paren = strrchr (text, ')')) == NULL)
    return NULL;
  fields = g_strsplit (close_paren + 2, " ", -1);
  /* field 22 of stat, the 20th after the command's name */
  return g_strv_length (fields) > 19 ? g_strdup (fields[19]) : NULL;
}

static void
running_note (PtPaths *paths,
              int      pid)
{
  g_autofree char *start = pid > 0 ? process_start_time (pid) : NULL;
  g_autofree char *text = start ? g_strdup_printf ("%d %s\n", pid, start) : NULL;
  int dfd = pt_safe_open_dir (paths, PT_STATE_DIR, -1, NULL);
  int fd;

  if (dfd < 0)
    return;
  if (text == NULL)
    unlinkat (dfd, "running", 0);
  else if ((fd = openat (dfd, "running", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0)
    {
      (void) !write (fd, text, strlen (text));
      close (fd);
    }
  close (dfd);
}

static void
end_leftover_command (PtPaths *paths)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) f = NULL;
  gboolean exists;
  int pid;

  text = pt_safe_read (paths, PT_STATE_DIR "/running", &exists, NULL);
  if (text == NULL)
    return;
  f = g_strsplit (g_strstrip (text), " ", 2);
  pid = f[0] ? atoi (f[0]) : 0;
  if (pid > 1 && f[1] != NULL)
    {
      /* The same process, not a new one that got its number. */
      g_autofree char *start = process_start_time (pid);
      if (start != NULL && g_str_equal (start, f[1]))
        {
          g_message ("Ending the command (process %d) a stopped transaction left running.", pid);
          kill (-pid, SIGTERM);
          for (guint i = 0; i < 100 && kill (-pid, 0) == 0; i++)
            g_usleep (100 * 1000);
          kill (-pid, SIGKILL);
          for (guint i = 0; i < 50 && kill (-pid, 0) == 0; i++)
            g_usleep (100 * 1000);
        }
    }
  running_note (paths, 0);
}

static gboolean
recover_locked (PtPaths  *paths,
                GError  **error)
{
  const char *journal_path = PT_STATE_DIR "/journal.json";
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *journal_text = NULL;
  gboolean journal_exists;
  Journal j = { 0 };
  JsonObject *root;
  JsonArray *files;
  gboolean ok;

  /* A command a killed transaction left running ends first: the files go
   * back only once nothing else reads or writes them. */
  end_leftover_command (paths);
  journal_text = pt_safe_read (paths, journal_path, &journal_exists, &local_error);
  if (!journal_exists && local_error == NULL)
    return TRUE;
  if (journal_text == NULL ||
      !json_parser_load_from_data (parser, journal_text, -1, &local_error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("The journal %s of an unfinished change cannot be read (%s); the files it names were left alone."),
                   journal_path, local_error ? local_error->message : "not an object");
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_get_int_member_with_default (root, "format", 0) != JOURNAL_FORMAT ||
      !json_object_has_member (root, "files"))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE, _("The journal %s has an unknown format."), journal_path);
      return FALSE;
    }
  j.files = g_ptr_array_new_with_free_func ((GDestroyNotify) journal_file_free);
  files = json_object_get_array_member (root, "files");
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *fo = json_array_get_object_element (files, i);
      JournalFile *f = g_new0 (JournalFile, 1);
      const char *path = fo ? json_object_get_string_member_with_default (fo, "path", NULL) : NULL;
      const char *backup = fo ? json_object_get_string_member_with_default (fo, "backup", NULL) : NULL;

      g_ptr_array_add (j.files, f);
      if (path == NULL || path[0] != '/' ||
          (!pt_transaction_path_is_allowed (paths, path) && !g_str_equal (path, PT_STATE_DIR "/state.json")))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PARSE, _("The journal %s names a file Passthrough may not write."), journal_path);
          journal_clear (&j);
          return FALSE;
        }
      f->path = g_strdup (path);
      f->existed = json_object_get_boolean_member_with_default (fo, "existed", FALSE);
      f->mode = (int) json_object_get_int_member_with_default (fo, "mode", 0644) & 07777;
      if (f->existed)
        {
          g_autofree char *rel = NULL;
          gboolean exists;
          if (backup == NULL || strchr (backup, '/') != NULL)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_PARSE, _("The journal %s lacks a backup."), journal_path);
              journal_clear (&j);
              return FALSE;
            }
          rel = g_build_filename (PT_STATE_DIR, "txn", backup, NULL);
          f->text = pt_safe_read (paths, rel, &exists, error);
          if (f->text == NULL)
            {
              if (!exists && (error == NULL || *error == NULL))
                g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND, _("The backup %s of an unfinished change is missing."), rel);
              journal_clear (&j);
              return FALSE;
            }
        }
    }
  j.edits_run = read_argv_array (root, "edits_run");
  j.regeneration = read_argv_array (root, "regeneration");
  j.regeneration_started = json_object_get_boolean_member_with_default (root, "regeneration_started", FALSE);

  {
    g_autofree char *failed = NULL;
    g_autoptr(GError) restore_error = NULL;

    ok = restore_files (paths, &j, &failed, &restore_error);
    if (!ok)
      {
        g_autofree char *where = pt_safe_mount_point (paths, failed);
        g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                     _("An unfinished change could not be rolled back yet: %s The journal is kept, so nothing is lost: free space on %s, then run “passthroughctl revert”, which finishes putting the files back."),
                     restore_error->message, where);
      }
  }
  if (ok)
    {
      /* Undo what the edit commands did, newest first, then regenerate from
       * the restored files so the boot files match them again. */
      for (guint i = j.edits_run->len; i-- > 0;)
        {
          g_auto(GStrv) inv = invert_argv (g_ptr_array_index (j.edits_run, i));
          run_command (paths, inv, 1.0, NULL, NULL, NULL);
        }
      if (j.regeneration_started)
        for (guint i = 0; i < j.regeneration->len; i++)
          run_command (paths, g_ptr_array_index (j.regeneration, i), 1.0, NULL, NULL, NULL);
      ok = journal_finish (paths, error);
    }
  journal_clear (&j);
  return ok;
}

gboolean
pt_transaction_recover (PtPaths  *paths,
                        GError  **error)
{
  int lock = take_lock (paths, error);
  gboolean ok;

  if (lock < 0)
    return FALSE;
  ok = recover_locked (paths, error);
  release_lock (lock);
  return ok;
}

/* ---- the transaction -------------------------------------------------- */

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

static JsonNode *
history_entry (const char *action,
               GStrv       devices,
               gboolean    commands_ran)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *time = now_iso8601 ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, action);
  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  for (guint i = 0; devices && devices[i] != NULL; i++)
    json_builder_add_string_value (b, devices[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "commands_ran");
  json_builder_add_boolean_value (b, commands_ran);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* How many Apply, Revert and Confirm entries the state file remembers. */
#define STATE_HISTORY_MAX 100

static GStrv
strv_from_json_array (JsonObject *obj,
                      const char *name)
{
  GStrvBuilder *b = g_strv_builder_new ();
  JsonArray *a = json_object_get_array_member (obj, name);
  GStrv out;

  for (guint i = 0; a && i < json_array_get_length (a); i++)
    g_strv_builder_add (b, json_array_get_string_element (a, i));
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

/* A plan with nothing to write still changes what Passthrough follows when
 * the files already carry it by hand (a tutorial followed before, a state
 * file lost): the state then records the devices, so status checks them,
 * and revert has nothing of ours to take away but the state itself. */
static gboolean
adopts_setup (PtPlan  *plan,
              PtState *old_state)
{
  g_autoptr(JsonNode) summary = NULL;
  g_auto(GStrv) selection = NULL;
  JsonObject *so;

  if (pt_plan_is_revert (plan))
    return old_state->applied;   /* only the state file says it was ours */
  summary = pt_plan_dup_summary (plan);
  so = json_node_get_object (summary);
  selection = strv_from_json_array (so, "selection");
  if (selection[0] == NULL)
    return FALSE;
  if (!old_state->applied)
    return TRUE;
  return !g_strv_equal ((const char *const *) selection, (const char *const *) old_state->selection) ||
         json_object_get_boolean_member_with_default (so, "trial", FALSE) != old_state->trial;
}

static gboolean
run_plan (PtPaths         *paths,
          PtPlan          *plan,
          gboolean         run_commands,
          PtProgressFunc   progress,
          gpointer         user_data,
          GError         **error)
{
  GPtrArray *changes = pt_plan_get_changes (plan);
  GPtrArray *commands = pt_plan_get_commands (plan);
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();            /* PtChange to write */
  g_autoptr(GPtrArray) resolved = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PtState) old_state = NULL;
  g_autoptr(PtState) new_state = NULL;
  g_autoptr(GHashTable) keep_backups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *state_text = NULL;
  g_autofree char *gen = NULL;
  const char *txn_dir = PT_STATE_DIR "/txn";
  const char *backup_dir = PT_STATE_DIR "/backups";
  g_auto(GStrv) devices = pt_plan_get_devices (plan);
  g_autoptr(PtSpaceNeed) space = pt_space_need_new ();
  Journal j = { 0 };
  /* How far it got, for what a failure leaves: nothing, copies in txn/,
   * a journal with no file changed yet, files changed (roll_back()). */
  enum { WROTE_NOTHING, WROTE_COPIES, WROTE_JOURNAL, WROTE_FILES } stage = WROTE_NOTHING;
  gboolean ok = FALSE;
  gboolean commands_ran = FALSE;

  old_state = pt_state_load (paths, error);
  if (old_state == NULL)
    return FALSE;

  /* Where a command is what sets the kernel arguments (grubby on the
   * entries, kernelstub, rpm-ostree), skipping commands would record a
   * setup that never reaches the boot entries, and status would promise it
   * at the next restart. */
  for (guint i = 0; !run_commands && i < commands->len; i++)
    {
      PtCommand *cmd = g_ptr_array_index (commands, i);
      if (cmd->edit)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       _("On this system “%s” is what changes the kernel command line, so with --no-commands the arguments would not be %s. Run it again without --no-commands. Nothing was changed."),
                       cmd->argv[0], pt_plan_is_revert (plan) ? _("taken off") : _("set"));
          return FALSE;
        }
    }

  /* Every path checked before anything is written. */
  for (guint i = 0; i < changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (changes, i);
      char *real;
      if (g_str_equal (c->action, "none") && !c->record)
        continue;
      real = resolve_allowed (paths, c->path, error);
      if (real == NULL)
        return FALSE;
      /* No link on the way either, even one that leads to a file on the
       * list (docs/faults.md). */
      if (!g_str_equal (c->action, "none") && !pt_safe_check_path (paths, c->path, error))
        {
          g_free (real);
          g_prefix_error (error, "%s", _("Nothing was changed. "));
          return FALSE;
        }
      g_ptr_array_add (resolved, real);
      if (!g_str_equal (c->action, "none"))
        g_ptr_array_add (todo, c);
    }
  if (todo->len == 0 && commands->len == 0 && !adopts_setup (plan, old_state))
    {
      progress_emit (progress, user_data, "done", 1.0, _("Nothing to change: the system is already set up this way."));
      return TRUE;
    }

  /* The journal: every file's text before, and the state file's. */
  if (!make_state_dir (paths, "txn", error) || !make_state_dir (paths, "backups", error))
    return FALSE;
  j.files = g_ptr_array_new_with_free_func ((GDestroyNotify) journal_file_free);
  j.edits_run = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  j.regeneration = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < todo->len; i++)
    {
      PtChange *c = g_ptr_array_index (todo, i);
      JournalFile *f = g_new0 (JournalFile, 1);
      g_autofree char *real = resolve_allowed (paths, c->path, error);
      gboolean exists;

      g_ptr_array_add (j.files, f);
      if (real == NULL)
        goto out;
      f->path = g_steal_pointer (&real);
      f->text = pt_engine_read_file (paths, f->path, &exists, error);
      if (f->text == NULL && error && *error)
        goto out;
      f->existed = exists;
      f->mode = pt_safe_mode_of (paths, f->path, 0644);
      /* The plan was made from these bytes; refuse if they moved since. */
      if (g_strcmp0 (f->text, c->before) != 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PLAN_CHANGED,
                       _("%s changed after the plan was made. Nothing was changed; make the plan again."), c->path);
          goto out;
        }
    }
  {
    JournalFile *f = g_new0 (JournalFile, 1);
    gboolean exists;
    f->path = g_strdup (PT_STATE_DIR "/state.json");
    f->text = pt_safe_read (paths, f->path, &exists, error);
    f->existed = exists;
    f->mode = 0600;
    g_ptr_array_add (j.files, f);
    if (f->text == NULL && error && *error)
      goto out;
  }

  /* The space all of it takes, checked before the first write: each file's
   * copy in txn/, its new text beside the old one, a restore's temporary
   * file, the backups, the journal (written up to three times) and the
   * state file, which grows by a history entry. */
  for (guint i = 0; i < j.files->len; i++)
    {
      JournalFile *f = g_ptr_array_index (j.files, i);
      PtChange *c = i < todo->len ? g_ptr_array_index (todo, i) : NULL;
      gsize before = f->text ? strlen (f->text) : 0;

      if (f->existed)
        pt_space_need_add (space, paths, PT_STATE_DIR "/txn/txn", before);
      pt_space_need_add (space, paths, f->path, c ? (c->after ? strlen (c->after) : 0) : before + 4096);
      pt_space_need_add (space, paths, f->path, before);
      if (c != NULL && c->record && c->after != NULL && c->base != NULL && !pt_plan_is_revert (plan))
        pt_space_need_add (space, paths, PT_STATE_DIR "/backups/backup", strlen (c->base));
    }
  for (guint i = 0; i < 3; i++)
    pt_space_need_add (space, paths, PT_STATE_DIR "/journal.json", 1024 + 256 * j.files->len);
  if (!pt_space_need_check (space, paths, error))
    goto out;
  for (guint i = 0; i < commands->len; i++)
    {
      PtCommand *cmd = g_ptr_array_index (commands, i);
      if (!cmd->edit)
        g_ptr_array_add (j.regeneration, g_strdupv (cmd->argv));
    }
  stage = WROTE_COPIES;
  for (guint i = 0; i < j.files->len; i++)
    {
      JournalFile *f = g_ptr_array_index (j.files, i);
      g_autofree char *name = g_strdup_printf ("txn-%u", i);
      g_autofree char *p = g_build_filename (txn_dir, name, NULL);
      if (f->existed && !pt_safe_write (paths, p, f->text, 0600, 0700, FALSE, error))
        goto out;
    }
  /* One sync of txn/ for all the copies, before the journal names them. */
  if (!pt_safe_sync_dir (paths, txn_dir, error) || !journal_write (paths, &j, error))
    goto out;
  stage = WROTE_JOURNAL;
  progress_emit (progress, user_data, "journal", 0.05, _("Journal and backups written."));
  fault ("after-journal");

  /* The texts without Passthrough, for revert: written before any change. */
  gen = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());
  new_state = g_new0 (PtState, 1);
  new_state->files = g_ptr_array_new_with_free_func (NULL);
  g_ptr_array_set_free_func (new_state->files, (GDestroyNotify) NULL);
  {
    guint n = 0;
    for (guint i = 0; i < changes->len; i++)
      {
        PtChange *c = g_ptr_array_index (changes, i);
        PtStateFile *f;
        if (!c->record || c->after == NULL || pt_plan_is_revert (plan))
          continue;
        f = g_new0 (PtStateFile, 1);
        f->path = g_strdup (c->path);
        f->editor = g_strdup (c->editor);
        f->ours = g_strdupv (c->ours);
        f->keep = c->keep;
        f->after_sha256 = pt_sha256_text (c->after);
        if (c->base != NULL)
          {
            g_autofree char *p = NULL;
            f->backup = g_strdup_printf ("%s-%u", gen, n++);
            p = g_build_filename (backup_dir, f->backup, NULL);
            if (!pt_safe_write (paths, p, c->base, 0600, 0700, FALSE, error))
              {
                g_free (f->path); g_free (f->editor); g_strfreev (f->ours);
                g_free (f->after_sha256); g_free (f->backup); g_free (f);
                goto out;
              }
            g_hash_table_add (keep_backups, g_strdup (f->backup));
          }
        g_ptr_array_add (new_state->files, f);
      }
  }
  /* One sync of backups/ for them all, before the first file changes. */
  if (g_hash_table_size (keep_backups) > 0 && !pt_safe_sync_dir (paths, backup_dir, error))
    goto out;
  stage = WROTE_FILES;

  /* The files. */
  for (guint i = 0; i < todo->len; i++)
    {
      PtChange *c = g_ptr_array_index (todo, i);
      JournalFile *f = g_ptr_array_index (j.files, i);
      g_autofree char *step = g_strdup_printf ("after-write-%u", i + 1);
      g_autofree char *msg = g_strdup_printf ("%s %s", c->action, c->path);
      /* A file we create is as readable as the file its text comes from. */
      int mode = c->source != NULL ? pt_safe_mode_of (paths, c->source, 0644) : 0644;

      if (!pt_safe_write (paths, f->path, c->after, mode, 0755, TRUE, error))
        goto roll_back;
      progress_emit (progress, user_data, "write", 0.1 + 0.3 * (i + 1) / todo->len, msg);
      fault (step);
    }
  fault ("before-commands");

  /* The commands. */
  if (run_commands)
    {
      for (guint i = 0; i < commands->len; i++)
        {
          PtCommand *cmd = g_ptr_array_index (commands, i);
          g_autoptr(GError) cmd_error = NULL;
          double fraction = 0.4 + 0.5 * (i + 1) / commands->len;

          /* The journal says which edit commands ran and whether
           * regeneration began; a second regeneration command changes
           * neither, so the journal is not written again for it. */
          gboolean journal_changes = cmd->edit || !j.regeneration_started;

          if (cmd->edit)
            g_ptr_array_add (j.edits_run, g_strdupv (cmd->argv));
          else if (!j.regeneration_started)
            j.regeneration_started = TRUE;
          if (journal_changes && !journal_write (paths, &j, error))
            goto roll_back;
          if (run_command (paths, cmd->argv, fraction, progress, user_data, &cmd_error))
            continue;

          /* A failure: put every file back, undo the edit commands, and
           * regenerate again so the boot files match the restored ones. */
          progress_emit (progress, user_data, "rollback", fraction, cmd_error->message);
          if (!roll_back (paths, &j, &cmd_error))
            {
              /* The next start or revert undoes the edit commands and
               * regenerates, from the journal, once the files are back. */
              g_propagate_error (error, g_steal_pointer (&cmd_error));
              goto out;
            }
          if (cmd->edit)
            g_ptr_array_remove_index (j.edits_run, j.edits_run->len - 1);
          for (guint k = j.edits_run->len; k-- > 0;)
            {
              g_auto(GStrv) inv = invert_argv (g_ptr_array_index (j.edits_run, k));
              run_command (paths, inv, fraction, progress, user_data, NULL);
            }
          if (j.regeneration_started)
            for (guint k = 0; k < j.regeneration->len; k++)
              run_command (paths, g_ptr_array_index (j.regeneration, k), fraction, progress, user_data, NULL);
          if (cmd->edit)
            g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                         _("%s Every file was put back as it was."), cmd_error->message);
          else
            g_set_error (error, PT_ERROR, PT_ERROR_REGENERATION_FAILED,
                         _("%s Every file was put back as it was and the boot files were regenerated again; your system boots as before."),
                         cmd_error->message);
          goto out;
        }
      commands_ran = TRUE;
    }
  fault ("after-commands");

  /* The state file: what is applied now, and the history. */
  new_state->history = json_node_copy (old_state->history);
  if (pt_plan_is_revert (plan))
    {
      new_state->applied = FALSE;
      json_array_add_element (json_node_get_array (new_state->history),
                              history_entry ("revert", devices, commands_ran));
    }
  else
    {
      g_autoptr(JsonNode) summary = pt_plan_dup_summary (plan);
      JsonObject *so = json_node_get_object (summary);
      GStrv ours = pt_plan_get_cmd_ours (plan);

      new_state->applied = TRUE;
      new_state->time = now_iso8601 ();
      new_state->selection = strv_from_json_array (so, "selection");
      new_state->kernel_args = strv_from_json_array (so, "kernel_args");
      new_state->devices = json_node_copy (json_object_get_member (so, "devices"));
      new_state->bootloader = g_strdup (json_object_get_string_member (so, "bootloader"));
      new_state->initramfs = g_strdup (json_object_get_string_member (so, "initramfs"));
      new_state->options = g_strdup (json_object_get_string_member_with_default (so, "options", NULL));
      new_state->trial = json_object_get_boolean_member_with_default (so, "trial", FALSE);
      {
        JsonObject *wb = json_object_get_member (so, "way_back") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (so, "way_back")) ?
                         json_object_get_object_member (so, "way_back") : NULL;
        new_state->way_back_path = wb ? g_strdup (json_object_get_string_member_with_default (wb, "path", NULL)) : NULL;
        new_state->way_back_title = wb ? g_strdup (json_object_get_string_member_with_default (wb, "title", NULL)) : NULL;
      }
      if (new_state->trial)
        new_state->trial_boot_id = pt_state_read_boot_id (paths);
      new_state->boot_id = pt_state_read_boot_id (paths);
      new_state->group_mates = pt_plan_dup_group_mates (plan);
      /* Tokens a command added are ours only once it ran. */
      if (commands_ran || pt_plan_get_cmd_kind (plan) == NULL)
        {
          new_state->cmd_kind = g_strdup (pt_plan_get_cmd_kind (plan));
          new_state->cmd_ours = g_strdupv (ours);
        }
      else
        {
          new_state->cmd_kind = g_strdup (old_state->cmd_kind);
          new_state->cmd_ours = old_state->cmd_ours ? g_strdupv (old_state->cmd_ours) : g_new0 (char *, 1);
        }
      json_array_add_element (json_node_get_array (new_state->history),
                              history_entry (new_state->trial ? "apply-trial" :
                                             old_state->trial ? "confirm" : "apply",
                                             devices, commands_ran));
    }
  /* The history keeps the latest entries only: every call of a long-lived
   * helper reads the state file, and Apply rewrites and syncs it, so an
   * unbounded history made each of them slower and the helper's heap grow
   * with every Apply and Revert ever made. */
  {
    JsonArray *history = json_node_get_array (new_state->history);
    while (json_array_get_length (history) > STATE_HISTORY_MAX)
      json_array_remove_element (history, 0);
  }
  state_text = pt_state_to_json (new_state);
  if (!write_state_file (paths, "state.json", state_text, error))
    goto roll_back;
  fault ("after-state");
  if (!journal_finish (paths, error))
    goto out;

  /* Backups nobody refers to any more. */
  pt_safe_empty_dir (paths, backup_dir, keep_backups, FALSE);
  progress_emit (progress, user_data, "done", 1.0,
                 pt_plan_is_revert (plan) ? _("Everything Passthrough changed is undone; restart to finish.")
                 : todo->len == 0 && commands->len == 0 ?
                   _("Nothing to write: your own configuration already sets this up. Passthrough now follows these devices (“passthroughctl status”); a revert leaves your lines as they are.")
                 : _("Done; restart to finish."));
  ok = TRUE;
  goto out;

roll_back:
  /* Every file back, or the journal stays for the next start or revert. */
  if (roll_back (paths, &j, error) && error != NULL && *error != NULL)
    {
      char *msg = g_strconcat ((*error)->message, " ", _("Every file was put back as it was; nothing was changed."), NULL);
      g_free ((*error)->message);
      (*error)->message = msg;
    }
  stage = WROTE_FILES;

out:
  if (!ok && stage == WROTE_COPIES)
    pt_safe_empty_dir (paths, txn_dir, NULL, TRUE);
  else if (!ok && stage == WROTE_JOURNAL)
    journal_finish (paths, NULL);   /* no file changed yet */
  if (new_state != NULL)
    {
      for (guint i = 0; new_state->files && i < new_state->files->len; i++)
        {
          PtStateFile *f = g_ptr_array_index (new_state->files, i);
          g_free (f->path); g_free (f->editor); g_strfreev (f->ours);
          g_free (f->after_sha256); g_free (f->backup); g_free (f);
        }
      g_ptr_array_set_size (new_state->files, 0);
    }
  journal_clear (&j);
  return ok;
}

gboolean
pt_transaction_apply (PtPaths         *paths,
                      PtPlan          *plan,
                      gboolean         run_commands,
                      PtProgressFunc   progress,
                      gpointer         user_data,
                      GError         **error)
{
  int lock;
  gboolean ok;

  g_return_val_if_fail (PT_IS_PLAN (plan), FALSE);

  if (pt_plan_has_blockers (plan))
    {
      PtIssue *first = g_ptr_array_index (pt_plan_get_blockers (plan), 0);
      g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED, _("Refused: %s"), first->message);
      return FALSE;
    }
  lock = take_lock (paths, error);
  if (lock < 0)
    return FALSE;
  ok = recover_locked (paths, error) &&
       run_plan (paths, plan, run_commands, progress, user_data, error);
  release_lock (lock);
  return ok;
}

gboolean
pt_transaction_revert (PtPaths         *paths,
                       gboolean         run_commands,
                       PtProgressFunc   progress,
                       gpointer         user_data,
                       GError         **error)
{
  g_autoptr(PtPlan) plan = NULL;
  g_autoptr(PtState) state = NULL;
  int lock = take_lock (paths, error);
  gboolean ok = FALSE;

  if (lock < 0)
    return FALSE;
  if (!recover_locked (paths, error))
    goto out;
  state = pt_state_load (paths, error);
  if (state == NULL)
    goto out;
  if (!state->applied)
    {
      progress_emit (progress, user_data, "done", 1.0, _("Nothing to undo: Passthrough has not changed this system."));
      ok = TRUE;
      goto out;
    }
  plan = pt_plan_new_for_revert (paths, NULL, error);
  if (plan == NULL)
    goto out;
  ok = run_plan (paths, plan, run_commands, progress, user_data, error);
out:
  release_lock (lock);
  return ok;
}

gboolean
pt_transaction_confirm_for_topology (PtPaths         *paths,
                                     PtTopology      *topology,
                                     gboolean         run_commands,
                                     PtProgressFunc   progress,
                                     gpointer         user_data,
                                     GError         **error)
{
  g_autoptr(PtState) state = NULL;
  g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
  g_autoptr(GVariant) asv = NULL;
  g_autoptr(PtPlan) plan = NULL;
  int lock = take_lock (paths, error);
  gboolean ok = FALSE;

  if (lock < 0)
    return FALSE;
  if (!recover_locked (paths, error))
    goto out;
  state = pt_state_load (paths, error);
  if (state == NULL)
    goto out;
  if (!state->applied || !state->trial)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("There is no trial to confirm: apply with --trial first."));
      goto out;
    }
  /* The same selection and options, now as the default: the normal edits
   * go in and the trial entry, no longer part of the plan, goes back to
   * what was there before it. */
  if (state->options != NULL)
    asv = g_variant_parse (G_VARIANT_TYPE_VARDICT, state->options, NULL, NULL, NULL);
  if (asv != NULL && !pt_plan_options_set_variant (options, asv, error))
    goto out;
  options->trial = FALSE;
  plan = pt_plan_new_for_selection (paths, topology, (const char *const *) state->selection, options, error);
  if (plan == NULL)
    goto out;
  if (pt_plan_has_blockers (plan))
    {
      PtIssue *first = g_ptr_array_index (pt_plan_get_blockers (plan), 0);
      g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED, _("Cannot confirm: %s"), first->message);
      goto out;
    }
  ok = run_plan (paths, plan, run_commands, progress, user_data, error);
out:
  release_lock (lock);
  return ok;
}

gboolean
pt_transaction_confirm (PtPaths         *paths,
                        gboolean         run_commands,
                        PtProgressFunc   progress,
                        gpointer         user_data,
                        GError         **error)
{
  g_autoptr(PtTopology) topology = pt_topology_new_from_sysfs (paths, error);

  if (topology == NULL)
    return FALSE;
  return pt_transaction_confirm_for_topology (paths, topology, run_commands, progress, user_data, error);
}
