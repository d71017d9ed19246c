/* fuzz-snapshot.c: the snapshot reader (`passthroughctl --snapshot FILE`,
 * src/core/pt-topology-json.c) on one input.
 *
 * Built like fuzz-edit.c: with libFuzzer by tests/fuzz/run-libfuzzer.sh and
 * tests/bench/fuzz-all.sh, and as a plain program with fuzz-replay.c, which
 * the fuzz suite runs over data/demo, tests/engine/snapshots and
 * tests/fuzz/corpus-snapshot.
 *
 * Besides "no crash, no leak": a refusal is one PT_ERROR sentence, and what
 * loads is shown as `list` shows it, written as `list --json` writes it, and
 * that output loads again and is written the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "pt-describe.h"
#include "pt-error.h"
#include "pt-topology.h"

static void
check (gboolean    ok,
       const char *what,
       const char *detail)
{
  if (ok)
    return;
  fprintf (stderr, "fuzz-snapshot: %s\n%s\n", what, detail ? detail : "");
  abort ();
}

/* What `passthroughctl list` asks of every device. */
static void
describe_all (PtTopology *topology)
{
  GListModel *devices = pt_topology_get_devices (topology);
  guint n = g_list_model_get_n_items (devices);

  check (n == pt_topology_get_n_devices (topology), "the device count disagrees with the list", NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      g_autofree char *noun = pt_describe_noun (dev);
      g_autofree char *name = pt_device_dup_display_name (dev);
      g_autofree char *ids = pt_device_dup_ids (dev);
      g_autoptr(GPtrArray) badges = pt_describe_badges (topology, dev);
      g_autofree char *group = pt_describe_group (topology, dev);
      g_autofree char *same = pt_describe_same_ids (topology, dev);
      g_autofree char *holds = pt_describe_holds (dev);
      g_autofree char *ref = pt_describe_device_ref (topology, pt_device_get_address (dev));

      check (pt_topology_lookup (topology, pt_device_get_address (dev)) == dev,
             "a device is not found by its own address", pt_device_get_address (dev));
    }
  {
    g_autoptr(GPtrArray) gpus = pt_topology_dup_gpus (topology);
  }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(PtTopology) again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;

  if (size > 1024 * 1024)
    return 0;
  /* the bytes as they are, not NUL-terminated: the reader takes a length */
  topology = pt_topology_new_from_json ((const char *) data, (gssize) size, &error);
  if (topology == NULL)
    {
      check (error != NULL && error->domain == PT_ERROR && error->message[0] != '\0',
             "a refusal without a PT_ERROR message", NULL);
      check (strchr (error->message, '\n') == NULL, "a refusal of more than one line", error->message);
      return 0;
    }
  check (error == NULL, "a topology and an error", error ? error->message : NULL);

  describe_all (topology);
  json = pt_topology_to_json (topology, FALSE);
  again = pt_topology_new_from_json (json, -1, &error);
  check (again != NULL, "what list --json writes does not load again", error ? error->message : json);
  json_again = pt_topology_to_json (again, FALSE);
  check (g_str_equal (json, json_again), "written, loaded and written again, the snapshot changed", json);
  return 0;
}
