/* bench-engine.c: CPU time of a plan and of apply --no-commands, many
 * runs in one process so that start-up is not measured.  Run by
 * tests/bench/bench-plan.sh; prints figures, asserts nothing.
 *
 *   bench-engine plan  ROOT SNAPSHOT RUNS ADDR…
 *   bench-engine apply ROOT SNAPSHOT RUNS ADDR…   (ROOT is changed and reverted)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pt-plan.h"
#include "pt-transaction.h"

static double
cpu_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
wall_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

int
main (int argc, char **argv)
{
  g_autoptr(PtPaths) paths = NULL;
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GError) error = NULL;
  double cpu = 0, wall = 0;
  int runs;

  if (argc < 6)
    {
      fprintf (stderr, "usage: %s plan|apply ROOT SNAPSHOT RUNS ADDR…\n", argv[0]);
      return 2;
    }
  paths = pt_paths_new (argv[2]);
  topology = pt_topology_new_from_snapshot (argv[3], &error);
  if (topology == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  runs = atoi (argv[4]);

  for (int i = 0; i < runs; i++)
    {
      g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
      g_autoptr(PtPlan) plan = NULL;
      g_autofree char *json = NULL;
      double c0 = cpu_now (), w0 = wall_now ();

      plan = pt_plan_new_for_selection (paths, topology, (const char *const *) argv + 5, options, &error);
      if (plan == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      json = pt_plan_to_json (plan, FALSE);
      if (g_str_equal (argv[1], "apply") &&
          !pt_transaction_apply (paths, plan, FALSE, NULL, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      cpu += cpu_now () - c0;
      wall += wall_now () - w0;
      if (g_str_equal (argv[1], "apply") &&
          !pt_transaction_revert (paths, FALSE, NULL, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
    }
  printf ("%s: %d runs, %.3f ms CPU and %.3f ms wall per run\n",
          argv[1], runs, cpu * 1000 / runs, wall * 1000 / runs);
  return 0;
}
