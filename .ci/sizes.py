#!/usr/bin/env python3
"""Production Rust files over 600 lines and functions over 80 lines.

The house rule (issue 24): no production file over ~600 lines, no function
over ~80. This script lists what breaks it, so anyone can check.

- The module tree is walked from src/main.rs (and src/lib.rs if present)
  through `mod name;` declarations. A module declared under `#[cfg(test)]`,
  and everything below it, is test code and not listed.
- A file's length is its whole length in lines, its unit tests included
  (stricter than counting code alone); the `code` column is the length
  without `#[cfg(test)]` items, for reference.
- A function's length runs from the line of its `fn` to the line of its
  closing brace. Functions in test code (`#[cfg(test)]` items, `#[test]`
  functions) are not listed. Closures count towards the function they are in.

Usage: .ci/sizes.py [--file-limit N] [--fn-limit N] [--check]
With --check the exit status is 1 when anything is listed.
"""

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*)
  | (?P<raw_string>b?r(?P<hashes>\#*)")
  | (?P<string>b?")
  | (?P<char>b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])')
  | (?P<lifetime>'[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\#!?\[|.)
    """,
    re.VERBOSE | re.DOTALL,
)


def tokens(text):
    """(kind, value, line) for every token outside comments and literals."""
    pos, line = 0, 1
    while pos < len(text):
        m = TOKEN.match(text, pos)
        kind = m.lastgroup
        if kind == "hashes":
            kind = "raw_string"
        end = m.end()
        if kind == "block_comment":
            depth, end = 1, m.end()
            while depth and end < len(text):
                if text.startswith("/*", end):
                    depth, end = depth + 1, end + 2
                elif text.startswith("*/", end):
                    depth, end = depth - 1, end + 2
                else:
                    end += 1
        elif kind == "raw_string":
            closing = '"' + m.group("hashes")
            found = text.find(closing, m.end())
            end = len(text) if found < 0 else found + len(closing)
        elif kind == "string":
            end = m.end()
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            end += 1
        if kind in ("ident", "punct", "lifetime", "char", "string", "raw_string"):
            yield kind, m.group(0) if kind in ("ident", "punct") else kind, line
        line += text.count("\n", pos, end)
        pos = end


class Parsed:
    """One file's functions, test regions and `mod name;` declarations."""

    def __init__(self, text):
        self.toks = list(tokens(text))
        self.match = self._match_braces()
        self.functions = []  # (name, first line, last line, in test code)
        self.test_lines = set()
        self.modules = []  # (name, is test)
        self._scan()

    def _match_braces(self):
        match, stack = {}, []
        for i, (kind, value, _) in enumerate(self.toks):
            if kind != "punct":
                continue
            if value == "{":
                stack.append(i)
            elif value == "}" and stack:
                match[stack.pop()] = i
        return match

    def _item_end(self, i):
        """Index of the token that ends the item starting at token i."""
        depth = 0
        while i < len(self.toks):
            kind, value, _ = self.toks[i]
            if kind == "punct":
                if value in ("(", "[", "#["):
                    depth += 1
                elif value in (")", "]"):
                    depth -= 1
                elif value == ";" and depth == 0:
                    return i
                elif value == "{" and depth == 0:
                    return self.match.get(i, len(self.toks) - 1)
            i += 1
        return len(self.toks) - 1

    def _attributes(self, i):
        """(attribute texts, index after them) for the attributes at token i."""
        attrs = []
        while i < len(self.toks) and self.toks[i][1] == "#[":
            j, depth = i + 1, 1
            while j < len(self.toks) and depth:
                value = self.toks[j][1]
                depth += value in ("[", "#[")
                depth -= value == "]"
                j += 1
            attrs.append(" ".join(t[1] for t in self.toks[i:j]))
            i = j
        return attrs, i

    def _scan(self):
        test_until = -1  # token index up to which we are in test code
        i = 0
        while i < len(self.toks):
            kind, value, line = self.toks[i]
            if value == "#[":
                attrs, after = self._attributes(i)
                is_test = any(
                    a.startswith("#[ cfg ( test )") or a == "#[ test ]" for a in attrs
                )
                if is_test and after < len(self.toks):
                    end = self._item_end(after)
                    test_until = max(test_until, end)
                    first, last = self.toks[i][2], self.toks[end][2]
                    self.test_lines.update(range(first, last + 1))
                i = after
                continue
            in_test = i <= test_until
            if kind == "ident" and value == "mod" and i + 2 < len(self.toks):
                name, next_value = self.toks[i + 1][1], self.toks[i + 2][1]
                if next_value == ";":
                    self.modules.append((name, in_test))
            if kind == "ident" and value == "fn" and i + 1 < len(self.toks):
                name_kind, name, _ = self.toks[i + 1]
                if name_kind == "ident":
                    end = self._item_end(i)
                    if self.toks[end][1] == "}":
                        self.functions.append((name, line, self.toks[end][2], in_test))
            i += 1


def module_files(parent, name):
    """The file of `mod name;` declared in `parent`."""
    if parent.name in ("mod.rs", "main.rs", "lib.rs"):
        folder = parent.parent
    else:
        folder = parent.parent / parent.stem
    for candidate in (folder / f"{name}.rs", folder / name / "mod.rs"):
        if candidate.exists():
            return candidate
    return None


def walk(src=SRC):
    """(path, Parsed) for every production file of the module tree under `src`."""
    roots = [p for p in (src / "main.rs", src / "lib.rs") if p.exists()]
    seen, todo = set(), list(roots)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        parsed = Parsed(path.read_text(encoding="utf-8"))
        yield path, parsed
        for name, in_test in parsed.modules:
            child = module_files(path, name)
            if child is not None and not in_test:
                todo.append(child)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file-limit", type=int, default=600)
    parser.add_argument("--fn-limit", type=int, default=80)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    files, functions = [], []
    for path, parsed in walk():
        rel = path.relative_to(ROOT)
        total = path.read_text(encoding="utf-8").count("\n")
        code = total - len(parsed.test_lines)
        if total > args.file_limit:
            files.append((total, code, rel))
        for name, first, last, in_test in parsed.functions:
            length = last - first + 1
            if not in_test and length > args.fn_limit:
                functions.append((length, f"{rel}:{first}", name))

    print(f"production files over {args.file_limit} lines (lines, code without unit tests):")
    for total, code, rel in sorted(files, reverse=True):
        print(f"  {total:5}  {code:5}  {rel}")
    if not files:
        print("  none")
    print(f"production functions over {args.fn_limit} lines:")
    for length, where, name in sorted(functions, reverse=True):
        print(f"  {length:5}  {where}  {name}")
    if not functions:
        print("  none")
    return 1 if args.check and (files or functions) else 0


if __name__ == "__main__":
    sys.exit(main())
