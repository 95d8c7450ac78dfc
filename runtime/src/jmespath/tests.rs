use super::*;
use crate::document::Number;
use crate::json::JsonReader;

fn doc(json: &str) -> Document {
    JsonReader::new(json.as_bytes()).document().unwrap()
}

fn eval(expr: &str, json: &str) -> Result<Document, JmespathError> {
    search(expr, &doc(json))
}

#[test]
fn paths_projections_and_filters() {
    let data = r#"{"a": {"b": [{"c": 1, "s": "x"}, {"c": 2, "s": "y"}, {"c": 3}]}, "m": {"k1": {"v": 1}, "k2": {"v": 2}}}"#;
    assert_eq!(eval("a.b[*].c", data).unwrap(), doc("[1, 2, 3]"));
    assert_eq!(eval("a.b[?c > `1`].c", data).unwrap(), doc("[2, 3]"));
    assert_eq!(eval("a.b[-1].c", data).unwrap(), doc("3"));
    assert_eq!(eval("a.b[::-2].c", data).unwrap(), doc("[3, 1]"));
    assert_eq!(eval("a.b[].s", data).unwrap(), doc(r#"["x", "y"]"#));
    assert_eq!(eval("sort(m.*.v)", data).unwrap(), doc("[1, 2]"));
    assert_eq!(eval("a.b[0].{c: c, t: type(s)}", data).unwrap(), doc(r#"{"c": 1, "t": "string"}"#));
    assert_eq!(eval("a.b[*].c | [0]", data).unwrap(), doc("1"));
    assert_eq!(eval("length(a.b[?s == 'x']) == `1` && !missing", data).unwrap(), doc("true"));
    assert_eq!(eval("max_by(a.b, &c).c", data).unwrap(), doc("3"));
    assert_eq!(eval("missing.deeper", data).unwrap(), Document::Null);
}

#[test]
fn integers_stay_exact_and_compare_with_floats_by_value() {
    assert_eq!(eval("`9007199254740993` == `9007199254740992`", "{}").unwrap(), doc("false"));
    assert_eq!(eval("`1` == `1.0`", "{}").unwrap(), doc("true"));
    assert_eq!(eval("`2` < `2.5`", "{}").unwrap(), doc("true"));
    assert_eq!(eval("sum(`[1, 2, 3]`)", "{}").unwrap(), Document::Number(Number::PosInt(6)));
    assert_eq!(eval("abs(`-9223372036854775808`)", "{}").unwrap(), Document::Number(Number::PosInt(1 << 63)));
    assert_eq!(eval("to_string(`1.5`)", "{}").unwrap(), doc(r#""1.5""#));
    assert_eq!(eval("'a' < 'b'", "{}").unwrap(), Document::Null, "ordering applies to numbers only");
}

#[test]
fn errors_have_the_suite_kinds() {
    let kind = |e: &str| eval(e, "{}").unwrap_err().kind();
    assert_eq!(kind("a.["), ErrorKind::Syntax);
    assert_eq!(kind("length(1)"), ErrorKind::Syntax, "a bare number is not an expression");
    assert_eq!(kind("nope(@)"), ErrorKind::UnknownFunction);
    assert_eq!(kind("length(@, @)"), ErrorKind::InvalidArity);
    assert_eq!(kind("length(`1`)"), ErrorKind::InvalidType);
    assert_eq!(kind("[::0]"), ErrorKind::InvalidValue);
    assert_eq!(kind("sort_by(`[1]`, @)"), ErrorKind::InvalidType);
    let e = Expression::parse("a ? b").unwrap_err();
    assert_eq!(e.offset(), Some(2));
    assert_eq!(e.to_string(), "syntax error: unexpected character '?' (at offset 2)");
}

#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    for deep in [
        "(".repeat(100_000),
        "!".repeat(100_000),
        "[".repeat(100_000),
        format!("{}a", "a|".repeat(MAX_DEPTH + 1)),
        format!("{}a", "a || ".repeat(MAX_DEPTH + 1)),
        format!("a{}", "[*].b".repeat(MAX_DEPTH + 1)),
        format!("{}@{}", "length(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1)),
    ] {
        let e = Expression::parse(&deep).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Syntax, "{}", &deep[..20]);
    }
    // At the limit, parsing and evaluating fit this test thread's 2 MiB stack.
    let data = r#"{"a": [{"b": [{"b": []}]}]}"#;
    let at_limit = [
        format!("{}a", "a|".repeat(MAX_DEPTH - 1)),
        format!("{}a{}", "(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1)),
        format!("{}a", "!".repeat(MAX_DEPTH - 1)),
        format!("{}a{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1)),
        format!("a{}", "[*].b".repeat(MAX_DEPTH - 1)),
        format!("{}@{}", "to_array(".repeat(MAX_DEPTH / 2 - 1), ")".repeat(MAX_DEPTH / 2 - 1)),
        format!("{}@{}", "map(&to_array(".repeat(MAX_DEPTH / 5), "), `[1]`)".repeat(MAX_DEPTH / 5)),
    ];
    for e in &at_limit {
        let parsed = Expression::parse(e).unwrap_or_else(|err| panic!("{}...: {err}", &e[..20]));
        parsed.search(&doc(data)).unwrap();
    }
    // Long flat chains are not deep.
    let long = vec!["a"; 5000].join(".");
    assert_eq!(eval(&long, "{}").unwrap(), Document::Null);
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A small deterministic fuzz pass (the `jmespath` fuzz target does this at scale).
    let alphabet: &[&str] = &["a", "\"b\"", "'c'", "`1`", "`[1,{\"x\":2}]`", "@", "&", "*", ".", "[", "]", "[?", "[]", "{", "}", "(", ")", ",", ":", "|", "||", "&&", "!", "==", "<", ">=", "-1", "0", "2", " ", "length", "sort_by", "merge", "to_string", "\\", "`", "'", "\""];
    let data = doc(r#"{"a": [1, "x", {"b": [true, null]}], "b": {"c": "d"}, "c": "e"}"#);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..20_000 {
        let mut expr = String::new();
        let len = (state % 12) as usize + 1;
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            expr.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        if let Ok(e) = Expression::parse(&expr) {
            let _ = e.search(&data);
        }
    }
}

