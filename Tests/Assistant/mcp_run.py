#!/usr/bin/env python3
"""The learning assistant (Model Context Protocol) against a real `granary serve --demo`, over both transports, with
the official Python MCP client. One line per check; exits 1 when any check fails.

1. A demo server on a free loopback port (Tests/Reliability/schemathesis_run.Server); the learner (xuesheng), the
   teacher (li.laoshi), the reviewer (wang.shenhe) and the administrator (admin) log in.
2. Tools per role, over streamable HTTP (`POST /mcp`, bearer token): each role is offered exactly its set of tools;
   every tool offered is called with valid arguments and its answer checked for content (search hits with links to
   /resources/, a passage of text and the passage count, the course system's nodes, a job's skills, progress and
   mastery, a draft offering that the API then shows as a draft, a paper from a blueprint and a refused impossible
   one, the teacher's own pending item and the reviewer's queue); every tool not offered is refused as `forbidden`.
3. Visibility: a learner neither finds nor reads the teacher's draft resource (search, tool, `granary://` resource),
   nor sees it or the pending one among the listed resources; its author reads it.
4. Arguments: a missing query, a page size out of range and a passage past the end are `validation_failed` naming
   the argument; an unknown resource is `not_found`.
5. Transport rules, with raw http.client: no token is 401 with WWW-Authenticate, so is a page's session cookie
   (with its CSRF token); GET is 405; a learner's session id with the teacher's token is 404 (to POST and DELETE);
   DELETE with the owner's token ends the session, after which the id is 404; a session begun with a personal
   access token answers 401 once the token is revoked.
6. stdio: `granary mcp` with a learner's personal access token in GRANARY_TOKEN, on the running server's data
   folder: the learner's tools, a search, a passage, the prompts; a resource the reviewer publishes through the API
   meanwhile is found by the next search; the token revoked through the API makes the next tool call an error
   (令牌已失效); a bogus token or none makes the command exit non-zero.
7. Latency: 20 calls each of search_resources, read_resource, course_system and my_progress by the learner over
   HTTP; median and p95 in milliseconds per tool.

    python3 Tests/Assistant/mcp_run.py --binary .build/debug/granary

Standard library and the `mcp` package (PyPI, 2.x) only. The server log and the stdio process's stderr go to
--log-dir (a temporary folder by default); the server is stopped by pid whatever happens.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Reliability"))
from schemathesis_run import Server, log_in  # noqa: E402
from security_run import Browser, api  # noqa: E402

from mcp import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

PASSWORD = "granary-demo"
ACCOUNTS = {"learner": "xuesheng", "teacher": "li.laoshi", "reviewer": "wang.shenhe", "admin": "admin"}
EVERYONE = {"search_resources", "read_resource", "recommend_resources", "course_system", "job_path", "search_answers"}
TOOLS = {
    "learner": EVERYONE | {"my_progress", "learning_path", "build_practice_set", "check_practice_answer"},
    "teacher": EVERYONE | {"my_progress", "learning_path", "build_practice_set", "check_practice_answer", "draft_offering", "draft_paper", "list_review_items"},
    "reviewer": EVERYONE | {"list_review_items"},
    "admin": EVERYONE | {"draft_offering", "draft_paper", "list_review_items"},
}
ALL_TOOLS = set().union(*TOOLS.values())
DRAFT_TITLE, PENDING_TITLE = "焊缝符号标注练习", "超声检测仪器调校"
FEASIBLE = {"total": 2, "byType": {"single": 2}, "difficulty": {"target": 3, "tolerance": 2}}
IMPOSSIBLE = {"total": 50, "byType": {"single": 50}, "difficulty": {"target": 3, "tolerance": 2}}
PROTOCOL = "2025-06-18"
REVIEW_CHECKS = {"political": True, "scientific": True, "applicability": True, "normativity": True}


class Checks:
    """One printed line per check; the failures are kept for the summary and the exit status."""

    def __init__(self):
        self.passed = 0
        self.failures: list[str] = []

    def expect(self, condition: bool, what: str, detail: object = None) -> bool:
        if condition:
            self.passed += 1
            print(f"  ok    {what}", flush=True)
        else:
            shown = "" if detail is None else f"  [{str(detail)[:600]}]"
            self.failures.append(what)
            print(f"  FAIL  {what}{shown}", flush=True)
        return bool(condition)


class Context:
    """What the sections share: the server, the tokens, the demo items' ids."""

    def __init__(self, server: Server, metadata: str, binary: str, log_dir: str):
        self.server, self.metadata, self.binary, self.log_dir = server, metadata, binary, log_dir
        self.port = server.port
        self.base = f"http://127.0.0.1:{server.port}"
        self.tokens: dict[str, str] = {}
        self.draft_id = ""
        self.pending_id = ""
        self.text_id = ""  # a published resource with extracted text (found by the learner's search)


# ---------------------------------------------------------------- helpers


@contextlib.asynccontextmanager
async def http_session(context: Context, role: str):
    """An initialized MCP client session over streamable HTTP as `role`."""
    async with create_mcp_http_client(headers={"Authorization": "Bearer " + context.tokens[role]}) as client:
        async with streamable_http_client(context.base + "/mcp", http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                yield session


def data_of(result) -> dict:
    """The structured content of a tool result (an empty dict when there is none)."""
    return result.structured_content if isinstance(result.structured_content, dict) else {}


def text_of(result) -> str:
    return "".join(getattr(part, "text", "") for part in (result.content or []))


def refusal(result) -> tuple[str | None, list[str]]:
    """(code, fields) of an isError result; (None, []) for a success."""
    if not result.is_error:
        return None, []
    data = data_of(result)
    return data.get("code"), [e.get("field") for e in data.get("errors") or []]


def valid_arguments(tool: str, context: Context) -> dict:
    """Arguments each tool accepts (for the refusal checks: a refused call must fail on the role, not the arguments)."""
    return {
        "search_resources": {"query": "焊接"},
        "read_resource": {"id": context.text_id or context.draft_id},
        "recommend_resources": {"limit": 3},
        "course_system": {"major": "460110"},
        "job_path": {"job": "welder"},
        "search_answers": {"query": "弧柱"},
        "my_progress": {},
        "learning_path": {"job": "welder"},
        "build_practice_set": {"course": "weld-methods"},
        "check_practice_answer": {"attempt": "00000000-0000-0000-0000-000000000000", "question": "q", "answer": "A"},
        "draft_offering": {"course": "weld-methods", "title": "不应起草的课程"},
        "draft_paper": {"course": "weld-methods", "title": "不应组出的试卷", "blueprint": FEASIBLE},
        "list_review_items": {},
    }[tool]


def sse_messages(body: bytes) -> list[dict]:
    """The JSON-RPC messages of an SSE body (or of a plain JSON body)."""
    text = body.decode("utf-8", "replace")
    messages = []
    for line in text.splitlines():
        if line.startswith("data:"):
            with contextlib.suppress(ValueError):
                messages.append(json.loads(line[5:].strip()))
    if not messages:
        with contextlib.suppress(ValueError):
            messages.append(json.loads(text))
    return messages


def raw(port: int, method: str, path: str = "/mcp", body: dict | None = None, headers: dict | None = None):
    """(status, lower-cased headers, body bytes) of one request on a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def mcp_headers(token: str | None = None, session: str | None = None, cookie: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if session:
        headers["Mcp-Session-Id"] = session
        headers["MCP-Protocol-Version"] = PROTOCOL
    if cookie:
        headers["Cookie"] = cookie
    return headers


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}


# ---------------------------------------------------------------- 1. server and accounts


def set_up(context: Context, checks: Checks) -> None:
    print("1. server and accounts", flush=True)
    for role, username in ACCOUNTS.items():
        context.tokens[role] = log_in(context.port, username)
    checks.expect(len(context.tokens) == 4, f"the four roles logged in on port {context.port}")
    teacher = context.tokens["teacher"]
    for status_name, title, attribute in (("draft", DRAFT_TITLE, "draft_id"), ("pending", PENDING_TITLE, "pending_id")):
        status, _, body = api(context.port, "GET", f"/resources?status={status_name}", token=teacher)
        found = [r["id"] for r in (body or {}).get("items", []) if r.get("title") == title] if status == 200 else []
        setattr(context, attribute, found[0] if found else "")
        checks.expect(bool(found), f"the teacher's {status_name} resource {title} is listed by the API", (status, body))


# ---------------------------------------------------------------- 2. tools per role


async def check_everyone(session: ClientSession, role: str, context: Context, checks: Checks) -> None:
    result = await session.call_tool("search_resources", {"query": "焊接"})
    items = data_of(result).get("items") or []
    checks.expect(not result.is_error and items and all("/resources/" + i["id"] in i.get("link", "") for i in items)
                  and data_of(result).get("total", 0) >= len(items) and "焊接" in text_of(result),
                  f"{role}: search_resources 焊接 gives {len(items)} hits, each with a link to /resources/{{id}}", text_of(result))
    if role == "learner":
        texts = [i["id"] for i in items if i.get("kind") == "text"]
        context.text_id = texts[0] if texts else (items[0]["id"] if items else "")
    answers = await session.call_tool("search_answers", {"query": "弧柱 温度"})
    found = data_of(answers).get("items") or []
    checks.expect(not answers.is_error and len(found) == 1 and "等离子体" in found[0].get("answer", "") and "#post-" in found[0].get("link", ""),
                  f"{role}: search_answers finds the demo's question and the teacher's marked answer, with a link to the thread",
                  text_of(answers))
    narrowed = await session.call_tool("search_resources", {"query": "焊接", "course": "weld-methods", "page_size": 2})
    hits = data_of(narrowed).get("items") or []
    checks.expect(not narrowed.is_error and 0 < len(hits) <= 2 and all(h["course"] == "weld-methods" for h in hits),
                  f"{role}: search_resources with course weld-methods and page_size 2 keeps to both", data_of(narrowed))

    result = await session.call_tool("read_resource", {"id": context.text_id})
    reading = data_of(result)
    chunk = reading.get("chunk") or {}
    checks.expect(not result.is_error and reading.get("id") == context.text_id and reading.get("chunkCount", 0) >= 1
                  and chunk.get("index") == 0 and len(chunk.get("text", "")) > 0
                  and reading.get("link", "").endswith("/resources/" + context.text_id) and chunk.get("text", "")[:20] in text_of(result),
                  f"{role}: read_resource gives passage 0 of {reading.get('chunkCount')} with its text and link", text_of(result))

    result = await session.call_tool("recommend_resources", {"resource": context.text_id, "limit": 5})
    related = data_of(result)
    checks.expect(not result.is_error and related.get("basis") == "related" and 0 < len(related.get("items") or []) <= 5
                  and all(i.get("id") != context.text_id for i in related.get("items") or []),
                  f"{role}: recommend_resources for a resource gives {len(related.get('items') or [])} related others (at most 5)", related)
    result = await session.call_tool("recommend_resources", {"limit": 4})
    history = data_of(result)
    checks.expect(not result.is_error and history.get("basis") == "history" and isinstance(history.get("items"), list)
                  and len(history["items"]) <= 4 and all("/resources/" + i["resource"] in text_of(result) for i in history["items"]),
                  f"{role}: recommend_resources without a resource suggests {len(history.get('items') or [])} by history, with links", history)

    result = await session.call_tool("course_system", {"major": "460110"})
    system = data_of(result)
    nodes = system.get("nodes") or []
    courses = {n["key"] for n in nodes if n.get("type") == "course"}
    jobs = {n["key"] for n in nodes if n.get("type") == "job"}
    checks.expect(not result.is_error and {"weld-methods", "weld-structure", "weld-inspection", "mech-drawing"} <= courses
                  and {"welder", "ndt-inspector", "weld-robot-operator"} <= jobs and len(system.get("edges") or []) > 0
                  and "智能焊接技术" in text_of(result),
                  f"{role}: course_system 460110 has {len(nodes)} nodes (the 4 courses, the 3 jobs) and edges", text_of(result))

    result = await session.call_tool("job_path", {"job": "welder"})
    path = data_of(result)
    skills = path.get("skills") or []
    checks.expect(not result.is_error and (path.get("job") or {}).get("id") == "welder" and skills
                  and all(s.get("id") and s.get("name") for s in skills) and "焊工" in text_of(result),
                  f"{role}: job_path welder lists {len(skills)} skills ({', '.join(s.get('id', '?') for s in skills)})", path)


async def check_progress(session: ClientSession, role: str, checks: Checks) -> None:
    for arguments in ({}, {"course": "weld-methods"}):
        result = await session.call_tool("my_progress", arguments)
        standing = data_of(result)
        checks.expect(not result.is_error and isinstance(standing.get("offerings"), list) and isinstance(standing.get("mastery"), list)
                      and standing.get("masteryModel") == "elo" and standing.get("link", "").endswith("/me") and "已作答的知识点" in text_of(result),
                      f"{role}: my_progress {json.dumps(arguments, ensure_ascii=False)} has offerings and mastery "
                      f"({len(standing.get('offerings') or [])} offerings, {len(standing.get('mastery') or [])} points)", standing)


async def check_drafting(session: ClientSession, role: str, context: Context, checks: Checks) -> None:
    token = context.tokens[role]
    if role == "teacher":  # units given by the teacher
        arguments = {"course": "weld-methods", "title": "MCP 组课（教师）", "description": "由学习助手起草",
                     "units": [{"title": "焊接电弧", "resources": [context.text_id]}]}
    else:  # units proposed from the course's points
        arguments = {"course": "weld-methods", "title": "MCP 组课（管理员）"}
    result = await session.call_tool("draft_offering", arguments)
    drafted = data_of(result)
    draft = drafted.get("draft") or {}
    units = draft.get("units") or []
    given = role != "teacher" or (len(units) == 1 and [i["resource"] for i in units[0].get("items", [])] == [context.text_id])
    checks.expect(not result.is_error and draft.get("status") == "draft" and units and given
                  and drafted.get("link", "").endswith(f"/offerings/{draft.get('id')}/edit") and "草稿" in text_of(result),
                  f"{role}: draft_offering gives a draft with {len(units)} units and a link …/edit", text_of(result))
    if draft.get("id"):
        status, _, offering = api(context.port, "GET", f"/offerings/{draft['id']}", token=token)
        checks.expect(status == 200 and (offering or {}).get("status") == "draft" and (offering or {}).get("title") == arguments["title"],
                      f"{role}: GET /api/v1/offerings/{{id}} shows the offering as a draft", (status, offering))
        status, _, body = api(context.port, "GET", f"/offerings/{draft['id']}", token=context.tokens["learner"])
        checks.expect(status in (403, 404), f"{role}: the learner cannot see the unpublished offering ({status})", body)

    result = await session.call_tool("draft_paper", {"course": "weld-methods", "title": f"MCP 小测（{role}）", "blueprint": FEASIBLE})
    drafted = data_of(result)
    paper = drafted.get("draft") or {}
    checks.expect(not result.is_error and len(paper.get("items") or []) == 2 and all(i.get("type") == "single" for i in paper["items"])
                  and (paper.get("figures") or {}).get("questions") == 2 and drafted.get("link", "").endswith(f"/papers/{paper.get('id')}"),
                  f"{role}: draft_paper with 2 single-choice questions assembles a paper of 2 (total score {paper.get('totalScore')})", text_of(result))
    if paper.get("id"):
        status, _, body = api(context.port, "GET", f"/papers/{paper['id']}", token=token)
        checks.expect(status == 200 and (body or {}).get("id") == paper["id"], f"{role}: the paper is there in the API ({status})", body)
    result = await session.call_tool("draft_paper", {"course": "weld-methods", "title": "不可能的试卷", "blueprint": IMPOSSIBLE})
    code, _ = refusal(result)
    checks.expect(code == "infeasible_blueprint" and "未完成" in text_of(result),
                  f"{role}: draft_paper with 50 questions is refused as infeasible_blueprint", text_of(result))


async def check_review_items(session: ClientSession, role: str, context: Context, checks: Checks) -> None:
    result = await session.call_tool("list_review_items", {})
    listing = data_of(result)
    items = listing.get("items") or []
    mine = [i for i in items if i.get("id") == context.pending_id]
    if role == "teacher":
        checks.expect(not result.is_error and listing.get("scope") == "mine" and mine and mine[0].get("status") == "pending"
                      and mine[0].get("title") == PENDING_TITLE and all(i.get("author") == "li.laoshi" for i in items),
                      f"teacher: list_review_items (scope mine) shows {PENDING_TITLE} as pending", listing)
    else:
        checks.expect(not result.is_error and listing.get("scope") == "queue" and mine and PENDING_TITLE in text_of(result)
                      and mine[0].get("link", "").endswith(f"/review/resource/{context.pending_id}"),
                      f"{role}: list_review_items (scope queue) holds {PENDING_TITLE}", listing)
    result = await session.call_tool("list_review_items", {"type": "question"})
    checks.expect(not result.is_error and data_of(result).get("scope") == ("mine" if role == "teacher" else "queue")
                  and isinstance(data_of(result).get("items"), list),
                  f"{role}: list_review_items type question answers ({data_of(result).get('total')} items)", data_of(result))


async def check_learning_path(session: ClientSession, role: str, checks: Checks) -> None:
    result = await session.call_tool("learning_path", {"job": "welder"})
    path = data_of(result)
    steps = path.get("steps") or []
    ids = [step.get("id") for step in steps]
    # Prerequisites come first: every step's prerequisites are earlier in the path.
    ordered = all(ids.index(before) < number for number, step in enumerate(steps) for before in step.get("prerequisites", []) if before in ids)
    required = {step.get("id") for step in steps if step.get("required")}
    checks.expect(not result.is_error and (path.get("job") or {}).get("id") == "welder" and ordered
                  and required == {"fitup", "gmaw", "gtaw", "smaw"} and "arc" in ids and path.get("next") in ids and "下一步" in text_of(result),
                  f"{role}: learning_path welder has {len(steps)} steps in prerequisite order, the four required skills, next {path.get('next')}",
                  path)
    unknown = await session.call_tool("learning_path", {"job": "no-such-job"})
    checks.expect(refusal(unknown)[0] == "not_found", f"{role}: learning_path of an unknown job is not_found", text_of(unknown))


def an_answer(question: dict):
    """Some well-formed answer to a practice question (right or wrong does not matter here)."""
    kind = question.get("type")
    if kind == "single":
        return question["options"][0].split(".")[0]
    if kind == "multiple":
        return [question["options"][0].split(".")[0]]
    if kind == "judge":
        return True
    return ["10"] * (question.get("blanks") or 1)


async def check_practice(session: ClientSession, role: str, checks: Checks) -> None:
    built = await session.call_tool("build_practice_set", {"course": "weld-methods", "count": 3})
    practice = data_of(built)
    questions = practice.get("questions") or []
    checks.expect(not built.is_error and 1 <= len(questions) <= 3 and "/attempts/" in practice.get("link", "") and practice.get("focus")
                  and all(q.get("type") in ("single", "multiple", "judge", "fill") and "answer" not in q for q in questions),
                  f"{role}: build_practice_set gives {len(questions)} objective questions without their answers, on the weakest points "
                  f"{[f.get('point') for f in practice.get('focus') or []]}", practice)
    if not questions:
        return
    first = questions[0]
    arguments = {"attempt": practice.get("attempt"), "question": first["question"], "answer": an_answer(first)}
    checked = await session.call_tool("check_practice_answer", arguments)
    result = data_of(checked)
    checks.expect(not checked.is_error and isinstance(result.get("correct"), bool) and result.get("rightAnswer") is not None
                  and result.get("remaining") == len(questions) - 1,
                  f"{role}: check_practice_answer scores the answer at once with the right answer ({'right' if result.get('correct') else 'wrong'})",
                  result)
    again = await session.call_tool("check_practice_answer", arguments)
    checks.expect(refusal(again)[0] == "conflict", f"{role}: a checked answer cannot be checked again (conflict)", text_of(again))


async def tools_per_role(context: Context, checks: Checks) -> None:
    print("2. tools per role over HTTP", flush=True)
    for role in ACCOUNTS:
        async with http_session(context, role) as session:
            listed = {tool.name for tool in (await session.list_tools()).tools}
            checks.expect(listed == TOOLS[role], f"{role}: offered exactly {sorted(TOOLS[role])}", sorted(listed))
            await check_everyone(session, role, context, checks)
            if "my_progress" in TOOLS[role]:
                await check_progress(session, role, checks)
            if "learning_path" in TOOLS[role]:
                await check_learning_path(session, role, checks)
            if "build_practice_set" in TOOLS[role]:
                await check_practice(session, role, checks)
            if "draft_offering" in TOOLS[role]:
                await check_drafting(session, role, context, checks)
            if "list_review_items" in TOOLS[role]:
                await check_review_items(session, role, context, checks)
            for tool in sorted(ALL_TOOLS - TOOLS[role]):
                result = await session.call_tool(tool, valid_arguments(tool, context))
                code, _ = refusal(result)
                checks.expect(code == "forbidden" and tool in text_of(result), f"{role}: {tool} (not offered) is refused as forbidden",
                              (code, text_of(result)))


# ---------------------------------------------------------------- 3. visibility


async def visibility(context: Context, checks: Checks) -> None:
    print("3. visibility of drafts", flush=True)
    draft_uri = "granary://resources/" + context.draft_id
    async with http_session(context, "learner") as learner:
        result = await learner.call_tool("search_resources", {"query": "焊缝符号"})
        ids = [i["id"] for i in data_of(result).get("items") or []]
        checks.expect(not result.is_error and context.draft_id not in ids and DRAFT_TITLE not in text_of(result),
                      f"learner: search 焊缝符号 does not return the draft ({len(ids)} hits)", text_of(result))
        result = await learner.call_tool("search_resources", {"query": "超声检测"})
        checks.expect(not result.is_error and context.pending_id not in [i["id"] for i in data_of(result).get("items") or []],
                      "learner: search 超声检测 does not return the pending resource", text_of(result))
        result = await learner.call_tool("read_resource", {"id": context.draft_id})
        checks.expect(refusal(result)[0] == "not_found", "learner: read_resource of the draft is not_found", text_of(result))
        result = await learner.call_tool("read_resource", {"id": context.draft_id.upper()})
        checks.expect(refusal(result)[0] == "not_found", "learner: read_resource of the draft's id in capitals is not_found too", text_of(result))
        try:
            answer = await learner.read_resource(draft_uri)
            checks.expect(False, "learner: reading granary://resources/{draft} raises an MCP error", answer)
        except MCPError as error:
            checks.expect(error.code == -32002, f"learner: reading granary://resources/{{draft}} raises an MCP error ({error.code} {error.message})")
        listed = {r.uri for r in (await learner.list_resources()).resources}
        checks.expect(0 < len(listed) <= 20 and draft_uri not in listed and "granary://resources/" + context.pending_id not in listed,
                      f"learner: list_resources ({len(listed)}) leaves out the draft and the pending resource", sorted(listed))
        templates = [t.uri_template for t in (await learner.list_resource_templates()).resource_templates]
        checks.expect(templates == ["granary://resources/{id}"], "learner: the resource template is granary://resources/{id}", templates)
        answer = await learner.read_resource("granary://resources/" + context.text_id)
        body = answer.contents[0].text if answer.contents else ""
        checks.expect(body.startswith("标题：") and f"链接：{context.base}/resources/{context.text_id}" in body,
                      "learner: a published resource read by uri starts with 标题 and holds its 链接", body[:300])
    async with http_session(context, "teacher") as teacher:
        result = await teacher.call_tool("read_resource", {"id": context.draft_id})
        reading = data_of(result)
        checks.expect(not result.is_error and reading.get("status") == "draft" and reading.get("title") == DRAFT_TITLE
                      and reading.get("author") == "li.laoshi",
                      "teacher (author): read_resource of the draft works (status draft)", text_of(result))
        answer = await teacher.read_resource(draft_uri)
        body = answer.contents[0].text if answer.contents else ""
        checks.expect(f"标题：{DRAFT_TITLE}" in body and "链接：" in body, "teacher (author): the draft read by uri has its 标题 and 链接", body[:300])
        listed = {r.uri for r in (await teacher.list_resources()).resources}
        checks.expect(draft_uri in listed, "teacher (author): list_resources includes the draft", sorted(listed))


# ---------------------------------------------------------------- 4. arguments


async def arguments(context: Context, checks: Checks) -> None:
    print("4. arguments", flush=True)
    async with http_session(context, "learner") as session:
        cases = [
            ("search_resources", {}, "query", "missing query"),
            ("search_resources", {"query": "   "}, "query", "a blank query"),
            ("search_resources", {"query": "焊接", "page_size": 99}, "page_size", "page_size 99"),
            ("search_resources", {"query": "焊接", "page": 0}, "page", "page 0"),
            ("search_resources", {"query": "焊接", "kind": "spreadsheet"}, "kind", "an unknown kind"),
            ("read_resource", {}, "id", "read_resource without an id"),
            ("course_system", {}, "major", "course_system without a major"),
        ]
        for tool, given, field, what in cases:
            result = await session.call_tool(tool, given)
            code, fields = refusal(result)
            checks.expect(code == "validation_failed" and field in fields and field in text_of(result),
                          f"{tool}: {what} is validation_failed naming {field}", (code, fields, text_of(result)))
        reading = data_of(await session.call_tool("read_resource", {"id": context.text_id}))
        count = reading.get("chunkCount", 0)
        result = await session.call_tool("read_resource", {"id": context.text_id, "chunk": count})
        code, fields = refusal(result)
        checks.expect(count > 0 and code == "validation_failed" and fields == ["chunk"] and str(count) in text_of(result),
                      f"read_resource: chunk {count} (one past the last of {count}) is validation_failed naming chunk", text_of(result))
        result = await session.call_tool("read_resource", {"id": str(uuid.uuid4())})
        checks.expect(refusal(result)[0] == "not_found", "read_resource: an unknown id is not_found", text_of(result))
        result = await session.call_tool("course_system", {"major": "999999"})
        checks.expect(refusal(result)[0] == "not_found", "course_system: an unknown major is not_found", text_of(result))
        result = await session.call_tool("job_path", {"job": "no-such-job"})
        checks.expect(refusal(result)[0] == "not_found", "job_path: an unknown job is not_found", text_of(result))
        result = await session.call_tool("no_such_tool", {})
        checks.expect(result.is_error and "no_such_tool" in text_of(result), "an unknown tool is an error result naming it", text_of(result))


# ---------------------------------------------------------------- 5. transport rules


def raw_initialize(port: int, token: str) -> tuple[int, str | None, list[dict]]:
    status, headers, body = raw(port, "POST", body=INITIALIZE, headers=mcp_headers(token))
    return status, headers.get("mcp-session-id"), sse_messages(body)


def transport(context: Context, checks: Checks) -> None:
    print("5. HTTP transport rules", flush=True)
    port, learner, teacher = context.port, context.tokens["learner"], context.tokens["teacher"]
    status, headers, _ = raw(port, "POST", body=INITIALIZE, headers=mcp_headers())
    checks.expect(status == 401 and headers.get("www-authenticate", "").startswith("Bearer"),
                  f"POST /mcp without Authorization: 401 with WWW-Authenticate ({status}, {headers.get('www-authenticate')!r})")
    status, headers, _ = raw(port, "POST", body=INITIALIZE, headers=mcp_headers("not-a-token"))
    checks.expect(status == 401, f"POST /mcp with an unknown bearer token: 401 ({status})")

    page = Browser(port)
    form = page.form_token()
    page.request("POST", "/login", form={"_csrf": form, "next": "/", "username": ACCOUNTS["learner"], "password": PASSWORD})
    _, _, html = page.request("GET", "/")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    cookie = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
    checks.expect("granary_session" in page.cookies and match is not None, "the learner logged in through the form (session cookie, CSRF token)")
    status, headers, _ = raw(port, "POST", body=INITIALIZE, headers=mcp_headers(cookie=cookie) | {"X-CSRF-Token": match.group(1) if match else ""})
    checks.expect(status == 401 and headers.get("www-authenticate", "").startswith("Bearer"),
                  f"POST /mcp with the session cookie (and its CSRF token) only: 401 with WWW-Authenticate ({status})")
    status, _, _ = raw(port, "POST", body=INITIALIZE, headers=mcp_headers(cookie=cookie))
    checks.expect(status in (401, 403), f"POST /mcp with the session cookie and no CSRF token is refused ({status})")

    status, headers, _ = raw(port, "GET", headers={"Authorization": "Bearer " + learner, "Accept": "text/event-stream"})
    checks.expect(status == 405 and "POST" in headers.get("allow", ""), f"GET /mcp with a token: 405, Allow {headers.get('allow')!r} ({status})")

    status, session, messages = raw_initialize(port, learner)
    result = (messages[0].get("result") or {}) if messages else {}
    checks.expect(status == 200 and session and (result.get("serverInfo") or {}).get("name") == "granary",
                  f"raw initialize as the learner: 200, an Mcp-Session-Id and serverInfo granary ({status})", messages)
    notified, _, _ = raw(port, "POST", body={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=mcp_headers(learner, session))
    status, _, body = raw(port, "POST", body=LIST_TOOLS, headers=mcp_headers(learner, session))
    names = {t["name"] for m in sse_messages(body) for t in (m.get("result") or {}).get("tools", [])}
    checks.expect(notified in (200, 202) and status == 200 and names == TOOLS["learner"],
                  f"the learner's own session lists the learner's tools (initialized {notified}, tools/list {status})", names)
    status, _, body = raw(port, "POST", body=LIST_TOOLS, headers=mcp_headers(teacher, session))
    checks.expect(status == 404, f"the learner's session id with the teacher's token: 404 ({status})", body[:300])
    status, _, _ = raw(port, "DELETE", headers=mcp_headers(teacher, session))
    checks.expect(status == 404, f"DELETE of the learner's session with the teacher's token: 404 ({status})")
    status, _, body = raw(port, "POST", body=LIST_TOOLS, headers=mcp_headers(learner, session))
    checks.expect(status == 200 and sse_messages(body), f"the session still works for the learner after both refusals ({status})")
    status, _, body = raw(port, "POST", body=LIST_TOOLS, headers=mcp_headers(learner))
    checks.expect(status == 400, f"tools/list without a session id and not initialize: 400 ({status})", body[:300])
    status, _, body = raw(port, "DELETE", headers=mcp_headers(learner, session))
    checks.expect(200 <= status < 300, f"DELETE /mcp with the owner's token ends the session ({status})", body[:300])
    status, _, body = raw(port, "POST", body=LIST_TOOLS, headers=mcp_headers(learner, session))
    checks.expect(status == 404, f"the ended session id: 404 ({status})", body[:300])
    status, _, _ = raw(port, "DELETE", headers=mcp_headers(learner, session))
    checks.expect(status == 404, f"DELETE of the ended session again: 404 ({status})")

    status, _, made = api(port, "POST", "/me/tokens", {"name": "mcp_run http", "days": 1}, token=learner)
    personal = (made or {}).get("token") if status == 201 else None
    status, session, _ = raw_initialize(port, personal or "")
    checks.expect(status == 200 and session, f"raw initialize with the learner's personal access token: 200 ({status})")
    revoked, _, _ = api(port, "DELETE", f"/me/tokens/{(made or {}).get('id')}", token=learner)
    status, headers, _ = raw(port, "POST", body=LIST_TOOLS, headers=mcp_headers(personal, session))
    checks.expect(revoked == 204 and status == 401 and "www-authenticate" in headers,
                  f"after the token is revoked (204) its session's next request is 401 ({revoked}, {status})")


# ---------------------------------------------------------------- 6. stdio


def mcp_command(context: Context) -> list[str]:
    return ["mcp", "--data", context.server.data, "--metadata", context.metadata]


async def stdio(context: Context, checks: Checks) -> None:
    print("6. stdio (granary mcp)", flush=True)
    learner = context.tokens["learner"]
    status, _, made = api(context.port, "POST", "/me/tokens", {"name": "mcp_run stdio", "days": 30}, token=learner)
    checks.expect(status == 201 and isinstance(made, dict) and made.get("token") and made.get("id"),
                  f"the learner makes a personal access token ({status})", made)
    if status != 201:
        return
    personal, token_id = made["token"], made["id"]
    status, _, me = api(context.port, "GET", "/me", token=personal)
    checks.expect(status == 200 and (me or {}).get("username") == ACCOUNTS["learner"], f"the personal token acts as the learner in the API ({status})")
    parameters = StdioServerParameters(command=context.binary, args=mcp_command(context), env={"GRANARY_TOKEN": personal})
    with open(os.path.join(context.log_dir, "stdio.stderr.log"), "a") as errlog:
        async with stdio_client(parameters, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                info = await session.initialize()
                checks.expect(info.server_info.name == "granary", f"stdio: initialize answers serverInfo granary ({info.protocol_version})")
                listed = {tool.name for tool in (await session.list_tools()).tools}
                checks.expect(listed == TOOLS["learner"], "stdio: the learner's tools are listed", sorted(listed))
                result = await session.call_tool("search_resources", {"query": "焊接"})
                items = data_of(result).get("items") or []
                checks.expect(not result.is_error and items and all(i["link"] == "/resources/" + i["id"] for i in items),
                              f"stdio: search_resources 焊接 gives {len(items)} hits with links /resources/{{id}}", text_of(result))
                checks.expect(context.draft_id not in [i["id"] for i in items], "stdio: the learner's search leaves out the draft")
                result = await session.call_tool("read_resource", {"id": context.text_id})
                reading = data_of(result)
                checks.expect(not result.is_error and reading.get("chunkCount", 0) >= 1 and (reading.get("chunk") or {}).get("text"),
                              f"stdio: read_resource gives passage 0 of {reading.get('chunkCount')}", text_of(result))
                result = await session.call_tool("read_resource", {"id": context.draft_id})
                checks.expect(refusal(result)[0] == "not_found", "stdio: read_resource of the draft is not_found", text_of(result))
                result = await session.call_tool("draft_paper", valid_arguments("draft_paper", context))
                checks.expect(refusal(result)[0] == "forbidden", "stdio: draft_paper is refused to the learner as forbidden", text_of(result))
                prompts = {p.name: p for p in (await session.list_prompts()).prompts}
                checks.expect(set(prompts) == {"prepare_lesson", "plan_learning"}
                              and [a.name for a in prompts["prepare_lesson"].arguments if a.required] == ["course"],
                              "stdio: the prompts are prepare_lesson (course required) and plan_learning", sorted(prompts))
                prompt = await session.get_prompt("plan_learning", {"job": "welder", "major": "460110"})
                text = "".join(getattr(m.content, "text", "") for m in prompt.messages)
                checks.expect(prompt.messages and prompt.messages[0].role == "user" and "job_path" in text and "welder" in text and "460110" in text,
                              "stdio: plan_learning for welder/460110 is a user message naming job_path, the job and the major", text[:300])
                prompt = await session.get_prompt("prepare_lesson", {"course": "weld-methods", "topic": "焊接电弧"})
                text = "".join(getattr(m.content, "text", "") for m in prompt.messages)
                checks.expect("weld-methods" in text and "焊接电弧" in text and "search_resources" in text,
                              "stdio: prepare_lesson for weld-methods names the course, the topic and the tools", text[:300])

                await stdio_sees_server_changes(session, context, checks)

                status, _, _ = api(context.port, "DELETE", f"/me/tokens/{token_id}", token=learner)
                checks.expect(status == 204, f"the learner revokes the personal token through the API ({status})")
                status, _, _ = api(context.port, "GET", "/me", token=personal)
                checks.expect(status == 401, f"the revoked token is refused by the API at once ({status})")
                result = await session.call_tool("search_resources", {"query": "焊接"})
                code, _ = refusal(result)
                refused = checks.expect(result.is_error and ("令牌已失效" in text_of(result) or code == "unauthorized"),
                                        "stdio: the next tool call after the revocation is refused (令牌已失效, unauthorized)",
                                        f"is_error {result.is_error}, code {code}: {text_of(result)[:120]}")
                if not refused:
                    await how_long_until_refused(session)
                result = await session.call_tool("course_system", {"major": "460110"})
                checks.expect(result.is_error, "stdio: and so is a later call", text_of(result)[:200])
    for what, environment in (("a bogus token", {"GRANARY_TOKEN": "bogus-" + uuid.uuid4().hex}), ("no token", {})):
        env = {k: v for k, v in os.environ.items() if k != "GRANARY_TOKEN"} | environment
        try:
            run = subprocess.run([context.binary, *mcp_command(context)], env=env, stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=120)
            checks.expect(run.returncode != 0 and "GRANARY_TOKEN" in run.stderr,
                          f"granary mcp with {what} exits {run.returncode}, naming GRANARY_TOKEN", run.stderr[-300:])
        except subprocess.TimeoutExpired:
            checks.expect(False, f"granary mcp with {what} exits (it was still running after 120 s)")


async def stdio_sees_server_changes(session: ClientSession, context: Context, checks: Checks) -> None:
    """A change the server commits while `granary mcp` runs (the reviewer publishes the pending resource) reaches
    the stdio process's search: its tool calls catch up with the change feed first."""
    status, _, review = api(context.port, "POST", f"/reviews/resource/{context.pending_id}/decision",
                            {"decision": "approve", "checks": REVIEW_CHECKS, "comment": "mcp_run", "version": 1},
                            token=context.tokens["reviewer"])
    checks.expect(status == 201, f"the reviewer publishes {PENDING_TITLE} through the API while granary mcp runs ({status})", review)
    status, _, found = api(context.port, "GET", "/search?q=" + urllib.parse.quote("超声检测"), token=context.tokens["learner"])
    api_ids = [hit.get("id") or (hit.get("document") or {}).get("id") for hit in (found or {}).get("items") or []] if status == 200 else []
    checks.expect(context.pending_id in api_ids, f"the server's own search (API) finds it for the learner ({status})", found)
    result = await session.call_tool("search_resources", {"query": "超声检测"})
    ids = [i["id"] for i in data_of(result).get("items") or []]
    checks.expect(not result.is_error and context.pending_id in ids,
                  f"stdio: the learner's search_resources 超声检测 finds the newly published resource ({len(ids)} hits)", text_of(result)[:300])
    result = await session.call_tool("read_resource", {"id": context.pending_id})
    checks.expect(not result.is_error and data_of(result).get("status") == "approved",
                  "stdio: the learner's read_resource of it works (status approved)", text_of(result)[:200])


async def how_long_until_refused(session: ClientSession, limit: float = 75) -> None:
    """Diagnosis of a failed revocation check (not a check itself): how long the stdio process goes on accepting
    the revoked token."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        await asyncio.sleep(5)
        result = await session.call_tool("job_path", {"job": "welder"})
        if result.is_error:
            print(f"        note: the revoked token was refused {time.monotonic() - started:.0f} s after the revocation "
                  f"({refusal(result)[0]}: {text_of(result)[:60]})", flush=True)
            return
    print(f"        note: the revoked token was still accepted {limit:.0f} s after the revocation", flush=True)


# ---------------------------------------------------------------- 7. latency


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def latency(context: Context, checks: Checks, calls: int) -> list[str]:
    print(f"7. latency: {calls} calls per tool, learner over HTTP", flush=True)
    cases = [
        ("search_resources", {"query": "焊接"}),
        ("read_resource", {"id": context.text_id}),
        ("course_system", {"major": "460110"}),
        ("my_progress", {}),
    ]
    figures = []
    async with http_session(context, "learner") as session:
        for tool, arguments in cases:
            times, errors = [], 0
            for _ in range(calls):
                started = time.perf_counter()
                result = await session.call_tool(tool, arguments)
                times.append((time.perf_counter() - started) * 1000)
                errors += bool(result.is_error)
            checks.expect(errors == 0, f"{tool}: {calls} calls without an error ({errors} errors)")
            line = f"{tool}: median {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms"
            print("        " + line, flush=True)
            figures.append(line)
    return figures


# ---------------------------------------------------------------- main


async def run_all(context: Context, checks: Checks, calls: int) -> list[str]:
    await tools_per_role(context, checks)
    await visibility(context, checks)
    await arguments(context, checks)
    transport(context, checks)
    await stdio(context, checks)
    return await latency(context, checks, calls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "granary"))
    parser.add_argument("--metadata", default=os.path.join(ROOT, "Metadata"))
    parser.add_argument("--calls", type=int, default=20, help="calls per tool in the latency figures")
    parser.add_argument("--log-dir", default=None)
    args = parser.parse_args()
    binary, metadata = os.path.abspath(args.binary), os.path.abspath(args.metadata)
    log_dir = os.path.abspath(args.log_dir or tempfile.mkdtemp(prefix="granary-mcp-run-"))
    os.makedirs(log_dir, exist_ok=True)
    server_log = os.path.join(log_dir, "server.log")
    checks = Checks()
    started = time.monotonic()
    server = Server(binary, metadata, server_log)
    context = Context(server, metadata, binary, log_dir)
    figures: list[str] = []
    try:
        server.start()
        set_up(context, checks)
        figures = asyncio.run(run_all(context, checks, args.calls))
        checks.expect(server.alive(), "granary serve is still running after the run")
    except Exception as error:  # a crash of the run is a failure, reported with the checks done so far
        checks.failures.append(f"the run stopped: {type(error).__name__}: {error}")
        print(f"  FAIL  the run stopped: {type(error).__name__}: {error}", flush=True)
        traceback.print_exc()
    finally:
        server.stop()
    verdict = "passed" if not checks.failures else f"FAILED ({len(checks.failures)} checks)"
    print(f"mcp run {verdict}: {checks.passed} checks passed, {len(checks.failures)} failed, "
          f"{time.monotonic() - started:.0f} s; latency {'; '.join(figures) or 'not measured'}; logs in {log_dir}", flush=True)
    for failure in checks.failures:
        print(f"  failed: {failure}", file=sys.stderr)
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
