"""Unit tests of sizes.py: the Rust it must read right, and the module walk."""

import importlib.util
import tempfile
import unittest
from pathlib import Path

spec = importlib.util.spec_from_file_location("sizes", Path(__file__).with_name("sizes.py"))
sizes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sizes)


def functions(text):
    return {name: (last - first + 1, in_test) for name, first, last, in_test in sizes.Parsed(text).functions}


class FunctionLengths(unittest.TestCase):
    def test_braces_in_literals_and_comments_do_not_count(self):
        text = """fn tricky<'a>(x: &'a str) -> char {
    let s = "}}} {";
    let r = r#"}"# ;
    let c = '}';
    let e = '\\'';
    // }
    /* } /* nested } */ still a comment } */
    '{'
}

fn after() {}
"""
        self.assertEqual(functions(text), {"tricky": (9, False), "after": (1, False)})

    def test_test_code_is_marked(self):
        text = """fn production() {
    helper();
}

#[test]
fn a_test() {
}

#[cfg(test)]
mod tests {
    fn helper_in_tests() {
        let x = 1;
    }
}
"""
        self.assertEqual(
            functions(text),
            {"production": (3, False), "a_test": (2, True), "helper_in_tests": (3, True)},
        )

    def test_declarations_without_bodies_are_not_functions(self):
        text = """trait T {
    fn declared(&self) -> [u8; 4];
    fn defined(&self) {
    }
}
"""
        self.assertEqual(functions(text), {"defined": (2, False)})

    def test_signatures_over_several_lines_count_from_fn(self):
        text = """pub async fn long_signature(
    a: u32,
    b: impl Fn(u32) -> u32,
) -> Result<(), String>
where
    u32: Copy,
{
    Ok(())
}
"""
        self.assertEqual(functions(text), {"long_signature": (9, False)})


class ModuleWalk(unittest.TestCase):
    def test_test_only_modules_are_left_out(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp)
            (src / "main.rs").write_text("mod a;\n#[cfg(test)]\nmod fake;\n")
            (src / "a").mkdir()
            (src / "a/mod.rs").write_text("mod b;\n#[cfg(test)]\nmod tests;\n")
            for name in ("a/b.rs", "a/tests.rs", "fake.rs"):
                (src / name).write_text("fn f() {}\n")
            walked = sorted(str(p.relative_to(src)) for p, _ in sizes.walk(src))
        self.assertEqual(walked, ["a/b.rs", "a/mod.rs", "main.rs"])


if __name__ == "__main__":
    unittest.main()
