/* SPDX-License-Identifier: Apache-2.0
 * The route table (routes.def) and the dispatcher: matches a request to a
 * route, authenticates the caller (session cookie + CSRF, API token, sensor
 * key), checks the role, and calls the handler. */
#ifndef MM_CENTER_ROUTER_H
#define MM_CENTER_ROUTER_H

#include <stdio.h>

#include "center/http.h"

/* Who may call a route. */
enum mm_allow {
    MM_ALLOW_PUBLIC = 0, /* anyone */
    MM_ALLOW_SENSOR,     /* an enrolled sensor's key */
    MM_ALLOW_USER,       /* any signed-in user (session or API token) */
    MM_ALLOW_VENDOR,     /* vendor admin or analyst */
    MM_ALLOW_ADMIN,      /* vendor admin */
    MM_ALLOW_MANAGER,    /* vendor admin or SME owner */
    MM_ALLOW_TRIAGE,     /* vendor admin, analyst, or SME owner */
    MM_ALLOW_SELF,       /* any signed-in user, also one whose session must first
                          * change the password (the only routes such a session may call) */
};

/* NONE: 4 KiB; SMALL: JSON of at most MM_SMALL_BODY_MAX, for the public
 * routes (anyone may send those bodies, so each costs little of the body
 * budget); JSON: MM_JSON_BODY_MAX; EVENTS: MM_EVENTS_BODY_MAX. */
enum mm_body_kind { MM_BODY_NONE = 0, MM_BODY_SMALL, MM_BODY_JSON, MM_BODY_EVENTS };

typedef int (*mm_handler_fn)(struct mm_request *req);

struct mm_route {
    enum mm_method method;
    const char *pattern;
    mm_handler_fn handler;
    const char *handler_name;
    enum mm_allow allow;
    enum mm_body_kind body;
};

/* Finds the route for method and path, filling req's path parameters.
 * Returns the route, or NULL with *path_known set when another method matches. */
const struct mm_route *mm_route_match(struct mm_request *req, enum mm_method method,
                                      const char *path, bool *path_known);
/* The body limit of a route (bytes). */
size_t mm_route_body_limit(const struct mm_route *route);
/* Decides from the headers alone, before any body is read, whether the
 * caller of a non-public route may go on: authentication, role, CSRF token
 * and the body's Content-Type. True when admitted (req->admitted is set);
 * else a reply (401/403/415/500) is set. Public routes are always admitted
 * later, at dispatch. */
bool mm_route_admit(struct mm_request *req);
/* Authenticates, authorises and runs the handler; always leaves a reply set. */
void mm_route_dispatch(struct mm_request *req);
/* Writes the route table as a JSON array (for --list-routes and tests). */
void mm_route_print_json(FILE *out);

const char *mm_method_name(enum mm_method m);
enum mm_method mm_method_parse(const char *s);

#endif
