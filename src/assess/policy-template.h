/* SPDX-License-Identifier: Apache-2.0
 * The small template language of the policy documents (data/policy/NAME.LANG.md).
 * Deliberately tiny so the templates stay readable Markdown:
 *
 *   {{org.name}}                         a placeholder: the variable's text
 *   {{#if has_website}} ... {{/if}}      kept when the boolean is true
 *   {{#if x}} ... {{else}} ... {{/if}}   either branch
 *   {{#unless x}} ... {{/unless}}        kept when the boolean is false
 *   {{! a comment }}                     dropped
 *
 * Variables come from one flat JSON object: strings and integers for
 * placeholders, booleans for conditions. Every tag is checked even inside a
 * branch that is not taken, so a misspelt name always fails generation.
 * A block tag alone on its line removes the whole line (no blank lines left).
 * Placeholder values are Markdown-escaped (ASCII punctuation that Markdown
 * treats specially gets a backslash) and newlines become spaces.
 * The syntax is documented for authors in docs/design/policy.md. */
#ifndef MM_ASSESS_POLICY_TEMPLATE_H
#define MM_ASSESS_POLICY_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"

/* Deepest nesting of {{#if}}/{{#unless}} blocks accepted. */
#define MM_TPL_MAX_DEPTH 16
/* Largest template accepted (bytes). */
#define MM_TPL_MAX_SIZE (1024 * 1024)

/* Renders tpl[0..len) with vars and appends the result to out. Errors:
 * MM_ENOENT for an unknown variable, MM_EINVAL for a variable of the wrong
 * type (e.g. a string used in {{#if}}), MM_EPARSE for broken syntax
 * (unclosed tag or block, stray {{else}} or {{/if}}, bad name), MM_ELIMIT
 * past MM_TPL_MAX_DEPTH, MM_ETOOBIG past MM_TPL_MAX_SIZE. On error err gets
 * "line N: reason" naming the tag, and out may hold partial output. */
int mm_tpl_render(const char *tpl, size_t len, const json_t *vars, struct mm_buf *out, char *err,
                  size_t errlen);

#endif
