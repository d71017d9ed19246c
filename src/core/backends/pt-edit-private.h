/* pt-edit-private.h: the pieces the editors in backends/ share.
 *
 * Every editor finds the value it owns in its file's syntax (a shell
 * assignment, an "options" line, a quoted field) and hands it to the word
 * engine as a list of segments: runs of text that were quoted the same way.
 * The engine removes and inserts words inside those segments only, so the
 * bytes around them (quotes, comments, other lines) stay as they were.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PT_WORDS_CMDLINE,     /* kernel parameters: key[=value], '-' == '_' in keys */
  PT_WORDS_MODULES,     /* module names: '-' == '_' */
} PtWordKind;

/* Where a shell splits a module list (its default IFS: space, tab,
 * newline), with the '\r' of a file saved with CRLF. */
#define PT_MODULE_BLANKS " \t\r\n"

typedef struct
{
  char     quote;       /* 0 (unquoted), '"' or '\'' */
  gboolean free_text;   /* an unquoted region that may hold spaces (not shell) */
  GString *text;        /* the content between the quotes */
} PtSegment;

typedef struct
{
  GPtrArray *segments;  /* PtSegment*, in order */
  char      *prefix;    /* what the value follows (an earlier VAR=, for +=) */
  gboolean   shell;     /* new segments must be quoted: a shell reads this */
} PtWordValue;

PtWordValue *pt_word_value_new        (gboolean           shell);
void         pt_word_value_free       (PtWordValue       *value);
PtSegment   *pt_word_value_append     (PtWordValue       *value,
                                       char               quote,
                                       const char        *text,
                                       gssize             len);
char        *pt_word_value_render     (PtWordValue       *value);
char        *pt_word_value_flatten    (PtWordValue       *value);

/* Removes every word matching one of @remove, a word written in several
 * differently quoted parts too; @changed says whether one was. */
void         pt_word_value_remove     (PtWordValue       *value,
                                       PtWordKind         kind,
                                       const char *const *remove,
                                       gboolean          *changed);
/* Inserts @add (already filtered for presence) after the last word, or for
 * modules with @before_gpu, before the first GPU driver. */
void         pt_word_value_insert     (PtWordValue       *value,
                                       PtWordKind         kind,
                                       const char *const *add,
                                       gboolean           before_gpu);

/* Does @words (a whole flattened value) already hold a word equivalent to
 * @word? */
gboolean     pt_words_contain         (const char        *words,
                                       PtWordKind         kind,
                                       const char        *word);
gboolean     pt_words_equivalent      (PtWordKind         kind,
                                       const char        *a,
                                       const char        *b);
gboolean     pt_module_is_gpu_driver  (const char        *module);

/* Grammar checks for what we write. */
gboolean     pt_edit_check_tokens     (const char *const *tokens,
                                       GError           **error);
gboolean     pt_edit_check_modules    (const char *const *modules,
                                       GError           **error);
gboolean     pt_edit_valid_module     (const char        *module);
gboolean     pt_edit_valid_id         (const char        *id);

/* The words of @add not yet present in @present (and not repeated within
 * @add), in order.  Borrowed pointers into @add. */
GPtrArray   *pt_words_missing         (const char        *present,
                                       PtWordKind         kind,
                                       const char *const *add);

/* Lines. */
typedef struct
{
  gsize start;          /* first byte of the line */
  gsize end;            /* end of content, before "\r\n" or "\n" */
  gsize next;           /* first byte after the line ending */
} PtLine;

GArray      *pt_split_lines           (const char        *text);
const char  *pt_text_newline          (const char        *text);
gboolean     pt_line_is_comment       (const char        *text,
                                       const PtLine      *line);
/* Appends @line_text as a new last line, adding the line ending the file
 * uses (and one before it when the file does not end with one). */
void         pt_append_line           (GString           *text,
                                       const char        *line_text);
/* The length of the line ending before @pos that pt_append_line() put in
 * front of a new last line (0, 1 or 2). */
gsize        pt_newline_before        (const char        *text,
                                       gsize              pos);
/* Removes the line at [start, next) that pt_append_line() added. */
void         pt_remove_line           (GString           *text,
                                       gsize              start,
                                       gsize              end,
                                       gsize              next);

#define PT_EDIT_MARKER "# added by Passthrough"

G_END_DECLS

G_BEGIN_DECLS

/* Shell assignments (edit-shell.c), for files a shell sources. */
typedef struct
{
  guint        line_no;       /* 1-based */
  gsize        line_start, line_end, line_next;
  gsize        value_start;   /* first byte after '=' */
  gsize        value_end;     /* end of the value word */
  gboolean     append;        /* NAME+=… */
  gboolean     marked;        /* a line we appended (ends with PT_EDIT_MARKER) */
  gboolean     array;         /* NAME=( … ): value_* then cover the parentheses */
  PtWordValue *value;         /* NULL for arrays */
  GPtrArray   *elements;      /* PtArrayElement*, for arrays */
  gsize        open_paren;    /* arrays: offset of '(' and of ')' */
  gsize        close_paren;
} PtShellAssign;

typedef struct
{
  gsize start, end;           /* the element as written, quotes included */
  char *word;                 /* quotes removed */
} PtArrayElement;

void       pt_shell_assign_free   (PtShellAssign *assign);
/* Every live assignment of @name, in order; NULL + PT_ERROR_PARSE naming
 * the line when one of them cannot be read safely.  With @allow_arrays,
 * NAME=( … ) is returned with array set (the caller parses it). */
GPtrArray *pt_shell_find_assigns  (const char    *text,
                                   const char    *name,
                                   gboolean       allow_arrays,
                                   GError       **error);
/* The flattened value of @assign with $NAME / ${NAME} replaced by @previous. */
char      *pt_shell_expand        (PtShellAssign *assign,
                                   const char    *name,
                                   const char    *previous);
/* The value after assignments [0, @upto) of @assigns. */
char      *pt_shell_accumulate    (GPtrArray     *assigns,
                                   guint          upto,
                                   const char    *name);

G_END_DECLS
