/* passthrough-helper: the root D-Bus service of Passthrough.  All of it lives
 * in the passthrough-helper-lib static library, which the tests link.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-helper.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(PtHelper) helper = pt_helper_new_from_env ();

  return pt_helper_run (helper);
}
