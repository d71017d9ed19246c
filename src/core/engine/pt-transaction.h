/* pt-transaction.h: carrying a plan out, safely (docs/safety.md).
 *
 * Journal and backups in var/lib/passthrough before the first write, atomic
 * writes that keep mode, owner and xattrs, regeneration with its output
 * streamed, restore-and-regenerate when regeneration fails, and recovery of a
 * half-done transaction.  Fault injection for the crash tests:
 * PASSTHROUGH_FAULT=<step> makes the process _exit(99) at that step, in
 * this order:
 *   after-journal    journal.json and the texts before are on disk, no file changed
 *   after-write-N    the Nth changed file (1-based) is written
 *   before-commands  every file is written, no command has run
 *   after-commands   every command has run
 *   after-state      state.json is written, the journal not yet removed
 * The next transaction (or pt_transaction_recover) puts every file and
 * state.json back as they were before, undoes the edit commands that ran
 * and regenerates again when regeneration had started.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-plan.h"

G_BEGIN_DECLS

typedef void (*PtProgressFunc) (const char *step,
                                double      fraction,
                                const char *message,
                                gpointer    user_data);

/* Refuses a plan with blockers (PT_ERROR_BLOCKED). @run_commands FALSE is
 * --no-commands. */
gboolean  pt_transaction_apply    (PtPaths         *paths,
                                   PtPlan          *plan,
                                   gboolean         run_commands,
                                   PtProgressFunc   progress,
                                   gpointer         user_data,
                                   GError         **error);
gboolean  pt_transaction_revert   (PtPaths         *paths,
                                   gboolean         run_commands,
                                   PtProgressFunc   progress,
                                   gpointer         user_data,
                                   GError         **error);
/* Makes a trial configuration the default (safe first boot). */
gboolean  pt_transaction_confirm  (PtPaths         *paths,
                                   gboolean         run_commands,
                                   PtProgressFunc   progress,
                                   gpointer         user_data,
                                   GError         **error);
/* The same with the topology given (a snapshot under --root); confirm
 * recomputes the plan of the trial's selection without the trial. */
gboolean  pt_transaction_confirm_for_topology (PtPaths         *paths,
                                               PtTopology      *topology,
                                               gboolean         run_commands,
                                               PtProgressFunc   progress,
                                               gpointer         user_data,
                                               GError         **error);
/* Rolls back a transaction that did not finish; TRUE with nothing to do when
 * the journal is clean. */
gboolean  pt_transaction_recover  (PtPaths         *paths,
                                   GError         **error);
/* The allow-list: whether a transaction may write @system_path (its links
 * already followed).  Built from the boot-path registry (pt-boot-path.h). */
gboolean  pt_transaction_path_is_allowed (PtPaths    *paths,
                                          const char *system_path);
/* A transaction left its journal or a running command's note behind. */
gboolean  pt_transaction_is_unfinished (PtPaths    *paths);
/* A transaction holds the lock right now (status "applying"). */
gboolean  pt_transaction_is_running (PtPaths       *paths);

G_END_DECLS
