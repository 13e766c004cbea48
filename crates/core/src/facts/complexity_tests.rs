//! Hand-checked cyclomatic and cognitive complexity, nesting and returns, per language.
//! The Java cases are the worked examples of SonarSource's Cognitive Complexity paper.

use super::{extract, Function};
use crate::lang::Language;

fn functions(lang: Language, src: &str) -> Vec<Function> {
    let tree = crate::parse::parse(lang, src).expect("parse");
    extract(&tree, src, lang, &crate::rules::SYNTACTIC).functions
}

/// (qualified name, cyclomatic, cognitive, max nesting, returns) of every function.
fn metrics(lang: Language, src: &str) -> Vec<(String, u32, u32, u32, u32)> {
    functions(lang, src)
        .into_iter()
        .map(|f| {
            (
                f.qualified_name,
                f.cyclomatic,
                f.cognitive,
                f.max_nesting,
                f.returns,
            )
        })
        .collect()
}

fn one(lang: Language, src: &str) -> (u32, u32, u32, u32) {
    let m = metrics(lang, src);
    assert_eq!(m.len(), 1, "{m:?}");
    (m[0].1, m[0].2, m[0].3, m[0].4)
}

#[test]
fn sonar_sum_of_primes() {
    let src = "class A {
  int sumOfPrimes(int max) {
    int total = 0;
    OUT: for (int i = 1; i <= max; ++i) {   // +1
      for (int j = 2; j < i; ++j) {         // +2
        if (i % j == 0) {                   // +3
          continue OUT;                     // +1
        }
      }
      total += i;
    }
    return total;
  }
}";
    assert_eq!(one(Language::Java, src), (4, 7, 3, 1));
}

#[test]
fn sonar_get_words_switch_is_one() {
    let src = "class A {
  String getWords(int number) {
    switch (number) {
      case 1: return \"one\";
      case 2: return \"a couple\";
      case 3: return \"a few\";
      default: return \"lots\";
    }
  }
}";
    assert_eq!(one(Language::Java, src), (4, 1, 1, 4));
}

#[test]
fn sonar_nesting_with_try_and_catch() {
    let src = "class A {
  void myMethod() {
    try {
      if (condition1) {                        // +1
        for (int i = 0; i < 10; i++) {         // +2
          while (condition2) { }               // +3
        }
      }
    } catch (ExcepType1 | ExcepType2 e) {      // +1
      if (condition2) { }                      // +2
    }
  }
}";
    let (cyclomatic, cognitive, nesting, _) = one(Language::Java, src);
    assert_eq!((cyclomatic, cognitive, nesting), (6, 9, 4));
}

#[test]
fn sonar_boolean_sequences() {
    let src = "class A { boolean m() {
  if (a && b && c || d || e && f) { return true; }
  return false;
} }";
    // if +1; `&& &&` +1; `|| ||` +1; `&&` +1. Cyclomatic: 1 + if + five operators.
    assert_eq!(one(Language::Java, src), (7, 4, 1, 2));
}

#[test]
fn else_if_else_and_recursion_are_flat_increments() {
    let src = "function f(x) {
  if (x > 0) {          // +1
    f(x - 1);           // +1 recursion
  } else if (x < 0) {   // +1
    return 1;
  } else {              // +1
    return 2;
  }
}";
    assert_eq!(one(Language::JavaScript, src), (3, 4, 1, 2));
    let java =
        "class A { void f(int x) { if (x > 0) { f(x - 1); } else if (x < 0) { } else { } } }";
    assert_eq!(one(Language::Java, java), (3, 4, 1, 0));
    let go = "package p\nfunc f(x int) { if x > 0 { f(x - 1) } else if x < 0 { } else { } }";
    assert_eq!(one(Language::Go, go), (3, 4, 1, 0));
    let c = "void f(int x) { if (x > 0) { f(x - 1); } else if (x < 0) { } else { } }";
    assert_eq!(one(Language::C, c), (3, 4, 1, 0));
    let rust = "fn f(x: i32) { if x > 0 { f(x - 1) } else if x < 0 { } else { } }";
    assert_eq!(one(Language::Rust, rust), (3, 4, 1, 0));
}

#[test]
fn python_comprehensions_elif_else_and_ternary() {
    let src = "
def f(a, b):
    if a and b:                          # cog +1, +1 for `and`
        for x in a:                      # +2
            if x:                        # +3
                return [y for y in x if y]
    elif b or a:                         # +1, +1 for `or`
        pass
    else:                                # +1
        return 1 if a else 2             # +2 (nested in the if)
";
    // cyclomatic: 1 + if + and + for + if + comprehension for + comprehension if + elif + or + ternary
    assert_eq!(one(Language::Python, src), (10, 12, 3, 2));
}

#[test]
fn python_try_except_and_nested_functions_are_separate() {
    let src = "
def outer(xs):
    def inner(x):
        if x:
            return 1
    try:
        return inner(xs)
    except ValueError:       # +1 (nesting 0)
        return None
    except (KeyError, TypeError):
        raise
";
    assert_eq!(
        metrics(Language::Python, src),
        [
            ("outer".to_string(), 3, 2, 1, 2),
            ("outer.inner".to_string(), 2, 1, 1, 1)
        ]
    );
}

#[test]
fn anonymous_functions_nest_and_keep_their_returns() {
    let src = "function outer(xs) {
  return xs.map(x => {
    if (x) { return 1; }   // +2: inside the arrow function
    return 0;
  });
}";
    assert_eq!(one(Language::JavaScript, src), (2, 2, 1, 1));
}

#[test]
fn go_switch_cases_and_rust_match_wildcards() {
    let go = "package p
func g(x int) int {
	switch {
	case x > 0 && x < 10:
		return 1
	case x < 0:
		return 2
	default:
		return 3
	}
}";
    assert_eq!(one(Language::Go, go), (4, 2, 1, 3));
    let rust = "fn h(x: Option<u8>) -> u8 {
    match x { Some(0) => 1, Some(_) => 2, _ => 3 }
}";
    assert_eq!(one(Language::Rust, rust), (3, 1, 1, 0));
    let labelled =
        "fn l(v: &[u8]) { 'outer: loop { for x in v { if *x == 0 { break 'outer; } } } }";
    // loop +1, for +2, if +3, labelled break +1
    assert_eq!(one(Language::Rust, labelled), (4, 7, 3, 0));
}

#[test]
fn c_goto_default_and_ternary() {
    let src = "int k(int x) {
    switch (x) { case 1: return 1; case 2: goto out; default: break; }
out:
    return x > 0 ? 1 : 0;
}";
    assert_eq!(one(Language::C, src), (4, 3, 1, 2));
}

#[test]
fn ruby_modifiers_blocks_and_case() {
    let src = "def r(x)
  return 0 unless x
  x.each do |y|
    puts y if y > 1 && y < 5
  end
  case x
  when 1 then 1
  else 2
  end
end";
    assert_eq!(one(Language::Ruby, src), (5, 5, 1, 1));
}

#[test]
fn typescript_and_cpp_lambdas_bound_to_names_are_functions() {
    let ts = "const pick = (a: number, b?: number): number => a > 0 ? a : b ?? 0;";
    // The ternary and `??` (a decision like `||`) each add one.
    assert_eq!(one(Language::TypeScript, ts), (3, 2, 0, 0));
    let cpp = "int main() { auto f = [](int a) { return a > 0 || a < -5; }; return f(1); }";
    assert_eq!(
        metrics(Language::Cpp, cpp),
        [
            ("main".to_string(), 1, 0, 0, 1),
            ("main::f".to_string(), 2, 1, 0, 1)
        ]
    );
}

#[test]
fn deep_nesting_is_measured_without_recursion() {
    let depth = 5_000;
    let src = format!(
        "function f(x) {{ {} return x; {} }}",
        "if (x) {".repeat(depth),
        "}".repeat(depth)
    );
    let f = &functions(Language::JavaScript, &src)[0];
    assert_eq!(f.cyclomatic, depth as u32 + 1);
    assert_eq!(f.max_nesting, depth as u32);
}

// Go declarations without a body (implemented in assembly) were listed as functions: 3.9% of
// the functions of Go's standard library.
#[test]
fn declarations_without_a_body_are_not_functions_in_any_language() {
    let go = functions(
        Language::Go,
        "package p\n\nfunc add(a, b int) int\n\nfunc sub(a, b int) int { return a - b }\n",
    );
    assert_eq!(
        go.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["sub"]
    );
    let java = functions(
        Language::Java,
        "interface I { int f(int x); }\nabstract class A { abstract void g(); void h() {} }\n",
    );
    assert_eq!(
        java.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["h"]
    );
    let rust = functions(Language::Rust, "trait T { fn f(&self); fn g(&self) {} }\n");
    assert_eq!(
        rust.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["g"]
    );
    let ts = functions(
        Language::TypeScript,
        "function f(x: string): void;\nfunction f(x: any) {}\ninterface I { m(): void }\n",
    );
    assert_eq!(ts.len(), 1);
    let c = functions(
        Language::C,
        "int add(int a, int b);\nint sub(int a, int b) { return a - b; }\n",
    );
    assert_eq!(
        c.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["sub"]
    );
    // An empty Ruby method has no body node and is still a method.
    let ruby = functions(Language::Ruby, "def f; end\n");
    assert_eq!(ruby.len(), 1);
}

// `y = Integer(x) rescue nil` left cyclomatic at 1; RuboCop and lizard say 2.
#[test]
fn ruby_modifier_forms_each_add_a_decision() {
    let (cyc, _, _, _) = one(
        Language::Ruby,
        "def f(x)\n  y = Integer(x) rescue nil\nend\n",
    );
    assert_eq!(cyc, 2);
    let (cyc, _, _, _) = one(
        Language::Ruby,
        "def f(x)\n  a if x\n  b unless x\n  c while x\n  d until x\nend\n",
    );
    assert_eq!(cyc, 5);
}

// Each nested function stored its whole qualified name: 116,000 nested Rust functions (928 KB)
// needed more than 8 GB. Past 256 bytes the middle scopes give way to `…`.
#[test]
fn qualified_names_stay_bounded_at_any_depth() {
    let depth = 5_000;
    let src = format!("{}{}", "fn abc(){".repeat(depth), "}".repeat(depth));
    let fs = functions(Language::Rust, &src);
    assert_eq!(fs.len(), depth);
    let longest = fs.iter().map(|f| f.qualified_name.len()).max().unwrap();
    assert!(longest <= super::extract::MAX_QUALIFIED + 16, "{longest}");
    assert_eq!(fs[1].qualified_name, "abc::abc");
    let deepest = &fs[depth - 1].qualified_name;
    assert!(
        deepest.starts_with("abc::…::") && deepest.ends_with("::abc"),
        "{deepest}"
    );
}

fn cognitive_of(lang: Language, src: &str, name: &str) -> u32 {
    functions(lang, src)
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no function {name} in {src}"))
        .cognitive
}

// A bare call of a method's own name is not recursion where methods are called through a
// receiver (the review found ~2% of Rust functions affected).
#[test]
fn a_bare_call_in_a_method_is_not_recursion() {
    let rust = "struct S;\nimpl S { fn fold(&mut self) { fold(self) } }\n";
    assert_eq!(cognitive_of(Language::Rust, rust, "fold"), 0);
    let js = "class T { setTimeout(f) { return setTimeout(f) } }\n";
    assert_eq!(cognitive_of(Language::JavaScript, js, "setTimeout"), 0);
    let py = "class C:\n    def set(self, xs):\n        return set(xs)\n";
    assert_eq!(cognitive_of(Language::Python, py, "set"), 0);
    // Through the receiver it is; a free function calling itself is; Java and Ruby look the
    // bare name up in the class first.
    let py = "class C:\n    def f(self):\n        return self.f()\n";
    assert_eq!(cognitive_of(Language::Python, py, "f"), 1);
    assert_eq!(
        cognitive_of(Language::Python, "def f():\n    return f()\n", "f"),
        1
    );
    let rust = "struct S;\nimpl S { fn f(&self) { self.f() } }\n";
    assert_eq!(cognitive_of(Language::Rust, rust, "f"), 1);
    assert_eq!(
        cognitive_of(Language::Java, "class A { int f() { return f(); } }", "f"),
        1
    );
    assert_eq!(
        cognitive_of(
            Language::Ruby,
            "class A\n  def f(n)\n    f(n - 1)\n  end\nend\n",
            "f"
        ),
        1
    );
}

// In Rust `this` is an ordinary parameter name.
#[test]
fn rust_this_is_not_a_receiver() {
    let src = "struct S;\nimpl S { fn f(&self, this: &S) { this.f() } }\n";
    assert_eq!(cognitive_of(Language::Rust, src, "f"), 0);
}

// `break value` returns a value from a loop; only `break 'label` breaks further.
#[test]
fn rust_break_with_a_value_is_not_a_labelled_break() {
    let src = "fn f(c: bool) -> u32 { let mut n = 0; loop { if c { break n; } n += 1; } }\n";
    assert_eq!(cognitive_of(Language::Rust, src, "f"), 3);
    let labelled = "fn g(c: bool) { 'o: loop { if c { break 'o; } } }\n";
    assert_eq!(cognitive_of(Language::Rust, labelled, "g"), 4);
}

// Nesting rises for bodies and branches, not for the condition (SonarSource's paper and
// implementation): the ternary in the condition is at the `if`'s own level.
#[test]
fn structures_in_a_condition_are_not_nested() {
    let js = "function f(m, a, b) { if (m != null ? a : b) { return 1; } }\n";
    assert_eq!(cognitive_of(Language::JavaScript, js, "f"), 2);
    let py = "def f(xs):\n    while (1 if xs else 0):\n        if xs:\n            pass\n";
    // while +1, the conditional expression in its condition +1, its body's if +2.
    assert_eq!(cognitive_of(Language::Python, py, "f"), 4);
    let c = "int f(int a, int b) { for (int i = a ? 1 : 2; i < b; i++) { if (a) {} } return 0; }\n";
    assert_eq!(cognitive_of(Language::C, c, "f"), 1 + 1 + 2);
}

// A preprocessor condition is decided by the compiler, not at run time.
#[test]
fn logical_operators_in_preprocessor_conditions_are_not_decisions() {
    let src = "int f(void) {\n#if defined(A) && defined(B) || C\n  return 1;\n#elif X && Y\n  return 2;\n#endif\n  return 0;\n}\n";
    for lang in [Language::C, Language::Cpp] {
        let f = &functions(lang, src)[0];
        assert_eq!((f.cyclomatic, f.cognitive), (1, 0), "{lang:?}");
    }
    // Past the condition, operators count again: in the same function and in the next.
    let after = "int f(int a, int b) {\n#if A && B\n  a = 1;\n#endif\n  return a && b;\n}\nint g(int a, int b) { return a || b; }\n";
    for lang in [Language::C, Language::Cpp] {
        let fs = functions(lang, after);
        let seen: Vec<_> = fs.iter().map(|f| (f.cyclomatic, f.cognitive)).collect();
        assert_eq!(seen, [(2, 1), (2, 1)], "{lang:?}");
    }
}

// `else /* istanbul ignore else */ if`: the comment made the `if` a nested one.
#[test]
fn a_comment_between_else_and_if_keeps_the_else_if() {
    let js = "function f(a, b) {\n  if (a) {\n  } else /* istanbul ignore else */ if (b) {\n    return 1;\n  }\n}\n";
    let f = &functions(Language::JavaScript, js)[0];
    assert_eq!((f.cyclomatic, f.cognitive, f.max_nesting), (3, 2, 1));
}

#[test]
fn rust_parameters_with_attributes_and_closure_underscores() {
    let fs = functions(
        Language::Rust,
        "fn f(#[cfg(unix)] a: i32, b: i32) {}\nfn g() { let h = |_| 1; let k = |_, y: u8| y; }\n",
    );
    let params: Vec<_> = fs.iter().map(|f| (f.name.as_str(), f.parameters)).collect();
    assert_eq!(params, [("f", 2), ("g", 0), ("h", 1), ("k", 2)]);
}

#[test]
fn javascript_function_names() {
    let fs = functions(
        Language::JavaScript,
        "module.exports = function equal(a, b) { return equal(b, a); };\n\
         Error.prepareStackTrace = function rewrite(e, s) { return prepareStackTrace(e, s); };\n\
         const o = { K: cond && function (p) { return p; } };\n\
         class A { [Symbol.\n  iterator]() { return 1; } }\n",
    );
    let named: Vec<_> = fs.iter().map(|f| (f.name.as_str(), f.cognitive)).collect();
    assert_eq!(
        named,
        [
            ("equal", 1),
            ("rewrite", 0),
            ("<anonymous>", 0),
            ("[Symbol.iterator]", 0)
        ]
    );
}

// Decisions in top-level anonymous functions were invisible.
#[test]
fn top_level_anonymous_functions_are_measured() {
    let fs = functions(
        Language::JavaScript,
        "setTimeout(function () { if (x) { y(); } }, 1);\n\
         export default function () { return a || b; }\n\
         class A { static { if (z) {} } }\n\
         describe('x', () => { it('y', () => { if (q) {} }); });\n",
    );
    let got: Vec<_> = fs.iter().map(|f| (f.name.as_str(), f.cyclomatic)).collect();
    // The nested callback belongs to the top-level one around it. Each is named from the
    // call it is passed to, else `<anonymous>` and its ordinal: never its line.
    assert_eq!(
        got,
        [
            ("<setTimeout>", 2),
            ("<anonymous>", 2),
            ("<anonymous>[2]", 2),
            ("<describe 'x'>", 2)
        ]
    );
}

// Issue 28: Ruby methods in blocks (`included do`, `initializer "name" do`) were named
// `<anonymous>@LINE`, and that line was part of their baseline and `--new-since` identity:
// three lines added above turned untouched findings into new ones.
#[test]
fn blocks_are_named_from_their_call_never_their_line() {
    let src = "class Engine
  included do
    def helper(a)
      a
    end
  end

  initializer \"app.configs\" do
    x = 1
  end
  initializer \"app.more\" do
    y = 2
  end
end
";
    let names = |src: &str| -> Vec<String> {
        functions(Language::Ruby, src)
            .iter()
            .map(|f| f.qualified_name.clone())
            .collect()
    };
    let before = names(src);
    assert_eq!(
        before,
        [
            "Engine#<included>",
            "Engine#<included>::helper",
            "Engine#<initializer \"app.configs\">",
            "Engine#<initializer \"app.more\">",
        ]
    );
    let shifted = src.replacen(
        "class Engine\n",
        "class Engine\n  initializer \"app.first\" do\n    z = 0\n  end\n",
        1,
    );
    let after = names(&shifted);
    assert_eq!(after[0], "Engine#<initializer \"app.first\">");
    assert_eq!(after[1..], before[..]);
}

#[test]
fn c_and_typescript_enums_are_classes() {
    let c = "enum color { RED, GREEN };\nenum color c;\n";
    let tree = crate::parse::parse(Language::C, c).unwrap();
    let classes = extract(&tree, c, Language::C, &crate::rules::SYNTACTIC).classes;
    assert_eq!(classes.len(), 1);
    assert_eq!(
        (classes[0].name.as_str(), classes[0].kind.as_str()),
        ("color", "enum")
    );
    let ts = "enum E { A, B }\n";
    let tree = crate::parse::parse(Language::TypeScript, ts).unwrap();
    let classes = extract(&tree, ts, Language::TypeScript, &crate::rules::SYNTACTIC).classes;
    assert_eq!(
        (classes[0].name.as_str(), classes[0].kind.as_str()),
        ("E", "enum")
    );
}

// Decided and documented: `??` is a decision like `||`; `??=` is an assignment; a Rust match
// guard adds nothing beyond its arm; `let ... else` is a decision like `if let ... else`.
#[test]
fn nullish_operators_match_guards_and_let_else() {
    let f = &functions(
        Language::TypeScript,
        "function f(a, b) { a ??= 1; return a ?? b ?? 0; }",
    )[0];
    assert_eq!((f.cyclomatic, f.cognitive), (3, 1));
    let f = &functions(
        Language::Rust,
        "fn f(x: Option<u8>) -> u8 { match x { Some(n) if n > 1 => n, Some(_) => 1, None => 0 } }",
    )[0];
    // 1 + three arms that are not `_`; the guard adds nothing.
    assert_eq!(f.cyclomatic, 4);
    let f = &functions(
        Language::Rust,
        "fn f(x: Option<u8>) -> u8 { let Some(n) = x else { if true { return 0; } return 1; }; n }",
    )[0];
    assert_eq!((f.cyclomatic, f.cognitive, f.max_nesting), (3, 3, 2));
}

// Issue 29: Go's `x = func(...) {...}` was no function of its own any more (the name-binding
// kinds left out `assignment_statement`), so its decisions counted toward the function around it.
#[test]
fn go_function_literals_assigned_to_a_name_are_functions() {
    let fs = functions(
        Language::Go,
        "package p\n\nfunc outer() {\n\tvar walk func(int) int\n\twalk = func(n int) int {\n\t\tif n > 0 {\n\t\t\treturn walk(n - 1)\n\t\t}\n\t\treturn 0\n\t}\n\twalk(3)\n}\n",
    );
    let got: Vec<_> = fs.iter().map(|f| (f.name.as_str(), f.cyclomatic)).collect();
    assert_eq!(got, [("outer", 1), ("walk", 2)]);
}

// Issue 29: a ternary in a JavaScript `for` update clause was nested (the exclusion named the
// field `update`; the JavaScript grammar calls it `increment`): the loop's head is not its body.
#[test]
fn a_ternary_in_a_javascript_for_update_is_not_nested() {
    let fs = functions(
        Language::JavaScript,
        "function f(n) {\n  for (let i = 0; i < n; i += i > 2 ? 2 : 1) {}\n}\n",
    );
    // for +1, ternary +1 (not +2: the update clause sits at the loop's own level).
    assert_eq!(fs[0].cognitive, 2);
}

// Issue 29: an object-literal method counted a bare call of its own name as recursion
// (`{ get(k) { return get(this, k) } }` calls the module's `get`, not itself).
#[test]
fn an_object_literal_method_calling_a_function_of_its_name_is_no_recursion() {
    let fs = functions(
        Language::JavaScript,
        "const store = { get(k) { return get(this, k); } };\n",
    );
    assert_eq!(fs[0].cognitive, 0, "{fs:?}");
}

// Issue 29: a Go method calling itself through its receiver (`t.Walk()`: 186 in Go's std) got
// no recursion increment; SonarSource counts recursion, and gocognit counts exactly this.
#[test]
fn a_go_method_calling_itself_through_its_receiver_is_recursion() {
    let fs = functions(
        Language::Go,
        "package p\n\ntype T struct{ next *T }\n\nfunc (t *T) Walk() {\n\tt.Walk()\n\tt.next.Walk()\n}\n\nfunc Walk() {\n\tWalk()\n}\n",
    );
    let got: Vec<_> = fs
        .iter()
        .map(|f| (f.qualified_name.as_str(), f.cognitive))
        .collect();
    assert_eq!(got, [("T.Walk", 1), ("Walk", 1)]);
}

// Issue 29: a Rust let chain's `&&` (`if let Some(x) = a && b && c`) counted nothing: the
// grammar reads it as a `let_chain`, not a binary expression. Each `&&` is a decision, and
// the run of them one cognitive increment, as a run of `&&` anywhere.
#[test]
fn rust_let_chain_operators_count() {
    let src = "fn f(a: Option<i32>, b: bool, c: bool) -> i32 {
    if let Some(x) = a && b && c {
        return x;
    }
    0
}
";
    assert_eq!(one(Language::Rust, src), (4, 2, 1, 1));
}

// Issue 29: structure inside an `else if` condition was nested one level, as if the condition
// were inside the `else`. The conditions of an if-else-if chain stand at the `if`'s level.
#[test]
fn else_if_conditions_are_not_nested() {
    let js = "function f(a, b, c) {
  if (a) {
    return 1;
  } else if (b ? c : a) {
    return 2;
  }
  return 3;
}
";
    // if +1, else if +1, the ternary in its condition +1 (nesting 0).
    assert_eq!(one(Language::JavaScript, js).1, 3);
    let rust = "fn f(a: bool, b: bool, c: bool) -> u8 {
    if a {
        1
    } else if match b { true => c, false => a } {
        2
    } else {
        3
    }
}
";
    // if +1, else if +1, the match in its condition +1 (nesting 0), else +1.
    assert_eq!(one(Language::Rust, rust).1, 4);
}

// Issue 29: C++ functions returning a reference and conversion operators were `<anonymous>`
// (1,354 in Arrow, 713 in RocksDB): a reference declarator holds its function declarator
// without a field name, and a conversion operator has no function declarator at all.
#[test]
fn cpp_reference_returning_functions_and_conversion_operators_are_named() {
    let src = "struct A {
  int& get() { return x; }
  const std::string& name() const { return n; }
  operator bool() const { return x != 0; }
  explicit operator int() const { return x; }
  A& operator=(const A& o) { x = o.x; return *this; }
  int x; std::string n;
};
int& A_get(A& a) { return a.x; }
";
    let names: Vec<String> = functions(Language::Cpp, src)
        .into_iter()
        .map(|f| f.qualified_name)
        .collect();
    assert_eq!(
        names,
        [
            "A::get",
            "A::name",
            "A::operator bool",
            "A::operator int",
            "A::operator=",
            "A_get"
        ]
    );
}

// Issue 31: calls are searched for their callee only in functions whose name is written in
// their text beyond the declaration. The search must still see a name bound outside the
// function (`const f = () => f()`), a call in a function nested past the searched levels, an
// out-of-line C++ definition named `A::f`, and a call written before the name (a default
// argument).
#[test]
fn recursion_is_found_wherever_the_name_is_written() {
    let js = "const f = (n) => n && f(n - 1);\n";
    assert_eq!(functions(Language::JavaScript, js)[0].cognitive, 2, "bound");
    let deep = "def a():\n def b():\n  def c():\n   def d():\n    def e():\n     return e()\n";
    let fs = functions(Language::Python, deep);
    let got: Vec<_> = fs.iter().map(|f| (f.name.as_str(), f.cognitive)).collect();
    assert_eq!(
        got,
        [("a", 0), ("b", 0), ("c", 0), ("d", 0), ("e", 1)],
        "nested"
    );
    let cpp = "int A::f(int n) { return n ? f(n - 1) : 0; }\n";
    assert_eq!(functions(Language::Cpp, cpp)[0].cognitive, 2, "qualified");
    let default = "int f(int n = f(0)) { return n; }\n";
    assert_eq!(
        functions(Language::Cpp, default)[0].cognitive,
        1,
        "before the body"
    );
    let none = "def g(n):\n    return h(n)\n";
    assert_eq!(
        functions(Language::Python, none)[0].cognitive,
        0,
        "no recursion"
    );
}
