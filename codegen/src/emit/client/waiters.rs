//! `src/waiters.rs` of a crate whose model has `@waitable` operations: one module per waiter
//! (its description as data, fluent builder and result types, AWS SDK for Rust names), the
//! `Waiters` trait the client implements, and the conversions of the input, output and
//! reachable types to the JMESPath data model. Crates without waiters get none of it.

use super::super::common::*;
use super::operation::input_setters;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

/// Every waiter of the crate with its operation, in name order.
pub fn all(krate: &Crate) -> Vec<(&OperationDef, &WaiterDef)> {
    let mut out: Vec<_> = krate.operations.iter().flat_map(|op| op.waiters.iter().map(move |w| (op, w))).collect();
    out.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    out
}

/// The `Waiters` trait and its implementation for `Client` (in `src/client.rs`), or nothing.
pub fn client_trait(krate: &Crate) -> TokenStream {
    let waiters = all(krate);
    if waiters.is_empty() {
        return quote!();
    }
    let decls = waiters.iter().map(|(_, w)| {
        let WaiterDef { module, method, builder, docs, deprecated, .. } = w;
        let d = doc_attrs(docs);
        let dep = deprecated.then(|| quote!(#[deprecated]));
        quote!(#d #dep fn #method(&self) -> crate::waiters::#module::#builder;)
    });
    let impls = waiters.iter().map(|(_, w)| {
        let WaiterDef { module, method, builder, .. } = w;
        quote! {
            fn #method(&self) -> crate::waiters::#module::#builder {
                crate::waiters::#module::#builder::new(self.handle.clone())
            }
        }
    });
    quote! {
        /// Waiters: `wait_until_*` methods that poll an operation until a resource reaches a
        /// state. Import this trait to call them on the [`Client`].
        pub trait Waiters {
            #(#decls)*
        }

        impl Waiters for Client {
            #(#impls)*
        }
    }
}

/// `src/waiters.rs`, or `None` when the crate has no waiters.
pub fn waiters_rs(krate: &Crate) -> Option<TokenStream> {
    let waiters = all(krate);
    if waiters.is_empty() {
        return None;
    }
    let rt = rt_import();
    let modules = waiters.iter().map(|(op, w)| waiter_module(op, w));
    let mut conversions: Vec<TokenStream> = Vec::new();
    for op in &krate.operations {
        for s in [&op.input, &op.output] {
            if s.uses.waiter {
                let fn_name = &op.fn_name;
                let name = &s.name;
                conversions.push(struct_conversion(s, &quote!(crate::operation::#fn_name::#name)));
            }
        }
    }
    for t in &krate.types {
        match t {
            TypeDef::Struct(s) if s.uses.waiter => {
                let name = &s.name;
                conversions.push(struct_conversion(s, &quote!(crate::types::#name)));
            }
            TypeDef::Union(u) if u.uses.waiter => conversions.push(union_conversion(u)),
            TypeDef::Enum(e) if e.uses.waiter => {
                let name = &e.name;
                conversions.push(quote! {
                    impl rt::waiter::ToJmespath for crate::types::#name {
                        fn to_jmespath(&self) -> rt::document::Document {
                            rt::document::Document::String(self.as_str().to_string())
                        }
                    }
                });
            }
            TypeDef::IntEnum(e) if e.uses.waiter => {
                let name = &e.name;
                conversions.push(quote! {
                    impl rt::waiter::ToJmespath for crate::types::#name {
                        fn to_jmespath(&self) -> rt::document::Document {
                            rt::document::Document::from(self.value())
                        }
                    }
                });
            }
            _ => {}
        }
    }
    Some(quote! {
        //! Waiters: poll an operation until a resource reaches a state (`smithy.waiters#waitable`).
        //! Call them through the [`Waiters`](crate::client::Waiters) trait on the client, for
        //! example `client.wait_until_...().<input setters>().wait(max_wait).await`. Each
        //! module holds a waiter's fluent builder and result types.

        #rt
        #[allow(unused_imports)]
        use rt::waiter::ToJmespath as _;

        #(#modules)*

        #(#conversions)*
    })
}

fn state(s: WaiterState) -> TokenStream {
    match s {
        WaiterState::Success => quote!(rt::waiter::AcceptorState::Success),
        WaiterState::Failure => quote!(rt::waiter::AcceptorState::Failure),
        WaiterState::Retry => quote!(rt::waiter::AcceptorState::Retry),
    }
}

fn comparator(c: PathComparator) -> TokenStream {
    match c {
        PathComparator::StringEquals => quote!(rt::waiter::Comparator::StringEquals),
        PathComparator::BooleanEquals => quote!(rt::waiter::Comparator::BooleanEquals),
        PathComparator::AllStringEquals => quote!(rt::waiter::Comparator::AllStringEquals),
        PathComparator::AnyStringEquals => quote!(rt::waiter::Comparator::AnyStringEquals),
    }
}

fn waiter_module(op: &OperationDef, w: &WaiterDef) -> TokenStream {
    let WaiterDef { name, module, method: _, builder, final_poll, error, docs, deprecated: _, min_delay, max_delay, acceptors } = w;
    let rt = rt_import();
    let OperationDef { fn_name, type_name, input, output, error_name, .. } = op;
    let ib = &input.builder;
    let out = &output.name;
    let acceptors = acceptors.iter().map(|a| {
        let AcceptorDef { state: s, matcher, message } = a;
        let s = state(*s);
        let matcher = match matcher {
            MatcherDef::Output { path, comparator: c, expected } => {
                let c = comparator(*c);
                quote!(rt::waiter::Matcher::Output { path: #path, comparator: #c, expected: #expected })
            }
            MatcherDef::InputOutput { path, comparator: c, expected } => {
                let c = comparator(*c);
                quote!(rt::waiter::Matcher::InputOutput { path: #path, comparator: #c, expected: #expected })
            }
            MatcherDef::Success(b) => quote!(rt::waiter::Matcher::Success(#b)),
            MatcherDef::ErrorType(codes) => quote!(rt::waiter::Matcher::ErrorType(&[#(#codes),*])),
        };
        let message = match message {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        quote!(rt::waiter::Acceptor { state: #s, matcher: #matcher, message: #message },)
    });
    let input_doc = if w.reads_input() { quote!(|i| i.to_jmespath()) } else { quote!(|_| rt::document::Document::Null) };
    let output_doc = if w.reads_output() { quote!(|o| o.to_jmespath()) } else { quote!(|_| rt::document::Document::Null) };
    let module_doc = doc_line(&format!("The `{name}` waiter of the `{}` operation.", op.name));
    let builder_doc = doc_attrs(docs);
    let builder_more = doc_paragraph(&format!(
        "Returned by `Client::{}()` (the [`Waiters`](crate::client::Waiters) trait). Set the `{}` input, then call `wait(max_wait)`: it polls every {min_delay} to {max_delay} seconds (with jitter) until an acceptor succeeds or fails, or `max_wait` passes.",
        w.method.bare(),
        op.name
    ));
    let setters = input_setters(input);
    let poll_doc = doc_line(&format!("What a successful `{name}` wait returns: the last poll's result."));
    let error_doc = doc_line(&format!("Why a `{name}` wait did not succeed."));
    quote! {
        #module_doc
        pub mod #module {
            #rt
            #[allow(unused_imports)]
            use rt::waiter::ToJmespath as _;

            #poll_doc
            pub type #final_poll = rt::waiter::FinalPoll<crate::operation::#fn_name::#out, rt::error::SdkError<crate::operation::#fn_name::#error_name>>;
            #error_doc
            pub type #error = rt::waiter::WaiterError<crate::operation::#fn_name::#out, crate::operation::#fn_name::#error_name>;

            static WAITER: rt::waiter::Waiter = rt::waiter::Waiter {
                name: #name,
                min_delay: #min_delay,
                max_delay: #max_delay,
                acceptors: &[#(#acceptors)*],
            };

            rt::waiter_fluent_builder!(
                #builder_doc
                #builder_more
                #builder,
                crate::operation::#fn_name::builders::#ib,
                crate::operation::#fn_name::#type_name,
                crate::operation::#fn_name::#out,
                crate::operation::#fn_name::#error_name,
                &WAITER,
                #input_doc,
                #output_doc
            );
            impl #builder {
                #(#setters)*
            }
        }
    }
}

/// The JMESPath value of a field (`Null` for a streamed payload, which is not held in memory).
fn field_value(f: &Field) -> TokenStream {
    let n = &f.name;
    match f.ty {
        TypeRef::ByteStream => quote!(rt::document::Document::Null),
        _ => quote!(self.#n.to_jmespath()),
    }
}

fn struct_conversion(s: &StructDef, path: &TokenStream) -> TokenStream {
    let body = if s.fields.is_empty() {
        quote!(rt::document::Document::Object(::std::default::Default::default()))
    } else {
        let members = s.fields.iter().map(|f| {
            let m = &f.member;
            let v = field_value(f);
            quote!((#m, #v))
        });
        quote!(rt::waiter::object([#(#members),*]))
    };
    quote! {
        impl rt::waiter::ToJmespath for #path {
            fn to_jmespath(&self) -> rt::document::Document {
                #body
            }
        }
    }
}

fn union_conversion(u: &UnionDef) -> TokenStream {
    let name = &u.name;
    let arms = u.variants.iter().map(|v| {
        let vn = &v.name;
        let m = &v.member;
        match &v.ty {
            Some(_) => quote!(Self::#vn(v) => rt::waiter::object([(#m, v.to_jmespath())]),),
            None => quote!(Self::#vn => rt::waiter::object([(#m, rt::document::Document::Object(::std::default::Default::default()))]),),
        }
    });
    quote! {
        impl rt::waiter::ToJmespath for crate::types::#name {
            fn to_jmespath(&self) -> rt::document::Document {
                match self {
                    #(#arms)*
                    Self::Unknown => rt::document::Document::Object(::std::default::Default::default()),
                }
            }
        }
    }
}
