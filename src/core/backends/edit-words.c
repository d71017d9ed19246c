/* edit-words.c: the word engine every editor shares, and the grammars.
 *
 * A value is a list of segments (see pt-edit-private.h).  Words are found
 * on the concatenation of the segments, the way the kernel (or the shell,
 * for module lists) will see them, but every edit happens inside one
 * segment, so quoting around it never changes.
 *
 * Removal takes a word together with the blank run before it (or, for the
 * first word of a segment, the blank run after it when another word
 * follows); insertion puts one space and the new words right after the last
 * word.  The two are exact inverses, which is what makes revert byte-exact.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-cmdline.h"
#include "pt-edit-private.h"
#include "pt-error.h"

/* The blanks between words.  The kernel splits its command line at every
 * ASCII space character (pt_cmdline_tokenize() splits exactly there); a
 * shell splits a module list only at space, tab and newline, so a form feed
 * or vertical tab there is part of a module's name (PT_MODULE_BLANKS adds
 * the '\r' of a file saved with CRLF). */
static gboolean
is_blank (PtWordKind kind,
          char       c)
{
  if (kind == PT_WORDS_MODULES)
    return c != '\0' && strchr (PT_MODULE_BLANKS, c) != NULL;
  return g_ascii_isspace (c);
}

/* The words of @flat as tokens with their offsets: the kernel's for a
 * command line; for a module list, the runs between is_blank()'s blanks (no
 * quoting: a stray '"' is just a byte of a name). */
static GPtrArray *
words_tokenize (PtWordKind  kind,
                const char *flat)
{
  GPtrArray *toks;
  gsize i = 0;

  if (kind == PT_WORDS_CMDLINE)
    return pt_cmdline_tokenize (flat);
  toks = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_cmdline_token_free);
  while (flat[i] != '\0')
    {
      PtCmdlineToken *tok;
      gsize start;

      while (flat[i] != '\0' && is_blank (kind, flat[i]))
        i++;
      if (flat[i] == '\0')
        break;
      start = i;
      while (flat[i] != '\0' && !is_blank (kind, flat[i]))
        i++;
      tok = g_new0 (PtCmdlineToken, 1);
      tok->start = start;
      tok->end = i;
      tok->text = g_strndup (flat + start, i - start);
      tok->key = g_strdup (tok->text);
      g_ptr_array_add (toks, tok);
    }
  return toks;
}

/* ---- grammars ----------------------------------------------------------- */

/* What we put on a kernel command line: no blanks, no quotes, nothing a
 * shell would expand or a bootloader would read as syntax. */
static gboolean
token_char_ok (char c)
{
  return g_ascii_isalnum (c) || strchr ("._,:=@/+-%", c) != NULL;
}

gboolean
pt_edit_check_tokens (const char *const *tokens,
                      GError           **error)
{
  for (gsize i = 0; tokens != NULL && tokens[i] != NULL; i++)
    {
      const char *t = tokens[i];

      if (*t == '\0' || *t == '=')
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                       "The kernel argument “%s” has no name.", t);
          return FALSE;
        }
      for (const char *p = t; *p; p++)
        if (!token_char_ok (*p))
          {
            g_autofree char *shown = g_strescape (t, NULL);
            g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                         "The kernel argument “%s” contains the character “%c”, "
                         "which cannot be written safely into a boot configuration.",
                         shown, g_ascii_isprint (*p) ? *p : '?');
            return FALSE;
          }
    }
  return TRUE;
}

gboolean
pt_edit_valid_module (const char *module)
{
  if (module == NULL || *module == '\0' || strlen (module) > 64)
    return FALSE;
  for (const char *p = module; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
      return FALSE;
  return TRUE;
}

gboolean
pt_edit_valid_id (const char *id)
{
  if (id == NULL || strlen (id) != 9 || id[4] != ':')
    return FALSE;
  for (int i = 0; i < 9; i++)
    if (i != 4 && !g_ascii_isxdigit (id[i]))
      return FALSE;
  return TRUE;
}

gboolean
pt_edit_check_modules (const char *const *modules,
                       GError           **error)
{
  for (gsize i = 0; modules != NULL && modules[i] != NULL; i++)
    if (!pt_edit_valid_module (modules[i]))
      {
        g_autofree char *shown = g_strescape (modules[i], NULL);
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                     "“%s” is not a kernel module name (only a–z, 0–9, “_” and “-”).",
                     shown);
        return FALSE;
      }
  return TRUE;
}

/* ---- equivalence -------------------------------------------------------- */

static char *
normalize_module (const char *name)
{
  char *out = g_strdup (name);

  for (char *p = out; *p; p++)
    if (*p == '-')
      *p = '_';
  return out;
}

/* Parameters whose value is a comma list of module names. */
static gboolean
key_takes_modules (const char *key)
{
  static const char *const keys[] = {
    "rd.driver.pre", "rd.driver.post", "rd.driver.blacklist", "rd.blacklist",
    "modprobe.blacklist", "module_blacklist", "initcall_blacklist", NULL
  };
  return g_strv_contains (keys, key);
}

static gboolean
values_equal (const char *key,
              const char *a,
              const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (key_takes_modules (key))
    {
      g_autofree char *na = normalize_module (a);
      g_autofree char *nb = normalize_module (b);
      return g_str_equal (na, nb);
    }
  return g_str_equal (a, b);
}

/* Parameters whose value is a comma list of vendor:device IDs; the kernel
 * keeps only the last one given. */
static gboolean
key_takes_ids (const char *key)
{
  return g_str_equal (key, "vfio_pci.ids") || g_str_equal (key, "pci_stub.ids");
}

/* Whether every comma-separated item of @wanted is in @have (module names
 * compared with '-' and '_' alike, IDs without regard to case). */
static gboolean
list_covers (const char *have,
             const char *wanted,
             gboolean    modules)
{
  g_auto(GStrv) h = g_strsplit (have, ",", -1);
  g_auto(GStrv) w = g_strsplit (wanted, ",", -1);

  for (guint i = 0; w[i] != NULL; i++)
    {
      gboolean found = FALSE;
      if (*w[i] == '\0')
        continue;
      for (guint k = 0; h[k] != NULL && !found; k++)
        {
          if (modules)
            {
              g_autofree char *a = normalize_module (h[k]);
              g_autofree char *b = normalize_module (w[i]);
              found = g_str_equal (a, b);
            }
          else
            found = g_ascii_strcasecmp (h[k], w[i]) == 0;
        }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static PtCmdlineToken *
parse_word (const char *word)
{
  g_autoptr(GPtrArray) toks = pt_cmdline_tokenize (word);

  if (toks->len != 1)
    return NULL;
  return g_ptr_array_steal_index (toks, 0);
}

/* A pattern parsed once: "key=*" matches every value of that key. */
typedef struct
{
  PtCmdlineToken *tok;
  gboolean        any_value;
} Pattern;

static gboolean
pattern_parse (const char *text,
               Pattern    *pat)
{
  pat->tok = parse_word (text);
  pat->any_value = pat->tok != NULL && pat->tok->value != NULL
                   && g_str_equal (pat->tok->value, "*") && g_str_has_suffix (text, "=*");
  return pat->tok != NULL;
}

static gboolean
pattern_match (const PtCmdlineToken *word,
               const Pattern        *pat)
{
  if (pat->tok == NULL || !g_str_equal (pat->tok->key, word->key))
    return FALSE;
  if (pat->any_value)
    return word->value != NULL;
  return values_equal (word->key, word->value, pat->tok->value);
}

static gboolean
cmdline_match (const PtCmdlineToken *word,
               const char           *pattern)
{
  Pattern pat;
  gboolean match;

  pattern_parse (pattern, &pat);
  match = pattern_match (word, &pat);
  pt_cmdline_token_free (pat.tok);
  return match;
}

/* Whether the words already there give what @pat asks for, the way the
 * kernel reads them: a list parameter (rd.driver.pre=, vfio-pci.ids=) written
 * by hand with more items than ours, or under the other spelling of its
 * name, already does our part; for IDs only the last one counts. */
static gboolean
present_covers (GPtrArray     *toks,
                const Pattern *pat)
{
  const PtCmdlineToken *last = NULL;

  if (pat->tok == NULL || pat->tok->value == NULL || pat->any_value)
    return FALSE;
  for (guint j = 0; j < toks->len; j++)
    {
      const PtCmdlineToken *t = g_ptr_array_index (toks, j);
      if (!g_str_equal (t->key, pat->tok->key) || t->value == NULL)
        continue;
      if (key_takes_modules (t->key) && list_covers (t->value, pat->tok->value, TRUE))
        return TRUE;
      last = t;
    }
  return last != NULL && key_takes_ids (last->key) && list_covers (last->value, pat->tok->value, FALSE);
}

gboolean
pt_words_equivalent (PtWordKind  kind,
                     const char *a,
                     const char *b)
{
  if (kind == PT_WORDS_MODULES)
    {
      g_autofree char *na = normalize_module (a);
      g_autofree char *nb = normalize_module (b);
      return g_str_equal (na, nb);
    }
  else
    {
      g_autoptr(PtCmdlineToken) ta = parse_word (a);
      if (ta == NULL)
        return FALSE;
      return cmdline_match (ta, b);
    }
}

gboolean
pt_module_is_gpu_driver (const char *module)
{
  g_autofree char *m = normalize_module (module);

  return g_str_equal (m, "amdgpu") || g_str_equal (m, "radeon")
         || g_str_equal (m, "nouveau") || g_str_has_prefix (m, "nvidia")
         || g_str_equal (m, "i915") || g_str_equal (m, "xe");
}

gboolean
pt_words_contain (const char *words,
                  PtWordKind  kind,
                  const char *word)
{
  g_autoptr(GPtrArray) toks = NULL;
  Pattern pat;
  gboolean found = FALSE;

  if (kind == PT_WORDS_MODULES)
    {
      /* module lists have no kernel quoting: a stray '"' is just a byte */
      g_auto(GStrv) names = g_strsplit_set (words, PT_MODULE_BLANKS, -1);
      for (guint i = 0; names[i]; i++)
        if (*names[i] && pt_words_equivalent (kind, names[i], word))
          return TRUE;
      return FALSE;
    }
  if (!pattern_parse (word, &pat))
    return FALSE;
  toks = pt_cmdline_tokenize (words);
  for (guint i = 0; i < toks->len && !found; i++)
    found = pattern_match (g_ptr_array_index (toks, i), &pat);
  pt_cmdline_token_free (pat.tok);
  return found;
}

gboolean
pt_module_words_contain (const char *words,
                         const char *module)
{
  return pt_words_contain (words, PT_WORDS_MODULES, module);
}

GPtrArray *
pt_words_missing (const char        *present,
                  PtWordKind         kind,
                  const char *const *add)
{
  GPtrArray *out = g_ptr_array_new ();
  g_autoptr(GPtrArray) toks = NULL;

  if (kind == PT_WORDS_MODULES)
    {
      for (gsize i = 0; add != NULL && add[i] != NULL; i++)
        {
          gboolean seen = pt_words_contain (present, kind, add[i]);
          for (guint j = 0; !seen && j < out->len; j++)
            seen = pt_words_equivalent (kind, g_ptr_array_index (out, j), add[i]);
          if (!seen)
            g_ptr_array_add (out, (gpointer) add[i]);
        }
      return out;
    }

  /* the present words are tokenized once, each new one parsed once */
  toks = pt_cmdline_tokenize (present);
  for (gsize i = 0; add != NULL && add[i] != NULL; i++)
    {
      Pattern pat;
      gboolean seen = FALSE;

      if (!pattern_parse (add[i], &pat))
        continue;
      /* IDs: only the last one given counts (present_covers) */
      for (guint j = 0; !seen && j < toks->len && !key_takes_ids (pat.tok->key); j++)
        seen = pattern_match (g_ptr_array_index (toks, j), &pat);
      if (!seen)
        seen = present_covers (toks, &pat);
      for (guint j = 0; !seen && j < out->len; j++)
        seen = pt_words_equivalent (kind, g_ptr_array_index (out, j), add[i]);
      pt_cmdline_token_free (pat.tok);
      if (!seen)
        g_ptr_array_add (out, (gpointer) add[i]);
    }
  return out;
}

/* ---- values ------------------------------------------------------------- */

static void
segment_free (PtSegment *seg)
{
  g_string_free (seg->text, TRUE);
  g_free (seg);
}

PtWordValue *
pt_word_value_new (gboolean shell)
{
  PtWordValue *value = g_new0 (PtWordValue, 1);

  value->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) segment_free);
  value->shell = shell;
  value->prefix = g_strdup ("");
  return value;
}

void
pt_word_value_free (PtWordValue *value)
{
  if (value == NULL)
    return;
  g_ptr_array_unref (value->segments);
  g_free (value->prefix);
  g_free (value);
}

PtSegment *
pt_word_value_append (PtWordValue *value,
                      char         quote,
                      const char  *text,
                      gssize       len)
{
  PtSegment *seg = g_new0 (PtSegment, 1);

  seg->quote = quote;
  seg->free_text = !value->shell && quote == 0;
  seg->text = g_string_new_len (text, len);
  g_ptr_array_add (value->segments, seg);
  return seg;
}

char *
pt_word_value_render (PtWordValue *value)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < value->segments->len; i++)
    {
      PtSegment *seg = g_ptr_array_index (value->segments, i);
      if (seg->quote)
        g_string_append_c (out, seg->quote);
      g_string_append_len (out, seg->text->str, seg->text->len);
      if (seg->quote)
        g_string_append_c (out, seg->quote);
    }
  return g_string_free (out, FALSE);
}

char *
pt_word_value_flatten (PtWordValue *value)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < value->segments->len; i++)
    {
      PtSegment *seg = g_ptr_array_index (value->segments, i);
      g_string_append_len (out, seg->text->str, seg->text->len);
    }
  return g_string_free (out, FALSE);
}

/* The flattened value with, for each byte, its segment and offset. */
typedef struct
{
  GString *flat;
  GArray  *seg_of;  /* guint */
  GArray  *off_of;  /* gsize */
} Flat;

static void
flat_build (PtWordValue *value,
            Flat        *f)
{
  f->flat = g_string_new (NULL);
  f->seg_of = g_array_new (FALSE, FALSE, sizeof (guint));
  f->off_of = g_array_new (FALSE, FALSE, sizeof (gsize));
  for (guint i = 0; i < value->segments->len; i++)
    {
      PtSegment *seg = g_ptr_array_index (value->segments, i);
      for (gsize j = 0; j < seg->text->len; j++)
        {
          g_string_append_c (f->flat, seg->text->str[j]);
          g_array_append_val (f->seg_of, i);
          g_array_append_val (f->off_of, j);
        }
    }
}

static void
flat_clear (Flat *f)
{
  g_string_free (f->flat, TRUE);
  g_array_unref (f->seg_of);
  g_array_unref (f->off_of);
}

static gboolean
word_matches (PtWordKind            kind,
              const PtCmdlineToken *tok,
              const char *const    *patterns,
              GArray               *parsed)
{
  for (gsize i = 0; patterns != NULL && patterns[i] != NULL; i++)
    {
      if (kind == PT_WORDS_CMDLINE ? pattern_match (tok, &g_array_index (parsed, Pattern, i))
                                   : pt_words_equivalent (kind, tok->text, patterns[i]))
        return TRUE;
    }
  return FALSE;
}

/* Removes a word written in several differently quoted parts
 * ("intel_""iommu=on"): each part loses its share, with the blanks before
 * the word in the first part (else those after it in the last), and parts
 * left empty go. */
static void
remove_split_word (PtWordValue          *value,
                   PtWordKind            kind,
                   Flat                 *f,
                   const PtCmdlineToken *tok)
{
  guint first = g_array_index (f->seg_of, guint, tok->start);
  guint last = g_array_index (f->seg_of, guint, tok->end - 1);
  PtSegment *a = g_ptr_array_index (value->segments, first);
  PtSegment *z = g_ptr_array_index (value->segments, last);
  gsize cs = g_array_index (f->off_of, gsize, tok->start);
  gsize ce = g_array_index (f->off_of, gsize, tok->end - 1) + 1;
  gsize r = cs;

  while (r > 0 && is_blank (kind, a->text->str[r - 1]))
    r--;
  if (r < cs)
    cs = r;
  else
    {
      gsize e = ce;
      while (e < z->text->len && is_blank (kind, z->text->str[e]))
        e++;
      if (e < z->text->len)
        ce = e;
    }
  g_string_truncate (a->text, cs);
  for (guint i = first + 1; i < last; i++)
    g_string_truncate (((PtSegment *) g_ptr_array_index (value->segments, i))->text, 0);
  g_string_erase (z->text, 0, ce);
  for (guint i = last + 1; i > first; i--)
    {
      PtSegment *seg = g_ptr_array_index (value->segments, i - 1);
      if (seg->text->len == 0 && value->segments->len > 1)
        g_ptr_array_remove_index (value->segments, i - 1);
    }
}

/* Removes the first matching word; FALSE when none is left. */
static gboolean
remove_one (PtWordValue       *value,
            PtWordKind         kind,
            const char *const *remove,
            GArray            *parsed)
{
  Flat f;
  g_autoptr(GPtrArray) toks = NULL;
  gboolean removed = FALSE;

  flat_build (value, &f);
  toks = words_tokenize (kind, f.flat->str);
  for (guint i = 0; i < toks->len && !removed; i++)
    {
      PtCmdlineToken *tok = g_ptr_array_index (toks, i);
      guint seg_index;
      PtSegment *seg;
      gsize cs, ce, len;
      const char *c;

      if (!word_matches (kind, tok, remove, parsed))
        continue;
      seg_index = g_array_index (f.seg_of, guint, tok->start);
      if (g_array_index (f.seg_of, guint, tok->end - 1) != seg_index)
        {
          remove_split_word (value, kind, &f, tok);
          removed = TRUE;
          break;
        }
      seg = g_ptr_array_index (value->segments, seg_index);
      cs = g_array_index (f.off_of, gsize, tok->start);
      ce = g_array_index (f.off_of, gsize, tok->end - 1) + 1;
      c = seg->text->str;
      len = seg->text->len;
      if (cs > 0 && is_blank (kind, c[cs - 1]))
        {
          gsize r = cs - 1;
          while (r > 0 && is_blank (kind, c[r - 1]))
            r--;
          g_string_erase (seg->text, r, ce - r);
        }
      else
        {
          gsize e = ce;
          while (e < len && is_blank (kind, c[e]))
            e++;
          if (e < len)
            g_string_erase (seg->text, cs, e - cs);
          else
            g_string_erase (seg->text, cs, ce - cs);
        }
      /* A quoted part we emptied goes away when others remain: it is the
       * part an earlier insert added (see pt_word_value_insert). */
      if (seg->text->len == 0 && (seg->quote == 0 || value->segments->len > 1))
        g_ptr_array_remove_index (value->segments, seg_index);
      removed = TRUE;
    }
  flat_clear (&f);
  return removed;
}

void
pt_word_value_remove (PtWordValue       *value,
                      PtWordKind         kind,
                      const char *const *remove,
                      gboolean          *changed)
{
  g_autoptr(GArray) parsed = NULL;

  if (changed)
    *changed = FALSE;
  if (remove == NULL || remove[0] == NULL)
    return;
  parsed = g_array_new (FALSE, TRUE, sizeof (Pattern));
  for (gsize i = 0; remove[i] != NULL; i++)
    {
      Pattern pat = { NULL, FALSE };
      if (kind == PT_WORDS_CMDLINE)
        pattern_parse (remove[i], &pat);
      g_array_append_val (parsed, pat);
    }
  while (remove_one (value, kind, remove, parsed))
    if (changed)
      *changed = TRUE;
  for (guint i = 0; i < parsed->len; i++)
    pt_cmdline_token_free (g_array_index (parsed, Pattern, i).tok);
}

static gboolean
ends_in_word (PtWordKind  kind,
              const char *prefix,
              const char *flat,
              gsize       flat_len)
{
  if (flat_len > 0)
    return !is_blank (kind, flat[flat_len - 1]);
  return *prefix != '\0' && !is_blank (kind, prefix[strlen (prefix) - 1]);
}

void
pt_word_value_insert (PtWordValue       *value,
                      PtWordKind         kind,
                      const char *const *add,
                      gboolean           before_gpu)
{
  g_autofree char *joined = NULL;
  Flat f;

  if (add == NULL || add[0] == NULL)
    return;
  joined = g_strjoinv (" ", (char **) add);
  flat_build (value, &f);

  if (before_gpu && kind == PT_WORDS_MODULES)
    {
      g_autoptr(GPtrArray) toks = words_tokenize (kind, f.flat->str);
      for (guint i = 0; i < toks->len; i++)
        {
          PtCmdlineToken *tok = g_ptr_array_index (toks, i);
          guint seg_index;
          PtSegment *seg;
          gsize cs;
          g_autofree char *ins = NULL;

          if (!pt_module_is_gpu_driver (tok->text))
            continue;
          seg_index = g_array_index (f.seg_of, guint, tok->start);
          seg = g_ptr_array_index (value->segments, seg_index);
          cs = g_array_index (f.off_of, gsize, tok->start);
          if (seg->quote != 0 || seg->free_text)
            {
              /* after the word before it, keeping the blanks between them
               * (see the removal rule); else in front of it */
              gsize r = cs;
              while (r > 0 && is_blank (kind, seg->text->str[r - 1]))
                r--;
              if (r > 0)
                {
                  ins = g_strconcat (" ", joined, NULL);
                  g_string_insert (seg->text, r, ins);
                }
              else
                {
                  ins = g_strconcat (joined, " ", NULL);
                  g_string_insert (seg->text, cs, ins);
                }
            }
          else
            {
              /* An unquoted shell word cannot take a space: a quoted part
               * goes in front of it. */
              PtSegment *nseg = g_new0 (PtSegment, 1);
              ins = g_strconcat (joined, " ", NULL);
              nseg->quote = '"';
              nseg->text = g_string_new (ins);
              g_ptr_array_insert (value->segments, seg_index, nseg);
            }
          flat_clear (&f);
          return;
        }
    }

  {
    PtSegment *last = value->segments->len > 0
      ? g_ptr_array_index (value->segments, value->segments->len - 1) : NULL;

    /* An empty quoted part after others (a"") looks like the part we
     * append after an unquoted word, which removal takes away again: keep
     * it and append a new part instead, so that revert gives it back. */
    gboolean empty_tail = last != NULL && last->quote != 0 && last->text->len == 0
                          && value->segments->len > 1;

    if (last != NULL && (last->quote != 0 || last->free_text) && !empty_tail)
      {
        gsize pos = last->text->len;
        gsize before_len;
        g_autofree char *ins = NULL;

        while (pos > 0 && is_blank (kind, last->text->str[pos - 1]))
          pos--;
        before_len = f.flat->len - (last->text->len - pos);
        ins = g_strconcat (ends_in_word (kind, value->prefix, f.flat->str, before_len) ? " " : "",
                           joined, NULL);
        g_string_insert (last->text, pos, ins);
      }
    else
      {
        PtSegment *nseg = pt_word_value_append (value, value->shell || empty_tail ? '"' : 0, "", 0);
        if (ends_in_word (kind, value->prefix, f.flat->str, f.flat->len))
          g_string_append_c (nseg->text, ' ');
        g_string_append (nseg->text, joined);
      }
  }
  flat_clear (&f);
}

/* ---- lines -------------------------------------------------------------- */

GArray *
pt_split_lines (const char *text)
{
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (PtLine));
  gsize len = strlen (text);
  gsize i = 0;

  while (i < len)
    {
      PtLine line = { i, i, i };
      const char *nl = memchr (text + i, '\n', len - i);

      if (nl == NULL)
        {
          line.end = line.next = len;
          if (line.end > line.start && text[line.end - 1] == '\r')
            line.end--;
        }
      else
        {
          line.next = (gsize) (nl - text) + 1;
          line.end = (gsize) (nl - text);
          if (line.end > line.start && text[line.end - 1] == '\r')
            line.end--;
        }
      g_array_append_val (lines, line);
      i = line.next;
    }
  return lines;
}

const char *
pt_text_newline (const char *text)
{
  const char *nl = strchr (text, '\n');

  if (nl != NULL && nl > text && nl[-1] == '\r')
    return "\r\n";
  return "\n";
}

gboolean
pt_line_is_comment (const char   *text,
                    const PtLine *line)
{
  gsize i = line->start;

  while (i < line->end && (text[i] == ' ' || text[i] == '\t'))
    i++;
  return i < line->end && text[i] == '#';
}

void
pt_append_line (GString    *text,
                const char *line_text)
{
  const char *nl = pt_text_newline (text->str);

  if (text->len > 0 && text->str[text->len - 1] != '\n')
    {
      /* Keep the file without a final line ending, as it was. */
      g_string_append (text, nl);
      g_string_append (text, line_text);
    }
  else
    {
      g_string_append (text, line_text);
      g_string_append (text, nl);
    }
}

gsize
pt_newline_before (const char *text,
                   gsize       pos)
{
  const char *first;

  if (pos == 0 || text[pos - 1] != '\n')
    return 0;
  if (pos < 2 || text[pos - 2] != '\r')
    return 1;
  /* "\r\n" only when that is what pt_append_line() chose, i.e. the file's
   * first line ending before it is "\r\n"; a lone '\r' that ended the
   * file before we appended stays. */
  first = memchr (text, '\n', pos - 1);
  return (first != NULL && first > text && first[-1] == '\r') ? 2 : 1;
}

void
pt_remove_line (GString *text,
                gsize    start,
                gsize    end,
                gsize    next)
{
  if (next > end)
    g_string_erase (text, start, next - start);
  else
    {
      /* The last line, without a line ending: take the one before it. */
      gsize s = start - pt_newline_before (text->str, start);
      g_string_erase (text, s, end - s);
    }
}
