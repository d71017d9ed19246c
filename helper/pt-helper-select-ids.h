/* pt-helper-select-ids.h: the "select-ids" option of Preview and Apply
 * (docs/select-ids.md): vendor:device IDs the helper turns into addresses on
 * its own scan, by the core's one rule (src/core/pt-select-ids.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-topology.h"

G_BEGIN_DECLS

/* Splits "select-ids" (type as) off @options: @out_rest gets the other keys
 * for the engine's allow-list, @out_ids the IDs (NULL without the key).
 * @options that is not an a{sv} is handed on as it is, for the usual error.
 * A wrong type, an ID that is not printable ASCII or too many IDs is
 * PT_ERROR_INVALID_ARGS. */
gboolean  pt_helper_take_select_ids  (GVariant     *options,
                                      GVariant    **out_rest,
                                      GStrv        *out_ids,
                                      GError      **error);

/* The call's devices: @addresses as pt_helper_check_addresses() takes them
 * (but empty allowed when @ids is given), then the endpoints with @ids on
 * @topology, at most PT_HELPER_MAX_ADDRESSES in all. */
GStrv     pt_helper_check_selection  (GVariant           *addresses,
                                      const char *const  *ids,
                                      PtTopology         *topology,
                                      GError            **error);

G_END_DECLS
