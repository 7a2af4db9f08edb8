#!/usr/bin/env python3
"""Table owners: each table is created by the migrations of the one target that owns it, and only that target's code
names it in SQL; other targets go through the owner's Swift API.

    python3 Tests/Architecture/table_owners.py [--root PATH] [--json]

A target is a folder Sources/<Target>/ holding .swift files. A table's owner is the target whose Swift source creates
it: CREATE [VIRTUAL] TABLE [IF NOT EXISTS] in a string literal, or GRDB's db.create(table: "name"). A target names a
table when one of its SQL-looking string literals has it after FROM (and in the comma list after FROM), JOIN, INTO,
UPDATE, TABLE, REFERENCES, or ON in CREATE INDEX / CREATE TRIGGER; when a GRDB call takes it (Table("name"),
db.create/alter/drop(table:), databaseTableName = "name", db.columns(in:), ...); or when SQLite's catalogue is asked
about it (sqlite_sequence WHERE name = 'events', PRAGMA table_info(name)). An interpolated table name, FROM \\(table),
counts the known tables among the string literals of the line that binds `table` (let table = ..., for table in [...]).
Only tables created somewhere count: aliases, CTE names, SQLite internals and SQL comments are not references.
A foreign key (REFERENCES) to a table of a target this one depends on in Package.swift, directly or not, is allowed:
it is the schema's own form of that declared dependency.

Prints each target's tables and the tables it names that another target owns, with file:line. Standard library only.
Exits 1 when a target names a table owned elsewhere or two targets create the same table, 0 otherwise. While the
tables still move to their owners, CI passes --at-most N, today's count, which only ever goes down.
"""
import argparse
import bisect
import json
import os
import re
import sys
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field

QUOTE = re.compile(r'(#*)("""|")')  # a string literal opens: raw (#"), multi-line (""") or plain
HOLE = "\x00"  # an interpolation \(...) becomes HOLE<n>HOLE inside a literal's text
NAME = r'(?:\w+\.)?["`\[]?([A-Za-z_]\w*|\x00\d+\x00)["`\]]?'
# SQL: an upper-case keyword anywhere (the project's style), or a statement keyword of any case at the start.
SQL_WORD = re.compile(
    r"\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|CREATE|ALTER|DROP|TRIGGER|INDEX|REFERENCES|PRAGMA)\b"
    r"|^\s*(?i:select|insert|update|delete|replace|with|create|alter|drop|pragma)\b"
)
CREATES = re.compile(r"\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?" + NAME, re.I)
NAMES = re.compile(
    r"\b(?:(FROM)|JOIN|INTO|UPDATE(?:\s+OR\s+\w+)?|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?|REFERENCES"
    r"|CREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*?\bON|CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\b[^;]*?\bON)\s+" + NAME,
    re.I,
)
CLAUSE = r"(?:WHERE|JOIN|INNER|LEFT|RIGHT|FULL|CROSS|NATURAL|ON|USING|GROUP|ORDER|LIMIT|HAVING|WINDOW|UNION|EXCEPT)"
FROM_LIST = re.compile(r"(?:\s+(?:AS\s+)?(?!" + CLAUSE + r"\b)[A-Za-z_]\w*)?\s*,\s*" + NAME, re.I)  # , b [alias]
CTE = re.compile(
    r"(?:\bWITH\s+(?:RECURSIVE\s+)?|\)\s*,\s*)(\w+)\s*(?:\([^)]*\)\s*)?AS\s*(?:NOT\s+)?(?:MATERIALIZED\s+)?\(", re.I
)
CATALOGUE = re.compile(
    r"\bsqlite_(?:sequence|master|schema|stat\d)\b[^;]*?\b(?:tbl_)?name\s*(?:=\s*'\w+'|IN\s*\([^)]*\))"
    r"|\bPRAGMA\s+(?:\w+\.)?(?:table_x?info|index_list|foreign_key_list|foreign_key_check)\s*\(\s*'?\w+"
    r"|\bpragma_(?:table_x?info|index_list|foreign_key_list)\s*\(\s*'\w+",
    re.I,
)
GRDB_CREATE = re.compile(r"\.create\(\s*(?:virtualTable|table)\s*:\s*$")
GRDB_NAMES = re.compile(
    r"(?:\bTable(?:<[^>]*>)?\(|\.(?:create|alter|drop|rename)\(\s*(?:virtualTable|table)\s*:|\bdatabaseTableName\s*"
    r"(?::\s*String\s*)?(?:=|\{\s*(?:return\s+)?)|\.(?:tableExists|primaryKey)\(|\.(?:columns\(\s*in|indexes\(\s*on"
    r"|foreignKeys\(\s*on)\s*:|\bon\s*:)\s*$"
)


@dataclass
class Literal:
    text: str  # the literal's content, escapes decoded, interpolations replaced by holes
    line: int  # line of the opening quote; text keeps the source's line breaks
    before: str  # code on the same line just before the literal
    holes: list[str] = field(default_factory=list)  # the interpolated expressions


def find(text: str, part: str, start: int) -> int:
    """Where `part` next occurs from `start`, or the end of `text`."""
    at = text.find(part, start)
    return len(text) if at < 0 else at


def swift_literals(src: str) -> list[Literal]:
    """Every string literal of a Swift source (raw, multi-line and those inside interpolations); comments skipped."""
    starts = [0] + [m.end() for m in re.finditer("\n", src)]
    found: list[Literal] = []

    def code(i: int, nested: bool) -> int:  # scans code from i; when nested, returns just after the closing ')'
        depth = 0
        while i < len(src):
            if src.startswith("//", i):
                i = find(src, "\n", i)
                continue
            if src.startswith("/*", i):
                level, i = 1, i + 2
                while i < len(src) and level:
                    level += src.startswith("/*", i) - src.startswith("*/", i)
                    i += 2 if src.startswith(("/*", "*/"), i) else 1
                continue
            quote = QUOTE.match(src, i)
            if quote:
                i = string(quote)
                continue
            if nested and src[i] == "(":
                depth += 1
            elif nested and src[i] == ")":
                if depth == 0:
                    return i + 1
                depth -= 1
            i += 1
        return i

    def string(quote: re.Match) -> int:
        hashes, delim = quote.groups()
        close, escape, i = delim + hashes, "\\" + hashes, quote.end()
        line = bisect.bisect_right(starts, quote.start())
        literal = Literal("", line, src[starts[line - 1] : quote.start()])
        text: list[str] = []
        while i < len(src) and not src.startswith(close, i):
            if src.startswith(escape, i) and i + len(escape) < len(src):
                i += len(escape)
                if src[i] == "(":
                    end = code(i + 1, nested=True)
                    expression = src[i + 1 : end - 1]
                    text.append(f"{HOLE}{len(literal.holes)}{HOLE}" + "\n" * expression.count("\n"))
                    literal.holes.append(expression.strip())
                    i = end
                    continue
                text.append(" " if src[i] in "ntr0" else src[i])
            elif delim == '"' and src[i] == "\n":
                break  # not a literal after all (an unbalanced quote); resume on the next line
            else:
                text.append(src[i])
            i += 1
        literal.text = "".join(text)
        found.append(literal)
        return i + len(close)

    code(0, nested=False)
    return found


def without_comments(sql: str) -> tuple[str, str]:
    """The SQL with -- and /* */ comments blanked; and the same with '...' string contents blanked too."""
    keep, bare, i = list(sql), list(sql), 0
    while i < len(sql):
        end = None
        if sql.startswith("--", i):
            end = find(sql, "\n", i)
        elif sql.startswith("/*", i):
            end = find(sql, "*/", i) + 2
        elif sql[i] == "'":
            end = find(sql, "'", i + 1) + 1
            for j in range(i + 1, end - 1):
                bare[j] = " " if sql[j] != "\n" else "\n"
            i = end
            continue
        if end is None:
            i += 1
            continue
        for j in range(i, min(end, len(sql))):
            keep[j] = bare[j] = " " if sql[j] != "\n" else "\n"
        i = end
    return "".join(keep), "".join(bare)


def scan(root: str) -> tuple[list[str], list[tuple]]:
    """The targets, and every (target, file, line, name, creates?) their sources give."""
    targets, found = [], []
    sources = os.path.join(root, "Sources")
    for target in sorted(os.listdir(sources)):
        folder = os.path.join(sources, target)
        files = sorted(os.path.join(d, f) for d, _, names in os.walk(folder) for f in names if f.endswith(".swift"))
        targets += [target] if files else []
        for path in files:
            with open(path, encoding="utf-8") as handle:
                src = handle.read()
            literals, where = swift_literals(src), os.path.relpath(path, root)
            for literal in literals:
                for name, offset, how in names_in(literal, literals, src):
                    found.append((target, where, literal.line + literal.text.count("\n", 0, offset), name, how))
    return targets, found


def dependencies(root: str) -> dict[str, set[str]]:
    """Each target of Package.swift and the package's own targets it depends on, directly or not."""
    path = os.path.join(root, "Package.swift")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        manifest = re.sub(r"//[^\n]*", "", handle.read())
    direct: dict[str, set[str]] = {}
    for m in re.finditer(r'\.(?:target|executableTarget|testTarget)\(\s*name:\s*"(\w+)"(.*?)(?=\.(?:target|executableTarget|testTarget|systemLibrary)\(|\Z)', manifest, re.S):
        listed = re.search(r"dependencies:\s*\[(.*?)\]\s*(?:,|\))", m.group(2), re.S)
        bare = re.sub(r"\.product\([^)]*\)", "", listed.group(1)) if listed else ""
        direct[m.group(1)] = set(re.findall(r'"(\w+)"', bare))
    closed: dict[str, set[str]] = {}
    for target in direct:
        seen, stack = set(), list(direct[target])
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack += direct.get(name, set())
        closed[target] = seen
    return closed


def names_in(literal: Literal, literals: list[Literal], src: str):
    """(name, offset in the literal, how) for each table name the literal gives; how is "creates", "references" (a
    foreign key) or "names"."""
    text = literal.text
    if re.fullmatch(r"\w+", text):
        if GRDB_CREATE.search(literal.before):
            yield text, 0, "creates"
        if GRDB_NAMES.search(literal.before):
            yield text, 0, "names"
    if not SQL_WORD.search(text):
        return
    kept, bare = without_comments(text)
    ctes = {m.group(1).lower() for m in CTE.finditer(bare)}
    for m in CREATES.finditer(bare):
        yield m.group(1), m.start(1), "creates"
    for m in NAMES.finditer(bare):
        how = "references" if m.group(0)[:10].upper() == "REFERENCES" else "names"
        found = [m]
        while m.group(1) and (following := FROM_LIST.match(bare, found[-1].end())):
            found.append(following)
        for n in found:
            name = n.group(n.lastindex)
            if name.startswith(HOLE):
                for bound in bound_names(literal.holes[int(name.strip(HOLE))], literal.line, literals, src):
                    yield bound, n.start(n.lastindex), how
            elif name.lower() not in ctes:
                yield name, n.start(n.lastindex), how
    for m in CATALOGUE.finditer(kept):
        for name in re.findall(r"'(\w+)'|\(\s*(\w+)", m.group(0)):
            yield "".join(name), m.start(), "names"


def bound_names(expression: str, line: int, literals: list[Literal], src: str) -> list[str]:
    """Plain literals on the line binding `expression` (let/var x = ..., for x in [...]) nearest above `line`."""
    variable = re.sub(r"^(?:self|Self)\.", "", expression)
    if not re.fullmatch(r"\w+", variable):
        return []
    binding = re.compile(rf"\b(?:(?:let|var)\s+{variable}\b[^=\n]*=|for\s+{variable}\s+in\b)")
    lines = src.split("\n")
    candidates = [n + 1 for n, text in enumerate(lines) if binding.search(text)]
    above = [n for n in candidates if n <= line]
    if not candidates:
        return []
    bound = above[-1] if above else candidates[0]
    spans = {bound, bound + 1} if lines[bound - 1].rstrip().endswith("=") else {bound}
    return [x.text for x in literals if x.line in spans and not x.holes and re.fullmatch(r"\w+", x.text)]


def report(root: str) -> dict:
    targets, found = scan(root)
    created = defaultdict(list)  # lower-case name (SQLite's are case-insensitive) -> [(target, file, line, name)]
    depends = dependencies(root)
    for target, where, line, name, how in found:
        if how == "creates":
            created[name.lower()].append((target, where, line, name))
    owners = {table: sorted({place[0] for place in places}) for table, places in created.items()}
    spelled = {table: places[0][3] for table, places in created.items()}
    result = {target: {"owns": [], "names": {}} for target in targets}
    for table, names in sorted(owners.items()):
        for target in names:
            result[target]["owns"].append(spelled[table])
    for target, where, line, name, how in found:
        table = name.lower()
        if how == "references" and set(owners.get(table, [])) <= depends.get(target, set()):
            continue
        if table in owners and target not in owners[table]:
            foreign = result[target]["names"].setdefault(spelled[table], {"owners": owners[table], "references": set()})
            foreign["references"].add((where, line))
    for entry in result.values():
        for foreign in entry["names"].values():
            foreign["references"] = [f"{where}:{line}" for where, line in sorted(foreign["references"])]
    duplicates = {spelled[t]: [f"{p[0]} {p[1]}:{p[2]}" for p in created[t]] for t, o in owners.items() if len(o) > 1}
    violations = len(duplicates) + sum(len(f["references"]) for e in result.values() for f in e["names"].values())
    return {"root": root, "targets": result, "duplicates": duplicates, "violations": violations}


def print_report(result: dict) -> None:
    for target, entry in sorted(result["targets"].items()):
        owned = f"{target} owns {len(entry['owns'])} table(s)" + (": " + ", ".join(entry["owns"]) if entry["owns"] else "")
        print(textwrap.fill(owned, width=120, subsequent_indent="    ", break_on_hyphens=False))
        for table, foreign in sorted(entry["names"].items(), key=lambda item: item[0].lower()):
            owners, count = ", ".join(foreign["owners"]), len(foreign["references"])
            print(f"  names {table}, owned by {owners}: {count} reference(s)")
            by_file: dict = defaultdict(list)
            for reference in foreign["references"]:
                where, line = reference.rsplit(":", 1)
                by_file[where].append(line)
            for where, lines in sorted(by_file.items()):
                print(f"    {where}:{','.join(lines)}")
    for table, places in sorted(result["duplicates"].items()):
        print(f"{table} is created in more than one target: {'; '.join(places)}")
    print(f"{result['violations']} violation(s)" if result["violations"] else "Every table is named only by its owner.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--at-most",
        type=int,
        default=0,
        metavar="N",
        help="fail only above N cross-target references: the ratchet CI holds while the migrations move to their owners",
    )
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.root, "Sources")):
        parser.error(f"no Sources folder under {args.root}")
    result = report(os.path.abspath(args.root))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_report(result)
    if result["duplicates"] or result["violations"] > args.at_most:
        if args.at_most:
            print(f"more than the {args.at_most} cross-target reference(s) allowed: a change named another target's table")
        return 1
    if result["violations"] < args.at_most:
        print(f"fewer than the {args.at_most} allowed: lower --at-most in .ci/run to {result['violations']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
