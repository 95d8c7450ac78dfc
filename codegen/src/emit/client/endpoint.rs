//! `src/endpoint.rs`: the endpoint rule set as a `static` of the runtime's rule types (no
//! parsing at run time), and `tests/endpoint_tests.rs` from the model's `endpointTests`.

use super::common::doc_attrs;
use crate::ir::endpoint::*;
use crate::ir::{Crate, DocValue};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

fn list(items: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let items: Vec<TokenStream> = items.into_iter().collect();
    quote!(Cow::Borrowed(&[#(#items),*]))
}

fn string(s: &str) -> TokenStream {
    quote!(Cow::Borrowed(#s))
}

fn opt(t: Option<TokenStream>) -> TokenStream {
    match t {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    }
}

fn param_value(v: &ParamValue) -> TokenStream {
    match v {
        ParamValue::String(s) => {
            let s = string(s);
            quote!(ParamValue::String(#s))
        }
        ParamValue::Bool(b) => quote!(ParamValue::Boolean(#b)),
        ParamValue::StringArray(items) => {
            let l = list(items.iter().map(|s| string(s)));
            quote!(ParamValue::StringArray(#l))
        }
    }
}

fn path(p: &[PathSeg]) -> TokenStream {
    list(p.iter().map(|s| match s {
        PathSeg::Key(k) => {
            let k = string(k);
            quote!(PathSegment::Key(#k))
        }
        PathSeg::Index(i) => quote!(PathSegment::Index(#i)),
    }))
}

fn template(parts: &[TemplatePart]) -> TokenStream {
    let parts = list(parts.iter().map(|p| match p {
        TemplatePart::Literal(l) => {
            let l = string(l);
            quote!(TemplatePart::Literal(#l))
        }
        TemplatePart::Ref { name, path: p } => {
            let n = string(name);
            let p = path(p);
            quote!(TemplatePart::Value { name: #n, path: #p })
        }
    }));
    quote!(Template { parts: #parts })
}

fn function(f: &Function) -> TokenStream {
    match f {
        Function::GetAttr(p) => {
            let p = path(p);
            quote!(Function::GetAttr(#p))
        }
        other => {
            let v = format_ident!("{}", format!("{other:?}"));
            quote!(Function::#v)
        }
    }
}

fn call(c: &Call) -> TokenStream {
    let func = function(&c.function);
    let args = list(c.args.iter().map(expr));
    quote!(Call { func: #func, args: #args })
}

fn expr(e: &Expr) -> TokenStream {
    match e {
        Expr::Template(parts) => {
            let t = template(parts);
            quote!(Expr::String(#t))
        }
        Expr::Bool(b) => quote!(Expr::Bool(#b)),
        Expr::Int(i) => quote!(Expr::Int(#i)),
        Expr::Array(items) => {
            let l = list(items.iter().map(expr));
            quote!(Expr::Array(#l))
        }
        Expr::Ref(r) => {
            let r = string(r);
            quote!(Expr::Ref(#r))
        }
        Expr::Call(c) => {
            let c = call(c);
            quote!(Expr::Call(#c))
        }
    }
}

fn property(p: &Property) -> TokenStream {
    match p {
        Property::Template(parts) => {
            let t = template(parts);
            quote!(PropertyTemplate::String(#t))
        }
        Property::Bool(b) => quote!(PropertyTemplate::Bool(#b)),
        Property::Int(i) => quote!(PropertyTemplate::Int(#i)),
        Property::Array(items) => {
            let l = list(items.iter().map(property));
            quote!(PropertyTemplate::Array(#l))
        }
        Property::Object(entries) => {
            let l = list(entries.iter().map(|(k, v)| {
                let k = string(k);
                let v = property(v);
                quote!((#k, #v))
            }));
            quote!(PropertyTemplate::Object(#l))
        }
    }
}

fn conditions(cs: &[Condition]) -> TokenStream {
    list(cs.iter().map(|c| {
        let call = call(&c.call);
        let assign = opt(c.assign.as_deref().map(string));
        quote!(Condition { call: #call, assign: #assign })
    }))
}
fn rules(rs: &[Rule]) -> TokenStream {
    list(rs.iter().map(|r| {
        let (conds, outcome) = match r {
            Rule::Endpoint { conditions: c, url, headers, properties } => {
                let url = expr(url);
                let headers = list(headers.iter().map(|(k, vs)| {
                    let k = string(k);
                    let vs = list(vs.iter().map(expr));
                    quote!((#k, #vs))
                }));
                let props = list(properties.iter().map(|(k, v)| {
                    let k = string(k);
                    let v = property(v);
                    quote!((#k, #v))
                }));
                (c, quote!(Outcome::Endpoint(EndpointTemplate { url: #url, headers: #headers, properties: #props })))
            }
            Rule::Error { conditions: c, message } => {
                let m = expr(message);
                (c, quote!(Outcome::Error(#m)))
            }
            Rule::Tree { conditions: c, rules: sub } => {
                let sub = rules(sub);
                (c, quote!(Outcome::Tree(#sub)))
            }
        };
        let conds = conditions(conds);
        quote!(Rule { conditions: #conds, outcome: #outcome })
    }))
}

/// `src/endpoint.rs`.
pub fn endpoint_rs(krate: &Crate) -> TokenStream {
    let Some(EndpointRules { params, rules: rs, tests: _ }) = &krate.endpoint else {
        return quote! {
            //! Endpoint resolution: this service has no endpoint rule set, so every client needs
            //! an `endpoint_url`.
        };
    };
    let params = list(params.iter().map(|p| {
        let Param { name, field: _, ty, required, default, built_in, docs: _, deprecated } = p;
        let name = string(name);
        let ty = match ty {
            ParamType::String => quote!(ParameterType::String),
            ParamType::Boolean => quote!(ParameterType::Boolean),
            ParamType::StringArray => quote!(ParameterType::StringArray),
        };
        let default = opt(default.as_ref().map(param_value));
        let built_in = opt(built_in.as_deref().map(string));
        let deprecated = if *deprecated { quote!(Some(Deprecated { message: None, since: None })) } else { quote!(None) };
        quote!(Parameter { name: #name, ty: #ty, required: #required, default: #default, built_in: #built_in, deprecated: #deprecated })
    }));
    let rules = rules(rs);
    let param_docs: Vec<String> = p_docs(krate);
    let param_docs = param_docs.iter().map(|l| quote!(#[doc = #l]));
    let client_params: Vec<String> = krate
        .service
        .client_context_params
        .iter()
        .map(|(n, d)| format!(" - `{n}`: {}", d.0.join(" ")))
        .collect();
    let client_params = if client_params.is_empty() {
        quote!()
    } else {
        let lines = client_params.iter().map(|l| quote!(#[doc = #l]));
        quote! {
            ///
            /// Client context parameters, set with `Config::builder().endpoint_param(name, value)`:
            ///
            #(#lines)*
        }
    };
    quote! {
        //! Endpoint resolution: the service's endpoint rule set, compiled into static data that
        //! the runtime's rules engine evaluates (with the region, FIPS and dual-stack settings
        //! and any `endpoint_url` of the client configuration).

        use ::client_runtime::endpoint::rules::*;
        use ::std::borrow::Cow;

        /// The endpoint rule set. Its parameters:
        ///
        #(#param_docs)*
        #client_params
        pub static RULES: RuleSet = RuleSet {
            version: Cow::Borrowed("1.0"),
            parameters: #params,
            rules: #rules,
        };
    }
}

fn p_docs(krate: &Crate) -> Vec<String> {
    let Some(rules) = &krate.endpoint else { return Vec::new() };
    rules
        .params
        .iter()
        .map(|p| {
            let built_in = p.built_in.as_deref().map(|b| format!(" (built-in `{b}`)")).unwrap_or_default();
            format!(" - `{}`{built_in}: {}", p.name, p.docs.0.join(" "))
        })
        .collect()
}

fn doc_value_json(d: &DocValue) -> String {
    match d {
        DocValue::Null => "null".into(),
        DocValue::Bool(b) => b.to_string(),
        DocValue::PosInt(u) => u.to_string(),
        DocValue::NegInt(i) => i.to_string(),
        DocValue::Float(f) => f.to_string(),
        DocValue::String(s) => serde_json::Value::String(s.clone()).to_string(),
        DocValue::Array(items) => format!("[{}]", items.iter().map(doc_value_json).collect::<Vec<_>>().join(",")),
        DocValue::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}:{}", serde_json::Value::String(k.clone()), doc_value_json(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// `tests/endpoint_tests.rs`: each case resolves with the partitions data the rule set's tests
/// were written against (see `client_runtime::test_util::test_partitions`).
pub fn tests_rs(krate: &Crate, rules: &EndpointRules) -> TokenStream {
    let root = &krate.package.ident;
    let tests = rules.tests.iter().enumerate().map(|(i, t)| {
        let name = format_ident!("endpoint_test_{i}");
        let doc = doc_attrs(&crate::ir::Docs(vec![t.docs.clone()]));
        let params = t.params.iter().map(|(k, v)| {
            let value = match v {
                ParamValue::String(s) => quote!(#s),
                ParamValue::Bool(b) => quote!(#b),
                ParamValue::StringArray(items) => quote!(vec![#(String::from(#items)),*]),
            };
            quote!(.with(#k, #value))
        });
        let expect = match &t.expect {
            EndpointExpectation::Endpoint { url, headers, properties } => {
                let headers = headers.iter().map(|(k, vs)| quote!((#k, &[#(#vs),*] as &[&str])));
                let props = doc_value_json(properties);
                quote!(::client_runtime::test_util::ExpectedEndpoint::Endpoint { url: #url, headers: &[#(#headers),*], properties: #props })
            }
            EndpointExpectation::Error(e) => quote!(::client_runtime::test_util::ExpectedEndpoint::Error(#e)),
        };
        quote! {
            #doc
            #[test]
            fn #name() {
                let params = ::client_runtime::endpoint::Params::new() #(#params)*;
                let partitions = ::client_runtime::test_util::test_partitions();
                let result = ::client_runtime::endpoint::resolve(&#root::endpoint::RULES, &params, &::client_runtime::endpoint::EvalContext::new(&partitions));
                #expect.assert_matches(&result);
            }
        }
    });
    quote! {
        //! The endpoint rule set's own test cases (`smithy.rules#endpointTests`), one test each.

        #[test]
        fn rule_set_is_valid() {
            #root::endpoint::RULES.validate().expect("the compiled rule set is valid");
        }

        #(#tests)*
    }
}
