"""python: the interpreter and the standard library work, as the non-root user."""
import json
import os
import sqlite3
import sys
import tempfile

assert sys.version_info[:2] >= (3, 11), sys.version
assert os.getuid() == 1000, os.getuid()

# A real round trip through the stdlib: json -> sqlite -> aggregate.
rows = json.loads('[{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "a", "v": 3}]')
with tempfile.TemporaryDirectory() as d:
    db = sqlite3.connect(os.path.join(d, "t.db"))
    db.execute("create table t (k text, v int)")
    db.executemany("insert into t values (:k, :v)", rows)
    got = dict(db.execute("select k, sum(v) from t group by k order by k"))
    db.close()
assert got == {"a": 4, "b": 2}, got
print(f"python: ok (Python {sys.version.split()[0]})")
