/* pt-topology-json.c: the snapshot format, which is also `list --json`.
 *
 * Reading is strict: a snapshot travels between people, so anything odd in it
 * is an error naming where it is, never a guess.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <json-glib/json-glib.h>
#include <string.h>

#include "pt-error.h"
#include "pt-json-depth.h"
#include "pt-json-writer.h"
#include "pt-topology-private.h"

static void
add_string (PtJsonWriter *w,
            const char   *name,
            const char   *value)
{
  pt_json_key (w, name);
  pt_json_string (w, value);
}

static void
add_bool (PtJsonWriter *w,
          const char   *name,
          gboolean      value)
{
  pt_json_key (w, name);
  pt_json_bool (w, value);
}

/* Lower-case hex with a fixed number of digits; printf costs more than the
 * rest of writing a device. */
static void
add_hex (PtJsonWriter *w,
         const char   *name,
         guint         digits,
         guint32       value)
{
  static const char xdigits[] = "0123456789abcdef";
  char buf[9];

  g_assert (digits < sizeof buf);
  for (guint i = 0; i < digits; i++)
    buf[digits - 1 - i] = xdigits[(value >> (4 * i)) & 0xf];
  buf[digits] = '\0';
  add_string (w, name, buf);
}

static void
add_strv (PtJsonWriter *w,
          const char   *name,
          GPtrArray    *values)
{
  pt_json_key (w, name);
  pt_json_begin_array (w);
  for (guint i = 0; i < values->len; i++)
    pt_json_string (w, g_ptr_array_index (values, i));
  pt_json_end_array (w);
}

static const char *const port_types[] = {
  "endpoint", "legacy-endpoint", NULL, NULL, "root-port", "upstream-port", "downstream-port",
  "pcie-to-pci-bridge", "pci-to-pcie-bridge", "integrated-endpoint", "event-collector",
};

static void
add_int_or_null (PtJsonWriter *w,
                 const char   *name,
                 int           value,
                 int           lowest)
{
  pt_json_key (w, name);
  if (value >= lowest)
    pt_json_int (w, value);
  else
    pt_json_null (w);
}

/* The slot advisor's facts (pt-pcie.c), only where sysfs gave some: older
 * snapshots have no "pcie" and load as "unknown". */
static void
add_pcie (PtJsonWriter *w,
          PtDevice     *dev)
{
  if (dev->secondary_bus < 0 && dev->port_type < 0 && dev->acs < 0 &&
      dev->max_link_width <= 0 && dev->slot_name == NULL)
    return;
  pt_json_key (w, "pcie");
  pt_json_begin_object (w);
  add_int_or_null (w, "secondary_bus", dev->secondary_bus, 0);
  add_string (w, "port_type",
              dev->port_type >= 0 && dev->port_type < (int) G_N_ELEMENTS (port_types) ?
              port_types[dev->port_type] : NULL);
  pt_json_key (w, "acs");
  if (dev->acs < 0)
    pt_json_null (w);
  else
    pt_json_bool (w, dev->acs > 0);
  add_int_or_null (w, "link_width", dev->link_width, 1);
  add_int_or_null (w, "max_link_width", dev->max_link_width, 1);
  add_string (w, "link_speed", dev->link_speed);
  add_string (w, "max_link_speed", dev->max_link_speed);
  add_string (w, "slot", dev->slot_name);
  pt_json_end_object (w);
}

static void
add_device (PtJsonWriter *w,
            PtDevice     *dev)
{
  pt_json_begin_object (w);
  add_string (w, "address", dev->address);
  add_hex (w, "vendor", 4, dev->vendor);
  add_hex (w, "device", 4, dev->device);
  add_hex (w, "subsystem_vendor", 4, dev->subsystem_vendor);
  add_hex (w, "subsystem_device", 4, dev->subsystem_device);
  add_hex (w, "class", 6, dev->class_code);
  add_hex (w, "revision", 2, dev->revision);
  add_string (w, "kind", pt_device_kind_to_string (dev->kind));
  add_string (w, "vendor_name", dev->vendor_name);
  add_string (w, "device_name", dev->device_name);
  add_string (w, "subsystem_name", dev->subsystem_name);
  add_string (w, "class_name", dev->class_name);
  add_string (w, "driver", dev->driver);
  add_bool (w, "driver_builtin", dev->driver_builtin);
  add_bool (w, "boot_vga", dev->boot_vga);
  add_string (w, "reset_method", dev->reset_method);
  add_string (w, "parent", dev->parent);
  add_string (w, "physfn", dev->physfn);
  add_strv (w, "virtfns", dev->virtfns);
  add_strv (w, "slot_functions", dev->slot_functions);
  add_strv (w, "shares_group_with", dev->shares_group_with);
  add_strv (w, "same_ids_as", dev->same_ids_as);
  add_strv (w, "holds", dev->holds);
  add_bool (w, "default_route", dev->default_route);
  add_pcie (w, dev);
  pt_json_end_object (w);
}

static void
add_device_list (PtJsonWriter *w,
                 GListModel   *devices)
{
  guint n = g_list_model_get_n_items (devices);

  pt_json_begin_array (w);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      add_device (w, dev);
    }
  pt_json_end_array (w);
}

char *
pt_topology_to_json (PtTopology *self,
                     gboolean    pretty)
{
  PtJsonWriter w;
  guint n_groups = g_list_model_get_n_items (G_LIST_MODEL (self->groups));

  pt_json_writer_init (&w, pretty);
  pt_json_begin_object (&w);
  pt_json_key (&w, "format");
  pt_json_int (&w, PT_SNAPSHOT_FORMAT);
  add_string (&w, "cpu_vendor", self->cpu_vendor);
  add_string (&w, "cmdline", self->cmdline);
  add_string (&w, "kernel_release", self->kernel_release);
  add_string (&w, "cpu_model", self->cpu_model);
  add_string (&w, "board_vendor", self->board_vendor);
  add_string (&w, "board_name", self->board_name);
  add_string (&w, "product_name", self->product_name);
  pt_json_key (&w, "iommu");
  pt_json_begin_object (&w);
  add_bool (&w, "enabled", self->iommu_enabled);
  add_string (&w, "vendor", self->iommu_vendor);
  pt_json_end_object (&w);

  pt_json_key (&w, "groups");
  pt_json_begin_array (&w);
  for (guint g = 0; g < n_groups; g++)
    {
      g_autoptr(PtGroup) group = g_list_model_get_item (G_LIST_MODEL (self->groups), g);
      pt_json_begin_object (&w);
      pt_json_key (&w, "id");
      pt_json_int (&w, pt_group_get_id (group));
      pt_json_key (&w, "devices");
      add_device_list (&w, pt_group_get_devices (group));
      pt_json_end_object (&w);
    }
  pt_json_end_array (&w);

  pt_json_key (&w, "ungrouped");
  add_device_list (&w, G_LIST_MODEL (self->ungrouped));
  pt_json_end_object (&w);
  return pt_json_writer_finish (&w);
}

/* ---- reading ---------------------------------------------------------- */

typedef struct
{
  const char *where;   /* "device 0000:01:00.0" or "group 14, device 2" */
  GError    **error;
} Ctx;

static gboolean
fail (Ctx        *ctx,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Ctx        *ctx,
      const char *format,
      ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (ctx->error, PT_ERROR, PT_ERROR_PARSE, _("The snapshot is not valid: %s%s%s."),
               ctx->where ? ctx->where : "", ctx->where ? ": " : "", msg);
  return FALSE;
}

static gboolean
get_optional_string (Ctx        *ctx,
                     JsonObject *obj,
                     const char *name,
                     char      **out)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (ctx, _("“%s” must be a string or null"), name);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_bool (Ctx        *ctx,
          JsonObject *obj,
          const char *name,
          gboolean   *out)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (ctx, _("“%s” must be true or false"), name);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_hex (Ctx        *ctx,
         JsonObject *obj,
         const char *name,
         guint       digits,
         gboolean    required,
         guint32    *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  const char *s;

  *out = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? fail (ctx, _("“%s” is missing"), name) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (ctx, _("“%s” must be a string of %u hexadecimal digits"), name, digits);
  s = json_node_get_string (node);
  if (strlen (s) != digits)
    return fail (ctx, _("“%s” is “%s”, not %u hexadecimal digits"), name, s, digits);
  for (guint i = 0; i < digits; i++)
    if (!g_ascii_isxdigit (s[i]))
      return fail (ctx, _("“%s” is “%s”, not %u hexadecimal digits"), name, s, digits);
  *out = (guint32) g_ascii_strtoull (s, NULL, 16);
  return TRUE;
}

/* A list of strings; with ADDRESSES, each must be a PCI address. */
static gboolean
get_string_list (Ctx        *ctx,
                 JsonObject *obj,
                 const char *name,
                 gboolean    addresses,
                 GPtrArray  *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return addresses ? fail (ctx, _("“%s” must be a list of addresses"), name)
                     : fail (ctx, _("“%s” must be a list"), name);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *el = json_array_get_element (array, i);
      const char *s;
      if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING)
        return fail (ctx, _("“%s” must be a list of strings"), name);
      s = json_node_get_string (el);
      if (addresses && !pt_address_is_valid (s))
        return fail (ctx, _("“%s” holds “%s”, which is not a PCI address like 0000:01:00.0"), name, s);
      g_ptr_array_add (out, g_strdup (s));
    }
  return TRUE;
}

/* An optional whole number from LOWEST to HIGHEST, or null. */
static gboolean
get_optional_int (Ctx        *ctx,
                  JsonObject *obj,
                  const char *name,
                  int         lowest,
                  int         highest,
                  int        *out)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < lowest || json_node_get_int (node) > highest)
    return fail (ctx, _("“%s” must be a whole number from %d to %d, or null"), name, lowest, highest);
  *out = (int) json_node_get_int (node);
  return TRUE;
}

static gboolean
read_pcie (Ctx        *ctx,
           JsonObject *device,
           PtDevice   *dev)
{
  JsonNode *node = json_object_get_member (device, "pcie");
  g_autofree char *port_type = NULL;
  JsonObject *obj;
  JsonNode *acs;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (ctx, _("“pcie” must be an object or null"));
  obj = json_node_get_object (node);
  if (!get_optional_int (ctx, obj, "secondary_bus", 0, 255, &dev->secondary_bus) ||
      !get_optional_int (ctx, obj, "link_width", 1, 32, &dev->link_width) ||
      !get_optional_int (ctx, obj, "max_link_width", 1, 32, &dev->max_link_width) ||
      !get_optional_string (ctx, obj, "port_type", &port_type) ||
      !get_optional_string (ctx, obj, "link_speed", &dev->link_speed) ||
      !get_optional_string (ctx, obj, "max_link_speed", &dev->max_link_speed) ||
      !get_optional_string (ctx, obj, "slot", &dev->slot_name))
    return FALSE;
  if (port_type != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (port_types); i++)
        if (port_types[i] != NULL && g_str_equal (port_types[i], port_type))
          dev->port_type = (int) i;
      if (dev->port_type < 0)
        return fail (ctx, _("“port_type” is “%s”; expected root-port, upstream-port, downstream-port, endpoint or another PCI Express port type"),
                     port_type);
    }
  acs = json_object_get_member (obj, "acs");
  if (acs != NULL && !JSON_NODE_HOLDS_NULL (acs))
    {
      if (!JSON_NODE_HOLDS_VALUE (acs) || json_node_get_value_type (acs) != G_TYPE_BOOLEAN)
        return fail (ctx, _("“acs” must be true, false or null"));
      dev->acs = json_node_get_boolean (acs) ? 1 : 0;
    }
  return TRUE;
}

static PtDevice *
read_device (Ctx        *ctx,
             JsonNode   *node,
             int         group_id)
{
  g_autoptr(PtDevice) dev = NULL;
  g_autofree char *address = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *where = NULL;
  JsonObject *obj;
  guint32 v;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (ctx, _("a device must be an object"));
      return NULL;
    }
  obj = json_node_get_object (node);
  if (!get_optional_string (ctx, obj, "address", &address))
    return NULL;
  if (address == NULL || !pt_address_is_valid (address))
    {
      fail (ctx, _("a device has the address “%s”; expected the full form, like 0000:01:00.0"),
            address ? address : "(none)");
      return NULL;
    }
  where = g_strdup_printf ("device %s", address);
  ctx->where = where;

  dev = pt_device_new (address);
  dev->group_id = group_id;
  if (!get_hex (ctx, obj, "vendor", 4, TRUE, &v)) return NULL;
  dev->vendor = v;
  if (!get_hex (ctx, obj, "device", 4, TRUE, &v)) return NULL;
  dev->device = v;
  if (!get_hex (ctx, obj, "class", 6, TRUE, &v)) return NULL;
  dev->class_code = v;
  if (!get_hex (ctx, obj, "subsystem_vendor", 4, FALSE, &v)) return NULL;
  dev->subsystem_vendor = v;
  if (!get_hex (ctx, obj, "subsystem_device", 4, FALSE, &v)) return NULL;
  dev->subsystem_device = v;
  if (!get_hex (ctx, obj, "revision", 2, FALSE, &v)) return NULL;
  dev->revision = v;

  if (!get_optional_string (ctx, obj, "kind", &kind))
    return NULL;
  pt_device_update_kind (dev);
  if (kind != NULL && !pt_device_kind_from_string (kind, &dev->kind))
    {
      fail (ctx, _("“kind” is “%s”; expected gpu, audio, usb, network, storage, bridge or other"), kind);
      return NULL;
    }

  if (!get_optional_string (ctx, obj, "vendor_name", &dev->vendor_name) ||
      !get_optional_string (ctx, obj, "device_name", &dev->device_name) ||
      !get_optional_string (ctx, obj, "subsystem_name", &dev->subsystem_name) ||
      !get_optional_string (ctx, obj, "class_name", &dev->class_name) ||
      !get_optional_string (ctx, obj, "driver", &dev->driver) ||
      !get_optional_string (ctx, obj, "reset_method", &dev->reset_method) ||
      !get_optional_string (ctx, obj, "parent", &dev->parent) ||
      !get_optional_string (ctx, obj, "physfn", &dev->physfn) ||
      !get_bool (ctx, obj, "boot_vga", &dev->boot_vga) ||
      !get_bool (ctx, obj, "driver_builtin", &dev->driver_builtin) ||
      !get_bool (ctx, obj, "default_route", &dev->default_route) ||
      !get_string_list (ctx, obj, "virtfns", TRUE, dev->virtfns) ||
      !get_string_list (ctx, obj, "holds", FALSE, dev->holds))
    return NULL;
  if ((dev->parent && !pt_address_is_valid (dev->parent)) ||
      (dev->physfn && !pt_address_is_valid (dev->physfn)))
    {
      fail (ctx, _("“parent” and “physfn” must be PCI addresses like 0000:00:01.0"));
      return NULL;
    }
  if (!read_pcie (ctx, obj, dev))
    return NULL;
  /* shares_group_with, same_ids_as and slot_functions are recomputed from
   * the groups, so a hand-edited snapshot cannot contradict itself. */
  ctx->where = NULL;
  return g_steal_pointer (&dev);
}

static gboolean
read_devices (Ctx        *ctx,
              PtTopology *self,
              JsonNode   *node,
              int         group_id)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (ctx, _("“devices” must be a list"));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      PtDevice *dev = read_device (ctx, json_array_get_element (array, i), group_id);
      if (dev == NULL)
        return FALSE;
      if (g_hash_table_contains (self->by_address, dev->address))
        {
          g_autofree char *addr = g_strdup (dev->address);
          g_object_unref (dev);
          return fail (ctx, _("the device %s appears twice"), addr);
        }
      pt_topology_take_device (self, dev);
    }
  return TRUE;
}

/* Before json-glib sees the text (see pt-json-depth.h): FILENAME names the
 * file in the message, or NULL for text that came another way (the helper's
 * GetTopology reply). */
static gboolean
check_nesting (const char *data,
               gssize      length,
               const char *filename,
               GError    **error)
{
  guint depth = 0;
  PtJsonDepthResult result = pt_json_depth_scan (data, length, &depth);

  if (depth > PT_SNAPSHOT_MAX_DEPTH)
    {
      if (filename != NULL)
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     _("%s is not a Passthrough snapshot: its JSON is nested %u levels deep, "
                       "more than the %d a snapshot can have."),
                     filename, depth, PT_SNAPSHOT_MAX_DEPTH);
      else
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     _("It is not a Passthrough snapshot: its JSON is nested %u levels deep, "
                       "more than the %d a snapshot can have."),
                     depth, PT_SNAPSHOT_MAX_DEPTH);
      return FALSE;
    }
  if (result == PT_JSON_DEPTH_NOT_PLAIN)
    {
      if (filename != NULL)
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     _("%s is not a Passthrough snapshot: it has a comment or a single-quoted "
                       "string, which JSON does not allow."), filename);
      else
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     _("It is not a Passthrough snapshot: it has a comment or a single-quoted "
                       "string, which JSON does not allow."));
      return FALSE;
    }
  return TRUE;
}

static PtTopology *
read_snapshot_json (const char *data,
                    gssize      length,
                    GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(PtTopology) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GHashTable) seen_groups = g_hash_table_new (NULL, NULL);
  Ctx ctx = { NULL, error };
  JsonObject *root;
  JsonNode *node;
  JsonArray *groups;

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("The snapshot is not valid JSON: %s."), local_error->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (&ctx, _("it must be a JSON object as printed by “passthroughctl list --json”"));
      return NULL;
    }
  root = json_node_get_object (node);
  node = json_object_get_member (root, "format");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      fail (&ctx, _("“format” is missing; it should be %d"), PT_SNAPSHOT_FORMAT);
      return NULL;
    }
  if (json_node_get_int (node) != PT_SNAPSHOT_FORMAT)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("The snapshot has format %lld; this version of Passthrough reads format %d."),
                   (long long) json_node_get_int (node), PT_SNAPSHOT_FORMAT);
      return NULL;
    }

  self = pt_topology_new_empty (NULL);
  self->from_snapshot = TRUE;
  if (!get_optional_string (&ctx, root, "cpu_vendor", &self->cpu_vendor) ||
      !get_optional_string (&ctx, root, "cmdline", &self->cmdline) ||
      !get_optional_string (&ctx, root, "kernel_release", &self->kernel_release) ||
      /* added later: absent from older snapshots, which then have no name */
      !get_optional_string (&ctx, root, "cpu_model", &self->cpu_model) ||
      !get_optional_string (&ctx, root, "board_vendor", &self->board_vendor) ||
      !get_optional_string (&ctx, root, "board_name", &self->board_name) ||
      !get_optional_string (&ctx, root, "product_name", &self->product_name))
    return NULL;
  node = json_object_get_member (root, "iommu");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *iommu = json_node_get_object (node);
      if (!get_bool (&ctx, iommu, "enabled", &self->iommu_enabled) ||
          !get_optional_string (&ctx, iommu, "vendor", &self->iommu_vendor))
        return NULL;
    }
  else if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      fail (&ctx, _("“iommu” must be an object"));
      return NULL;
    }

  node = json_object_get_member (root, "groups");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (&ctx, _("“groups” must be a list"));
      return NULL;
    }
  groups = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonNode *gnode = json_array_get_element (groups, i);
      JsonObject *gobj;
      JsonNode *id;
      gint64 gid;

      if (!JSON_NODE_HOLDS_OBJECT (gnode))
        {
          fail (&ctx, _("group %u must be an object"), i + 1);
          return NULL;
        }
      gobj = json_node_get_object (gnode);
      id = json_object_get_member (gobj, "id");
      if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) ||
          json_node_get_value_type (id) != G_TYPE_INT64 ||
          (gid = json_node_get_int (id)) < 0 || gid > G_MAXINT)
        {
          fail (&ctx, _("group %u has no valid “id” (a number from 0)"), i + 1);
          return NULL;
        }
      if (g_hash_table_contains (seen_groups, GINT_TO_POINTER ((int) gid)))
        {
          fail (&ctx, _("group %d appears twice"), (int) gid);
          return NULL;
        }
      g_hash_table_add (seen_groups, GINT_TO_POINTER ((int) gid));
      if (!read_devices (&ctx, self, json_object_get_member (gobj, "devices"), (int) gid))
        return NULL;
    }
  node = json_object_get_member (root, "ungrouped");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node) &&
      !read_devices (&ctx, self, node, -1))
    return NULL;

  if (g_hash_table_size (seen_groups) > 0)
    self->iommu_enabled = TRUE;
  pt_topology_finish (self);
  return g_steal_pointer (&self);
}

/* A refusal is one line that a terminal shows as it is written, but json-glib
 * quotes whole tokens of the text it could not read, and our own messages
 * quote values from the snapshot: control characters (a "\n" in a JSON
 * string, an escape sequence) become spaces, what is not UTF-8 becomes
 * U+FFFD, and a message is cut after MAX_MESSAGE bytes. */
#define MAX_MESSAGE 400

static void
make_one_line (GError *error)
{
  g_autofree char *valid = g_utf8_make_valid (error->message, -1);
  GString *line = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (line, ' ');
      else
        g_string_append_len (line, p, g_utf8_next_char (p) - p);
    }
  if (line->len > MAX_MESSAGE)
    {
      gsize cut = MAX_MESSAGE;

      while (cut > 0 && (line->str[cut] & 0xc0) == 0x80)
        cut--;
      g_string_truncate (line, cut);
      g_string_append (line, "…");
    }
  g_free (error->message);
  error->message = g_string_free (line, FALSE);
}

PtTopology *
pt_topology_new_from_json (const char *data,
                           gssize      length,
                           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  PtTopology *self = NULL;

  if (check_nesting (data, length, NULL, &local_error))
    self = read_snapshot_json (data, length, &local_error);
  if (self == NULL)
    {
      make_one_line (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return self;
}

PtTopology *
pt_topology_new_from_snapshot (const char *filename,
                               GError    **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;
  PtTopology *self;

  if (!g_file_get_contents (filename, &data, &length, &local_error))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("Cannot read the snapshot %s: %s."), filename, local_error->message);
      return NULL;
    }
  if (!check_nesting (data, length, filename, error))
    return NULL;
  self = read_snapshot_json (data, length, &local_error);
  if (self == NULL)
    {
      make_one_line (local_error);
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE, "%s: %s", filename, local_error->message);
      return NULL;
    }
  g_free (self->source);
  self->source = g_strdup (filename);
  return self;
}
