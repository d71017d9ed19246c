/* pt-cli.h: what every passthroughctl command shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pt-paths.h"
#include "pt-plan-options.h"
#include "pt-topology.h"

G_BEGIN_DECLS

typedef struct
{
  const char *root;       /* --root DIR, NULL for "/" */
  const char *snapshot;   /* --snapshot FILE */
  gboolean    json;       /* --json */
  PtPaths    *paths;
} PtCliContext;

/* A command gets the arguments after its name, global options removed, and
 * returns the exit code: 0 done, 1 refused / failed / not ready, 2 usage. */
typedef int (*PtCliCommandFunc) (PtCliContext *ctx,
                                 int           argc,
                                 char        **argv);

typedef struct
{
  const char       *name;
  const char       *synopsis;
  const char       *summary;
  PtCliCommandFunc  run;
} PtCliCommand;

int          pt_cli_usage_error     (const char   *format,
                                     ...) G_GNUC_PRINTF (1, 2);
int          pt_cli_error           (GError       *error);
int          pt_cli_no_arguments    (const char   *command,
                                     int           argc,
                                     char        **argv);
PtTopology  *pt_cli_load_topology   (PtCliContext *ctx,
                                     GError      **error);
const char  *pt_cli_describe_source (PtCliContext *ctx);
void         pt_cli_keep_until_exit (gpointer      object);
char        *pt_cli_list_command    (PtCliContext *ctx);
int          pt_cli_check_selection (PtCliContext      *ctx,
                                     PtTopology        *topology,
                                     const char *const *addresses);

int pt_cli_cmd_list  (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_check (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_slots (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_repair (PtCliContext *ctx, int argc, char **argv);
int pt_cli_apply_selection (PtCliContext *ctx, const char *const *addresses,
                            const char *const *ids, PtPlanOptions *options,
                            gboolean no_commands);
int pt_cli_cmd_plan   (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_apply  (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_revert (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_status (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_confirm (PtCliContext *ctx, int argc, char **argv);

/* Shared by plan, apply and revert (cmd-plan.c, cmd-apply.c, cmd-status.c). */
int  pt_cli_parse_plan_args (PtCliContext  *ctx,
                             const char    *command,
                             int            argc,
                             char         **argv,
                             gboolean       with_selection,
                             GPtrArray     *addresses,
                             GPtrArray     *ids,
                             PtPlanOptions *options,
                             gboolean      *no_commands);
/* --select's addresses, each checked against @topology
 * (pt_cli_check_selection), and the endpoints --select-ids names there
 * (pt-select-ids.h); @addresses and @ids are the NULL-terminated arrays of
 * pt_cli_parse_plan_args.  NULL after saying why, with *rc the exit code. */
GStrv pt_cli_selection      (PtCliContext       *ctx,
                             PtTopology         *topology,
                             const char *const  *addresses,
                             const char *const  *ids,
                             int                *rc);
void pt_cli_print_plan      (const char    *json);
void pt_cli_print_progress  (const char    *step,
                             double         fraction,
                             const char    *message,
                             gpointer       user_data);
/* The status's "way_back" entry as a sentence, when there is one. */
void pt_cli_print_way_back   (JsonObject    *status);
int  pt_cli_print_status    (PtCliContext  *ctx,
                             PtTopology    *topology);

/* Through the root helper on the system bus (pt-cli-helper.c): what apply,
 * revert, confirm, bind and unbind do without --root.  @options is the a{sv}
 * of the helper (pt_plan_options_to_variant), floating or not; NULL for none.
 * Each prints progress and the result and returns the exit code. */
int pt_cli_helper_apply   (PtCliContext       *ctx,
                           const char *const  *addresses,
                           GVariant           *options);
int pt_cli_helper_revert  (PtCliContext       *ctx);
int pt_cli_helper_confirm (PtCliContext       *ctx);
int pt_cli_helper_bind    (PtCliContext       *ctx,
                           const char         *address,
                           gboolean            bind);

int pt_cli_cmd_bind   (PtCliContext *ctx, int argc, char **argv);
int pt_cli_cmd_unbind (PtCliContext *ctx, int argc, char **argv);

G_END_DECLS
