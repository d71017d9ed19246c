/* main.c: the `passthrough` program.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "pt-app-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PtAppApplication) app = NULL;

  pt_app_timing_mark ("main");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("passthrough");
  app = pt_app_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
