/* pt-state.c: the state file (what is applied, with which backups, and the
 * history) and small helpers the plan and the transaction share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-edit.h"
#include "pt-error.h"
#include "pt-plan-private.h"
#include "pt-safe-file.h"

void
pt_change_free (PtChange *change)
{
  if (change == NULL)
    return;
  g_free (change->path);
  g_free (change->action);
  g_free (change->before);
  g_free (change->after);
  g_free (change->diff);
  g_free (change->editor);
  g_strfreev (change->ours);
  g_strfreev (change->already);
  g_free (change->base);
  g_free (change->source);
  g_free (change->source_text);
  g_free (change);
}

void
pt_command_free (PtCommand *command)
{
  if (command == NULL)
    return;
  g_strfreev (command->argv);
  g_free (command);
}

void
pt_issue_free (PtIssue *issue)
{
  if (issue == NULL)
    return;
  g_free (issue->code);
  g_free (issue->message);
  g_strfreev (issue->devices);
  g_clear_pointer (&issue->fixes, g_ptr_array_unref);
  g_free (issue);
}

static void
state_file_free (PtStateFile *file)
{
  g_free (file->path);
  g_free (file->backup);
  g_free (file->after_sha256);
  g_free (file->editor);
  g_strfreev (file->ours);
  g_free (file);
}

void
pt_state_free (PtState *state)
{
  if (state == NULL)
    return;
  g_free (state->time);
  g_ptr_array_unref (state->files);
  g_strfreev (state->selection);
  if (state->devices)
    json_node_unref (state->devices);
  g_strfreev (state->kernel_args);
  g_free (state->bootloader);
  g_free (state->initramfs);
  g_free (state->trial_boot_id);
  g_free (state->boot_id);
  if (state->group_mates)
    json_node_unref (state->group_mates);
  g_free (state->options);
  g_free (state->cmd_kind);
  g_strfreev (state->cmd_ours);
  g_free (state->way_back_path);
  g_free (state->way_back_title);
  if (state->history)
    json_node_unref (state->history);
  g_free (state);
}

char *
pt_sha256_text (const char *text)
{
  if (text == NULL)
    return NULL;
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/* NULL with *out_exists FALSE for a missing file; NULL with an error for a
 * file that is there but cannot be read (or holds a NUL byte: not a text
 * file we would edit). */
char *
pt_engine_read_file (PtPaths    *paths,
                     const char *system_path,
                     gboolean   *out_exists,
                     GError    **error)
{
  g_autofree char *path = pt_paths_build (paths, system_path + 1, NULL);
  g_autoptr(GError) local_error = NULL;
  char *text = NULL;
  gsize len;

  if (out_exists)
    *out_exists = FALSE;
  if (!g_file_get_contents (path, &text, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("Cannot read %s: %s. Nothing was changed."), path, local_error->message);
      return NULL;
    }
  if (strlen (text) != len)
    {
      g_free (text);
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("%s is not a text file (it holds a NUL byte); Passthrough will not edit it. Nothing was changed."),
                   path);
      return NULL;
    }
  if (out_exists)
    *out_exists = TRUE;
  return text;
}

/* {"path", "title"} of the "without passthrough" entry, or null. */
void
pt_way_back_to_builder (JsonBuilder *b,
                        const char  *path,
                        const char  *title)
{
  if (path == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "title");
  if (title != NULL)
    json_builder_add_string_value (b, title);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

static JsonNode *
empty_array_node (void)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);   /* the node holds its own reference */
  return node;
}

static GStrv
strv_member (JsonObject *obj,
             const char *name)
{
  GStrvBuilder *b = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (obj, name);
  GStrv out;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *el = json_array_get_element (a, i);
          if (JSON_NODE_HOLDS_VALUE (el) && json_node_get_value_type (el) == G_TYPE_STRING)
            g_strv_builder_add (b, json_node_get_string (el));
        }
    }
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static char *
string_member (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static gboolean
bad_state (const char *path,
           const char *what,
           GError    **error)
{
  g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
               _("The state file %s is damaged (%s). Move it away only if you are sure nothing is applied; "
                 "the backups beside it hold the original files."), path, what);
  return FALSE;
}

PtState *
pt_state_load (PtPaths  *paths,
               GError  **error)
{
  g_autofree char *path = pt_paths_build (paths, "var/lib/passthrough/state.json", NULL);
  g_autoptr(PtState) state = g_new0 (PtState, 1);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  JsonObject *root, *applied;
  JsonNode *node;
  gboolean exists;

  state->files = g_ptr_array_new_with_free_func ((GDestroyNotify) state_file_free);
  /* Never through a link: var/lib/passthrough is ours alone. */
  text = pt_safe_read (paths, PT_STATE_DIR "/state.json", &exists, error);
  if (text == NULL && !exists)
    {
      if (error && *error)
        return NULL;
      state->history = empty_array_node ();
      return g_steal_pointer (&state);
    }
  if (text == NULL)
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, -1, &local_error))
    {
      bad_state (path, local_error->message, error);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      bad_state (path, "not a JSON object", error);
      return NULL;
    }
  root = json_node_get_object (node);
  if (json_object_get_int_member_with_default (root, "format", 0) != PT_STATE_FORMAT)
    {
      bad_state (path, "an unknown format version", error);
      return NULL;
    }

  node = json_object_get_member (root, "history");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    state->history = json_node_copy (node);
  else
    state->history = empty_array_node ();

  node = json_object_get_member (root, "applied");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_steal_pointer (&state);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      bad_state (path, "“applied” is not an object", error);
      return NULL;
    }
  applied = json_node_get_object (node);
  state->applied = TRUE;
  state->time = string_member (applied, "time");
  state->selection = strv_member (applied, "selection");
  state->kernel_args = strv_member (applied, "kernel_args");
  state->bootloader = string_member (applied, "bootloader");
  state->initramfs = string_member (applied, "initramfs");
  state->trial = json_object_get_boolean_member_with_default (applied, "trial", FALSE);
  state->trial_boot_id = string_member (applied, "trial_boot_id");
  state->boot_id = string_member (applied, "boot_id");
  node = json_object_get_member (applied, "group_mates");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    state->group_mates = json_node_copy (node);
  state->options = string_member (applied, "options");
  state->cmd_kind = string_member (applied, "cmd_kind");
  state->cmd_ours = strv_member (applied, "cmd_ours");
  node = json_object_get_member (applied, "way_back");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      state->way_back_path = string_member (json_node_get_object (node), "path");
      state->way_back_title = string_member (json_node_get_object (node), "title");
    }
  node = json_object_get_member (applied, "devices");
  state->devices = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_copy (node)
                   : empty_array_node ();

  node = json_object_get_member (applied, "files");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *files = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (files); i++)
        {
          JsonNode *el = json_array_get_element (files, i);
          JsonObject *fo;
          PtStateFile *f;

          if (!JSON_NODE_HOLDS_OBJECT (el))
            {
              bad_state (path, "a file record is not an object", error);
              return NULL;
            }
          fo = json_node_get_object (el);
          f = g_new0 (PtStateFile, 1);
          f->path = string_member (fo, "path");
          f->backup = string_member (fo, "backup");
          f->after_sha256 = string_member (fo, "after_sha256");
          f->editor = string_member (fo, "editor");
          f->ours = strv_member (fo, "ours");
          f->keep = json_object_get_boolean_member_with_default (fo, "keep", FALSE);
          g_ptr_array_add (state->files, f);
          if (f->path == NULL || f->path[0] != '/' || f->editor == NULL ||
              (f->backup != NULL && strchr (f->backup, '/') != NULL))
            {
              bad_state (path, "a file record lacks its path or editor", error);
              return NULL;
            }
        }
    }
  return g_steal_pointer (&state);
}

char *
pt_state_read_backup (PtPaths     *paths,
                      PtStateFile *file,
                      GError     **error)
{
  g_autofree char *rel = NULL;
  gboolean exists;
  char *text;

  if (file->backup == NULL)
    return NULL;
  rel = g_build_filename (PT_STATE_DIR, "backups", file->backup, NULL);
  text = pt_safe_read (paths, rel, &exists, error);
  if (text == NULL && !exists && (error == NULL || *error == NULL))
    g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                 _("The backup of %s (%s) is missing."), file->path, rel);
  return text;
}

/* GRUB's custom.cfg: each of our blocks is appended whole and removed
 * from its BEGIN line to its END line, whatever is inside by then; every
 * other byte of the file stays. */
char *
pt_engine_edit_custom_blocks (const char        *text,
                              const char *const *add,
                              const char *const *remove)
{
  static const char *const markers[][2] = {
    { PT_TRIAL_BEGIN, PT_TRIAL_END },
    { PT_WAY_BACK_BEGIN, PT_WAY_BACK_END },
  };
  GString *out = g_string_new (text);

  for (guint m = 0; remove[0] != NULL && m < G_N_ELEMENTS (markers); m++)
    {
      char *begin;
      while ((begin = strstr (out->str, markers[m][0])) != NULL)
        {
          char *end = strstr (begin, markers[m][1]);
          gsize from = begin - out->str, to;
          if (end == NULL)
            break;
          to = (end - out->str) + strlen (markers[m][1]);
          if (out->str[to] == '\n')
            to++;
          g_string_erase (out, from, to - from);
        }
    }
  for (guint i = 0; add[i] != NULL; i++)
    {
      g_autofree char *first_line = g_strndup (add[i], strcspn (add[i], "\n"));
      if (strstr (out->str, first_line) != NULL)
        continue;
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append_c (out, '\n');
      g_string_append (out, add[i]);
    }
  return g_string_free (out, FALSE);
}

char *
pt_engine_apply_editor (const char        *editor,
                        const char        *text,
                        const char *const *add,
                        const char *const *remove,
                        GError           **error)
{
  static const char *const none[] = { NULL };
  const PtBootEditor *e;
  const char *argument = NULL;

  if (add == NULL)
    add = none;
  if (remove == NULL)
    remove = none;
  /* Every editor a state may name, through the boot-path registry: the
   * names are frozen (a state of an older release names the same). */
  e = pt_boot_editor_find (editor, &argument);
  if (e != NULL)
    return e->edit (text ? text : "", argument, add, remove, error);
  g_set_error (error, PT_ERROR, PT_ERROR_FAILED, "unknown editor %s", editor);
  return NULL;
}

/* The command line the running kernel got: proc/cmdline under the root,
 * else what the topology (a snapshot) recorded. */
char *
pt_engine_running_cmdline (PtPaths    *paths,
                           PtTopology *topology)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "cmdline", NULL);
  char *text = NULL;

  if (g_file_get_contents (path, &text, NULL, NULL))
    return g_strstrip (text);
  if (topology != NULL && pt_topology_get_cmdline (topology) != NULL)
    return g_strdup (pt_topology_get_cmdline (topology));
  return g_strdup ("");
}

static void
add_strv (JsonBuilder *b,
          const char  *name,
          GStrv        v)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; v != NULL && v[i] != NULL; i++)
    json_builder_add_string_value (b, v[i]);
  json_builder_end_array (b);
}

char *
pt_state_to_json (PtState *state)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, PT_STATE_FORMAT);
  json_builder_set_member_name (b, "applied");
  if (!state->applied)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "time");
      json_builder_add_string_value (b, state->time);
      add_strv (b, "selection", state->selection);
      json_builder_set_member_name (b, "devices");
      json_builder_add_value (b, json_node_copy (state->devices));
      add_strv (b, "kernel_args", state->kernel_args);
      json_builder_set_member_name (b, "bootloader");
      json_builder_add_string_value (b, state->bootloader);
      json_builder_set_member_name (b, "initramfs");
      json_builder_add_string_value (b, state->initramfs);
      json_builder_set_member_name (b, "trial");
      json_builder_add_boolean_value (b, state->trial);
      json_builder_set_member_name (b, "trial_boot_id");
      if (state->trial_boot_id)
        json_builder_add_string_value (b, state->trial_boot_id);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "options");
      if (state->options)
        json_builder_add_string_value (b, state->options);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "cmd_kind");
      if (state->cmd_kind)
        json_builder_add_string_value (b, state->cmd_kind);
      else
        json_builder_add_null_value (b);
      add_strv (b, "cmd_ours", state->cmd_ours);
      /* written only when known: a state without them reads as before */
      if (state->boot_id)
        {
          json_builder_set_member_name (b, "boot_id");
          json_builder_add_string_value (b, state->boot_id);
        }
      if (state->group_mates)
        {
          json_builder_set_member_name (b, "group_mates");
          json_builder_add_value (b, json_node_copy (state->group_mates));
        }
      json_builder_set_member_name (b, "way_back");
      pt_way_back_to_builder (b, state->way_back_path, state->way_back_title);
      json_builder_set_member_name (b, "files");
      json_builder_begin_array (b);
      for (guint i = 0; i < state->files->len; i++)
        {
          PtStateFile *f = g_ptr_array_index (state->files, i);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, f->path);
          json_builder_set_member_name (b, "backup");
          if (f->backup)
            json_builder_add_string_value (b, f->backup);
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "after_sha256");
          if (f->after_sha256)
            json_builder_add_string_value (b, f->after_sha256);
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "editor");
          json_builder_add_string_value (b, f->editor);
          add_strv (b, "ours", f->ours);
          json_builder_set_member_name (b, "keep");
          json_builder_add_boolean_value (b, f->keep);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "history");
  json_builder_add_value (b, json_node_copy (state->history));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* The running boot's random id: a trial armed in this boot has not been
 * booted yet. */
char *
pt_state_read_boot_id (PtPaths *paths)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "sys", "kernel", "random", "boot_id", NULL);
  char *id = NULL;

  if (!g_file_get_contents (path, &id, NULL, NULL))
    return NULL;
  g_strstrip (id);
  return id;
}
