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

static JsonNode *
plan_to_node (PtPlan *self)
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
  json_builder_add_string_value (b, pt_bootloader_to_string (self->setup->bootloader));
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
      json_builder_set_member_name (b, "diff");
      json_builder_add_string_value (b, c->diff);
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
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pt_plan_to_json (PtPlan   *self,
                 gboolean  pretty)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = plan_to_node (self);

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  return json_generator_to_data (gen, NULL);
}

char *
pt_plan_dup_digest (PtPlan *self)
{
  g_autofree char *json = pt_plan_to_json (self, FALSE);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);
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
  json_builder_add_string_value (b, pt_bootloader_to_string (self->setup->bootloader));
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
