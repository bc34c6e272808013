#!/usr/bin/env python3
"""Signs in to the pages as one user and writes an OpenAPI document of the page forms and
page queries, so schemathesis can fuzz them like the API (`make fuzz-api`).

The pages are HTML, not JSON, so only the answers' status is judged (no 5xx). The forms
carry this session's CSRF token as a constant, so the fuzzed values reach the handlers
instead of stopping at the token check. Sign-out is left out: it would end the session the
run uses.

Usage: fuzz_pages.py BASE_URL USERNAME PASSWORD SCHEMA_OUT  (prints the Cookie header)
"""

import json
import re
import sys

import requests


def csrf(html: str) -> str:
    m = re.search(r'name="_csrf" value="([^"]+)"', html)
    if not m:
        raise SystemExit("no CSRF token on the page")
    return m.group(1)


def sign_in(base: str, user: str, password: str):
    s = requests.Session()
    r = s.get(f"{base}/login")
    r = s.post(
        f"{base}/login",
        data={"username": user, "password": password, "_csrf": csrf(r.text)},
        allow_redirects=False,
    )
    if r.status_code != 303:
        raise SystemExit(f"{user} could not sign in: {r.status_code}")
    token = csrf(s.get(f"{base}/tickets").text)
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    return cookie, token


def text(**extra):
    return {"type": "string", **extra}


def form(token: str, fields: dict, required=()):
    props = {"_csrf": {"type": "string", "enum": [token]}}
    props.update(fields)
    return {
        "type": "object",
        "properties": props,
        "required": ["_csrf", *required],
    }


def op(summary, params=None, body=None, media="application/x-www-form-urlencoded"):
    o = {"summary": summary, "responses": {"default": {"description": "a page"}}}
    if params:
        o["parameters"] = params
    if body:
        o["requestBody"] = {"required": True, "content": {media: {"schema": body}}}
    return o


def q(name, schema=None):
    return {"name": name, "in": "query", "required": False, "schema": schema or text()}


def p(name, schema):
    return {"name": name, "in": "path", "required": True, "schema": schema}


ID = {"type": "integer", "minimum": 1, "maximum": 60}
ACTIONS = [
    "dispatch", "accept", "return", "escalate", "add_co_departments", "request_extension",
    "decide_extension", "resolve", "report", "urge", "supervise", "comment",
]


def schema(token: str) -> dict:
    action_fields = {
        "expected_version": {"type": "integer", "minimum": 0, "maximum": 30},
        "back": text(),
        **{k: text() for k in [
            "accountable_leader_id", "department_id", "responsible_person_id", "tracker_id",
            "reason", "reason_text", "task_force_id", "days", "approve", "resolution",
            "satisfaction", "feedback", "note", "body",
        ]},
        "co_department_ids": {"type": "array", "items": text()},
        "department_ids": {"type": "array", "items": text()},
    }
    list_params = [q(n) for n in [
        "status", "category", "grid", "department", "enterprise", "overdue", "q", "cursor", "format",
    ]]
    admin = lambda names: form(token, {n: text() for n in names})  # noqa: E731
    paths = {
        "/login": {
            "get": op("sign-in page", [q("next")]),
            "post": op("sign in", body=form(token, {
                "username": text(), "password": text(), "next": text(),
            })),
        },
        "/lang/{lang}": {"get": op("language", [p("lang", text()), q("next")])},
        "/tickets": {"get": op("list", list_params)},
        "/queue": {"get": op("queue", list_params)},
        "/inbox": {"get": op("inbox", list_params)},
        "/task-force": {"get": op("task force", list_params)},
        "/dashboard": {"get": op("dashboard", [q("period"), q("grid")])},
        "/tickets/{id}": {"get": op("ticket", [p("id", ID), q("done")])},
        "/enterprises/{id}": {"get": op("enterprise", [p("id", ID)])},
        "/tickets/new": {
            "get": op("pick an enterprise", [q("q")]),
            "post": op(
                "file",
                body=form(token, {
                    "enterprise_id": text(), "category": text(), "priority": text(),
                    "title": text(), "description": text(), "idempotency_key": text(),
                    "attachments": {"type": "string", "format": "binary"},
                }),
                media="multipart/form-data",
            ),
        },
        "/tickets/new/{enterprise}": {"get": op("filing form", [p("enterprise", ID)])},
        "/tickets/{id}/actions/{action}": {
            "post": op(
                "act",
                [p("id", ID), p("action", {"type": "string", "enum": ACTIONS})],
                form(token, action_fields, ["expected_version"]),
            ),
        },
        "/admin/users": {"post": op("new user", body=admin([
            "username", "display_name", "password", "role", "email", "department_id",
            "task_force_id", "top_leader", "service_centre",
        ]))},
        "/admin/departments": {"post": op("new department", body=admin(["name", "email"]))},
        "/admin/task-forces": {"post": op("new task force", body=admin(["name", "description"]))},
        "/admin/grids": {"post": op("new grid", body=admin([
            "name", "linked_leader_id", "head_id", "task_force_id", "liaison_id", "team",
        ]))},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Gridline pages (for fuzzing)", "version": "1"},
        "paths": paths,
    }


def main():
    base, user, password, out = sys.argv[1:5]
    cookie, token = sign_in(base, user, password)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(schema(token), f, ensure_ascii=False, indent=1)
    print(cookie)


if __name__ == "__main__":
    main()
