/* pt-plan-json.c: a plan as the JSON that `plan --json`, the helper's
 * Preview and the app's review read, its digest (what Apply must be given
 * back), and the short summary kept in the state's history.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-fix.h"
#include "pt-plan-build.h"

static void
add_issues (JsonBuilder *b,
            const char  *name,
            GPtrArray   *issues)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < issues->len; i++)
    {
      PtIssue *issue = g_ptr_array_index (issues, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, issue->code);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, issue->message);
      json_builder_set_member_name (b, "devices");
      json_builder_begin_array (b);
      for (guint j = 0; issue->devices[j] != NULL; j++)
        json_builder_add_string_value (b, issue->devices[j]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "fixes");
      pt_fix_list_to_builder (b, issue->fixes);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_string_list (JsonBuilder *b,
                 const char  *name,
                 GPtrArray   *list)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (list, i));
  json_builder_end_array (b);
}

static void
add_device_objects (JsonBuilder *b,
                    PtPlan      *self,
                    gboolean     full)
{
  json_builder_begin_array (b);
  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, d->address);
      json_builder_set_member_name (b, "ids");
      json_builder_add_string_value (b, d->ids);
      json_builder_set_member_name (b, "binding");
      json_builder_add_string_value (b, d->binding);
      json_builder_set_member_name (b, "driver_after");
      json_builder_add_string_value (b, d->driver_after);
      if (full)
        {
          json_builder_set_member_name (b, "reason");
          json_builder_add_string_value (b, d->reason);
          json_builder_set_member_name (b, "driver_now");
          if (d->driver_now)
            json_builder_add_string_value (b, d->driver_now);
          else
            json_builder_add_null_value (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* The lines of @text, stripped, as a set (empty lines left out: they
 * tell nothing). */
static GHashTable *
line_set (const char *text)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = g_strsplit (text ? text : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] != '\0')
        g_hash_table_add (set, g_strdup (lines[i]));
    }
  return set;
}

static gboolean
line_in (GHashTable *set,
         const char *diff_line)
{
  g_autofree char *stripped = g_strstrip (g_strdup (diff_line + 1));

  return set != NULL && stripped[0] != '\0' && g_hash_table_contains (set, stripped);
}

/* @c's diff without the lines a caller who cannot read the file itself
 * (its context and old lines, and new lines it already held) or the file
 * its text is copied from (new lines found in it) should not see; each run
 * of withheld lines becomes one "\ …" note line.  NULL when nothing is
 * withheld; *@out_why then stays NULL. */
static char *
withhold_lines (PtChange      *c,
                PtPlanCanRead  can_read,
                gpointer       user_data,
                char         **out_why)
{
  gboolean file_hidden = c->before != NULL && !can_read (c->path, user_data);
  gboolean source_hidden = c->source != NULL && !can_read (c->source, user_data);
  g_autoptr(GHashTable) own = NULL;
  g_autoptr(GHashTable) copied = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out;
  guint run = 0, total = 0;

  if (!file_hidden && !source_hidden)
    return NULL;
  own = file_hidden ? line_set (c->before) : NULL;
  copied = source_hidden ? line_set (c->source_text) : NULL;
  lines = g_strsplit (c->diff ? c->diff : "", "\n", -1);
  out = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      gboolean hide = FALSE;

      if (g_str_has_prefix (l, "---") || g_str_has_prefix (l, "+++") || g_str_has_prefix (l, "@@") || l[0] == '\0')
        hide = FALSE;
      else if (file_hidden && (l[0] == ' ' || l[0] == '-'))
        hide = TRUE;
      else if (l[0] == '+' && (line_in (own, l) || line_in (copied, l)))
        hide = TRUE;
      if (hide)
        {
          run++;
          total++;
          continue;
        }
      if (run > 0)
        g_string_append_printf (out, "\\ %s\n", ngettext ("(one line withheld)", "(lines withheld)", run));
      run = 0;
      g_string_append (out, l);
      if (lines[i + 1] != NULL)
        g_string_append_c (out, '\n');
    }
  if (run > 0)
    g_string_append_printf (out, "\\ %s\n", ngettext ("(one line withheld)", "(lines withheld)", run));
  if (total == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  {
    g_autofree char *both = g_strdup_printf (_("%s and %s"), c->path, c->source);
    *out_why = g_strdup_printf (ngettext ("%u line is withheld: it comes from %s, which you cannot read yourself. Run “passthroughctl plan” as root to see it.",
                                          "%u lines are withheld: they come from %s, which you cannot read yourself. Run “passthroughctl plan” as root to see them.",
                                          total),
                                total, file_hidden && source_hidden ? both : file_hidden ? c->path : c->source);
  }
  return g_string_free (out, FALSE);
}

static JsonNode *
plan_to_node (PtPlan        *self,
              PtPlanCanRead  can_read,
              gpointer       user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "revert");
  json_builder_add_boolean_value (b, self->revert);
  json_builder_set_member_name (b, "trial");
  json_builder_add_boolean_value (b, self->trial);
  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->devices->len; i++)
    json_builder_add_string_value (b, ((PlanDevice *) g_ptr_array_index (self->devices, i))->address);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "device_details");
  add_device_objects (b, self, TRUE);
  json_builder_set_member_name (b, "binding");
  json_builder_add_string_value (b, self->binding);
  json_builder_set_member_name (b, "bootloader");
  json_builder_add_string_value (b, pt_boot_path_name (self->setup->bootloader));
  json_builder_set_member_name (b, "bootloader_evidence");
  if (self->setup->evidence)
    json_builder_add_string_value (b, self->setup->evidence);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "initramfs");
  json_builder_add_string_value (b, pt_initramfs_to_string (self->setup->initramfs));
  add_string_list (b, "kernel_args", self->kernel_args);
  json_builder_set_member_name (b, "way_back");
  pt_way_back_to_builder (b, self->way_back_path, self->way_back_title);
  json_builder_set_member_name (b, "changes");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (g_str_equal (c->action, "none"))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, c->path);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, c->action);
      {
        g_autofree char *why = NULL;
        g_autofree char *shown = can_read ? withhold_lines (c, can_read, user_data, &why) : NULL;

        json_builder_set_member_name (b, "diff");
        json_builder_add_string_value (b, shown ? shown : c->diff);
        if (why != NULL)
          {
            json_builder_set_member_name (b, "withheld");
            json_builder_add_string_value (b, why);
          }
      }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* What the person's own files already carry of the plan (a hand-made
   * setup): not added again, not taken away by revert. */
  json_builder_set_member_name (b, "already_there");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (!c->whole_already && (c->already == NULL || c->already[0] == NULL))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, c->path);
      json_builder_set_member_name (b, "tool");
      json_builder_add_null_value (b);
      json_builder_set_member_name (b, "whole");
      json_builder_add_boolean_value (b, c->whole_already);
      json_builder_set_member_name (b, "items");
      json_builder_begin_array (b);
      for (guint k = 0; c->already && c->already[k] != NULL; k++)
        json_builder_add_string_value (b, c->already[k]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  if (self->cmd_already->len > 0)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_null_value (b);
      json_builder_set_member_name (b, "tool");
      json_builder_add_string_value (b, self->cmd_kind);
      json_builder_set_member_name (b, "whole");
      json_builder_add_boolean_value (b, FALSE);
      add_string_list (b, "items", self->cmd_already);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "commands");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->commands->len; i++)
    {
      PtCommand *cmd = g_ptr_array_index (self->commands, i);
      json_builder_begin_array (b);
      for (guint j = 0; cmd->argv[j] != NULL; j++)
        json_builder_add_string_value (b, cmd->argv[j]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  add_issues (b, "warnings", self->warnings);
  add_issues (b, "blockers", self->blockers);
  add_issues (b, "not_known", self->not_known);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pt_plan_to_json_for_reader (PtPlan        *self,
                            gboolean       pretty,
                            PtPlanCanRead  can_read,
                            gpointer       user_data)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = plan_to_node (self, can_read, user_data);

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  return json_generator_to_data (gen, NULL);
}

char *
pt_plan_to_json (PtPlan   *self,
                 gboolean  pretty)
{
  return pt_plan_to_json_for_reader (self, pretty, NULL, NULL);
}

char *
pt_plan_dup_digest_for_reader (PtPlan        *self,
                               PtPlanCanRead  can_read,
                               gpointer       user_data)
{
  g_autofree char *json = pt_plan_to_json_for_reader (self, FALSE, can_read, user_data);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);
}

char *
pt_plan_dup_digest (PtPlan *self)
{
  return pt_plan_dup_digest_for_reader (self, NULL, NULL);
}

JsonNode *
pt_plan_dup_summary (PtPlan *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string_list (b, "selection", self->selection);
  json_builder_set_member_name (b, "devices");
  add_device_objects (b, self, FALSE);
  add_string_list (b, "kernel_args", self->kernel_args);
  json_builder_set_member_name (b, "bootloader");
  json_builder_add_string_value (b, pt_boot_path_name (self->setup->bootloader));
  json_builder_set_member_name (b, "initramfs");
  json_builder_add_string_value (b, pt_initramfs_to_string (self->setup->initramfs));
  json_builder_set_member_name (b, "trial");
  json_builder_add_boolean_value (b, self->trial);
  json_builder_set_member_name (b, "options");
  json_builder_add_string_value (b, self->options_text ? self->options_text : "@a{sv} {}");
  json_builder_set_member_name (b, "way_back");
  pt_way_back_to_builder (b, self->way_back_path, self->way_back_title);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
