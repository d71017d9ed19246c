/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* Writes @contents to ROOT/REL, creating the directories on the way. */
void test_write_file (const char *root,
                      const char *rel,
                      const char *contents);
/* Makes ROOT/REL a symbolic link to @target (taken as it is). */
void test_make_link  (const char *root,
                      const char *rel,
                      const char *target);
/* rm -rf ROOT */
void test_remove_tree (const char *root);
