/* pt-plan-traps.c: the traps of the plan's devices (src/core/pt-traps.c) as
 * plan warnings; information (rebar) stays out of the warnings and is in
 * `check` and the device page.  A plan from a snapshot leaves out the traps
 * read from the running system and says they are not known.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-plan-build.h"
#include "pt-strv.h"
#include "pt-fix.h"
#include "pt-traps.h"

void
pt_plan_add_traps (PtPlan        *self,
                   PtPaths       *paths,
                   PtTopology    *topology,
                   PtPlanOptions *options)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_null_terminated (0, NULL, TRUE);
  g_autoptr(GPtrArray) traps = NULL;

  /* read from the running system under the paths, which for a snapshot is
   * another machine (or none): not known, rather than this machine's answer */
  static const char *const running_state[] = { "virtual-machine", "boot-framebuffer", "in-use", NULL };
  gboolean snapshot = pt_topology_is_snapshot (topology);

  if (snapshot)
    pt_plan_add_issue (self->not_known, "running-system", NULL,
                       g_strdup (_("Whether the machine is itself a virtual machine, whether a chosen GPU carries the firmware's framebuffer, and which programs use the chosen devices: not known from a snapshot.")));
  for (guint i = 0; i < self->devices->len; i++)
    g_ptr_array_add (addresses, ((PlanDevice *) g_ptr_array_index (self->devices, i))->address);
  /* never NULL (that would mean every GPU): pt_strv_peek */
  traps = pt_traps_find (paths, topology, (const char *const *) pt_strv_peek (addresses));
  for (guint i = 0; i < traps->len; i++)
    {
      PtTrap *trap = g_ptr_array_index (traps, i);
      g_autoptr(GPtrArray) devices = g_ptr_array_new ();
      PtIssue *issue;

      if (trap->severity == PT_TRAP_INFO ||
          (snapshot && g_strv_contains (running_state, trap->code)))
        continue;
      /* the option this plan already has is the fix */
      if ((g_str_equal (trap->code, "boot-framebuffer") && options->framebuffer_off) ||
          (g_str_equal (trap->code, "d3cold") && options->disable_idle_d3))
        continue;
      for (guint d = 0; trap->devices[d] != NULL; d++)
        g_ptr_array_add (devices, trap->devices[d]);
      issue = pt_plan_add_issue (trap->severity == PT_TRAP_BLOCKER ? self->blockers : self->warnings,
                                 trap->code, devices, g_steal_pointer (&trap->message));
      issue->fixes = g_ptr_array_ref (trap->fixes);   /* the same PtFix list (pt-fix.h) */
    }
}
