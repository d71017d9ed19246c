/* pt-plan-traps.c: the traps of the plan's devices (src/core/pt-traps.c) as
 * plan warnings; information (rebar) stays out of the warnings and is in
 * `check` and the device page.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

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

  for (guint i = 0; i < self->devices->len; i++)
    g_ptr_array_add (addresses, ((PlanDevice *) g_ptr_array_index (self->devices, i))->address);
  /* never NULL (that would mean every GPU): pt_strv_peek */
  traps = pt_traps_find (paths, topology, (const char *const *) pt_strv_peek (addresses));
  for (guint i = 0; i < traps->len; i++)
    {
      PtTrap *trap = g_ptr_array_index (traps, i);
      g_autoptr(GPtrArray) devices = g_ptr_array_new ();
      PtIssue *issue;

      if (trap->severity == PT_TRAP_INFO)
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
