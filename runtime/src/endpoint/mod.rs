//! Endpoint resolution with the Smithy rules engine: a service's rule set plus parameter values
//! (region, FIPS, custom endpoint, ...) give the URL, headers and signing properties of a request.
//!
//! - [`rules`]: the rule-set data model, const-constructible so generated clients embed theirs as
//!   a `static`, and buildable from owned data by tools.
//! - [`eval`]: parameters, the evaluator and its errors; [`cache`]: a memo for repeated calls.
//! - [`output`]: the resolved [`Endpoint`] and its auth-scheme accessors.
//! - [`stdlib`], [`aws`]: the library functions; [`partitions`]: the AWS partitions data.
//!
//! ```
//! use std::borrow::Cow;
//! use smithy_lite_runtime::endpoint::*;
//!
//! static RULES: RuleSet = RuleSet {
//!     version: Cow::Borrowed("1.0"),
//!     parameters: Cow::Borrowed(&[Parameter {
//!         name: Cow::Borrowed("Region"),
//!         ty: ParameterType::String,
//!         required: true,
//!         default: None,
//!         built_in: Some(Cow::Borrowed("AWS::Region")),
//!         deprecated: None,
//!     }]),
//!     rules: Cow::Borrowed(&[Rule {
//!         conditions: Cow::Borrowed(&[Condition {
//!             call: Call { func: Function::AwsPartition, args: Cow::Borrowed(&[Expr::Ref(Cow::Borrowed("Region"))]) },
//!             assign: Some(Cow::Borrowed("P")),
//!         }]),
//!         outcome: Outcome::Endpoint(EndpointTemplate {
//!             url: Expr::String(Template { parts: Cow::Borrowed(&[
//!                 TemplatePart::Literal(Cow::Borrowed("https://svc.")),
//!                 TemplatePart::Value { name: Cow::Borrowed("Region"), path: Cow::Borrowed(&[]) },
//!                 TemplatePart::Literal(Cow::Borrowed(".")),
//!                 TemplatePart::Value {
//!                     name: Cow::Borrowed("P"),
//!                     path: Cow::Borrowed(&[PathSegment::Key(Cow::Borrowed("dnsSuffix"))]),
//!                 },
//!             ]) }),
//!             headers: Cow::Borrowed(&[]),
//!             properties: Cow::Borrowed(&[]),
//!         }),
//!     }]),
//! };
//!
//! let params = Params::new().with("Region", "cn-north-1");
//! let endpoint = resolve(&RULES, &params, &EvalContext::default()).unwrap();
//! assert_eq!(endpoint.url, "https://svc.cn-north-1.amazonaws.com.cn");
//! ```

pub mod aws;
pub mod cache;
pub mod eval;
pub mod output;
pub mod partitions;
mod pattern;
pub mod rules;
pub mod stdlib;

pub use cache::CachedResolver;
pub use eval::{resolve, EvalContext, Params, ResolveError};
pub use output::{AuthScheme, Endpoint, Property};
pub use partitions::{Partition, PartitionOutputs, Partitions, AWS_PARTITIONS};
pub use rules::{
    Call, Condition, Deprecated, EndpointTemplate, Expr, Function, List, Outcome, ParamValue, Parameter, ParameterType,
    PathSegment, PropertyTemplate, Rule, RuleSet, RuleSetError, Str, Template, TemplatePart,
};
