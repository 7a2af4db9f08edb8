"""Self-test of table_owners.py over small fake trees.

    python3 -m unittest discover -s Tests/Architecture -p 'test_*.py'
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import table_owners  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "table_owners.py")

# A owns widgets; B owns gadgets and names widgets on line 5 (and B.swift's other SQL only names its own tables).
OWNER = '''\
import GRDB
let schema = """
    CREATE TABLE widgets (id TEXT PRIMARY KEY NOT NULL);
    CREATE INDEX widgets_id ON widgets(id);
    """
'''
BORROWER = '''\
import GRDB
func count(_ db: Database) throws -> Int {
    try Int.fetchOne(
        db,
        sql: "SELECT COUNT(*) FROM widgets JOIN gadgets g ON g.id = widgets.id"
    ) ?? 0
}
let schema = "CREATE TABLE IF NOT EXISTS gadgets (id TEXT PRIMARY KEY NOT NULL)"
'''


class TableOwnersTests(unittest.TestCase):
    def tree(self, files: dict[str, str]) -> str:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        root = folder.name
        for path, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as handle:
                handle.write(textwrap.dedent(text))
        return root

    def run_script(self, root: str, *flags: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, SCRIPT, "--root", root, *flags], capture_output=True, text=True)

    def foreign(self, files: dict[str, str]) -> dict:
        """target -> {table: [file:line]} of the tables each names that another target owns."""
        targets = table_owners.report(self.tree(files))["targets"]
        return {t: {n: f["references"] for n, f in e["names"].items()} for t, e in targets.items() if e["names"]}

    def test_the_ratchet_fails_only_above_its_count_and_asks_to_be_lowered_below_it(self):
        root = self.tree({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": BORROWER})
        self.assertEqual(self.run_script(root).returncode, 1)
        self.assertEqual(self.run_script(root, "--at-most", "1").returncode, 0)
        lower = self.run_script(root, "--at-most", "2")
        self.assertEqual(lower.returncode, 0)
        self.assertIn("lower --at-most in .ci/run to 1", lower.stdout)

    def test_violation_with_file_and_line(self):
        root = self.tree({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": BORROWER, "Sources/CShim/module.modulemap": ""})
        result = self.run_script(root, "--json")
        self.assertEqual(result.returncode, 1, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(set(report["targets"]), {"A", "B"})  # CShim has no Swift: not a target
        self.assertEqual(report["targets"]["A"], {"owns": ["widgets"], "names": {}})
        self.assertEqual(report["targets"]["B"]["owns"], ["gadgets"])
        self.assertEqual(report["targets"]["B"]["names"], {"widgets": {"owners": ["A"], "references": ["Sources/B/B.swift:5"]}})
        self.assertEqual(report["duplicates"], {})
        text = self.run_script(root)
        self.assertEqual(text.returncode, 1)
        self.assertIn("names widgets, owned by A: 1 reference(s)", text.stdout)
        self.assertIn("Sources/B/B.swift:5", text.stdout)

    def test_clean_tree_exits_0(self):
        root = self.tree({"Sources/A/Schema.swift": OWNER, "Sources/B/Other.swift": 'let sql = "SELECT 1 FROM gizmos"\n'})
        result = self.run_script(root)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("Every table is named only by its owner.", result.stdout)

    def test_join_on_columns_and_aliases_are_not_tables(self):
        # "widgets" only appears as an alias, as a column after ON in a join condition, and as a column qualifier.
        borrower = '''\
            let sql = """
                SELECT w.id FROM gadgets widgets JOIN gadgets AS g ON widgets.id = g.id
                LEFT JOIN gadgets x ON x.id = widgets.id WHERE widgets.id IN (SELECT id FROM gadgets)
                JOIN gadgets y ON widgets = y.id JOIN gadgets z USING (id)
                """
            let schema = "CREATE TABLE gadgets (id TEXT)"
            '''
        self.assertEqual(self.foreign({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower}), {})

    def test_comma_lists_multi_line_and_other_positions(self):
        borrower = '''\
            let a = "SELECT * FROM gadgets g, widgets w WHERE g.id = w.id"
            let b = """
                INSERT INTO
                    widgets (id) VALUES (?)
                """
            let c = "UPDATE OR IGNORE widgets SET id = ?"
            let d = "CREATE TABLE gadgets (widget TEXT REFERENCES widgets(id))"
            let e = "CREATE TRIGGER gadgets_touch AFTER UPDATE OF id ON widgets BEGIN DELETE FROM gadgets; END"
            let f = "SELECT seq FROM sqlite_sequence WHERE name = 'widgets'"
            let g = Table("widgets")
            let h = "DELETE FROM main.widgets"
            '''
        refs = self.foreign({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower})["B"]["widgets"]
        lines = [int(r.rsplit(":", 1)[1]) for r in refs]
        self.assertEqual(lines, [1, 4, 6, 7, 8, 9, 10, 11])

    def test_a_foreign_key_to_a_dependency_is_allowed_and_nothing_else(self):
        borrower = '''\
            let a = "CREATE TABLE gadgets (widget TEXT REFERENCES widgets(id))"
            let b = "SELECT * FROM widgets"
            '''
        manifest = '''\
            let package = Package(name: "p", targets: [
                .target(name: "A", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
                .target(name: "C", dependencies: ["A"]),
                // B reaches A through C.
                .target(name: "B", dependencies: ["C", .product(name: "B", package: "x")]),
            ])
            '''
        files = {"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower}
        self.assertEqual(self.foreign(files)["B"]["widgets"], ["Sources/B/B.swift:1", "Sources/B/B.swift:2"])
        self.assertEqual(self.foreign({**files, "Package.swift": manifest})["B"]["widgets"], ["Sources/B/B.swift:2"])
        backwards = manifest.replace('"A", dependencies: [', '"A", dependencies: ["B", ').replace('["C", ', "[")
        self.assertEqual(self.foreign({**files, "Package.swift": backwards})["B"]["widgets"], ["Sources/B/B.swift:1", "Sources/B/B.swift:2"])

    def test_interpolation(self):
        borrower = '''\
            func f(_ kind: String, _ db: Database) throws {
                let table = kind == "w" ? "widgets" : "gadgets"
                try db.execute(sql: "DELETE FROM \\(table) WHERE id IN (\\(ids.map { "'\\($0)'" }.joined(separator: ",")))")
                try db.execute(sql: "SELECT \\(columns(of: "x")) FROM widgets WHERE id = \\(id)")
            }
            let schema = "CREATE TABLE gadgets (id TEXT)"
            '''
        refs = self.foreign({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower})["B"]["widgets"]
        self.assertEqual(refs, ["Sources/B/B.swift:3", "Sources/B/B.swift:4"])

    def test_comments_are_ignored(self):
        borrower = '''\
            // try db.execute(sql: "SELECT * FROM widgets")
            /* "DELETE FROM widgets" /* nested */ "UPDATE widgets" */
            let sql = """
                -- once read FROM widgets, now gadgets only
                SELECT id /* FROM widgets */ FROM gadgets WHERE note = 'JOIN widgets'
                """
            let schema = "CREATE TABLE gadgets (id TEXT)"
            '''
        self.assertEqual(self.foreign({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower}), {})

    def test_ctes_and_sqlite_internals_are_not_tables(self):
        borrower = '''\
            let sql = """
                WITH widgets AS (SELECT id FROM gadgets), other AS (SELECT 1)
                SELECT * FROM widgets, other, sqlite_master
                """
            let schema = "CREATE TABLE gadgets (id TEXT)"
            '''
        self.assertEqual(self.foreign({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower}), {})

    def test_prose_is_not_sql(self):
        borrower = 'let message = "copied from widgets into the archive"\n'
        self.assertEqual(self.foreign({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower}), {})

    def test_raw_strings_and_grdb_create(self):
        borrower = '''\
            let sql = #"SELECT "id" FROM "widgets" WHERE note = "\\"" "#
            try db.create(table: "gadgets") { t in t.column("id", .text) }
            '''
        report = table_owners.report(self.tree({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": borrower}))
        self.assertEqual(report["targets"]["B"]["owns"], ["gadgets"])
        self.assertEqual(report["targets"]["B"]["names"]["widgets"]["references"], ["Sources/B/B.swift:1"])

    def test_duplicate_create_table(self):
        root = self.tree({"Sources/A/Schema.swift": OWNER, "Sources/B/B.swift": 'let s = "CREATE TABLE widgets (id TEXT)"\n'})
        report = table_owners.report(root)
        self.assertEqual(report["duplicates"], {"widgets": ["A Sources/A/Schema.swift:3", "B Sources/B/B.swift:1"]})
        self.assertEqual(report["targets"]["B"]["names"], {})  # B is one of the owners
        output = io.StringIO()
        with redirect_stdout(output):
            table_owners.print_report(report)
        self.assertIn("widgets is created in more than one target", output.getvalue())
        self.assertEqual(self.run_script(root).returncode, 1)


if __name__ == "__main__":
    unittest.main()
