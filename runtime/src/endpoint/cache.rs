//! A one-entry memo in front of [`resolve`]: a client sends request after request with the same
//! endpoint parameters (same region, same flags), so remembering the last answer turns most
//! resolutions into a parameter comparison and a reference-count increment.
//!
//! Resolution is a pure function of the rule set, the partitions data and the parameters, so a
//! remembered endpoint is exactly what resolving again would produce. Errors are not remembered:
//! they are rare and end the request anyway.

use std::sync::{Arc, Mutex, PoisonError};

use super::eval::{resolve, EvalContext, Params, ResolveError};
use super::output::Endpoint;
use super::rules::RuleSet;

/// Resolves endpoints for one rule set and context, remembering the last successful answer.
#[derive(Debug)]
pub struct CachedResolver<'r> {
    rule_set: &'r RuleSet,
    ctx: EvalContext<'r>,
    last: Mutex<Option<(Params, Arc<Endpoint>)>>,
}

impl<'r> CachedResolver<'r> {
    /// A resolver for `rule_set`, evaluated with `ctx`.
    pub fn new(rule_set: &'r RuleSet, ctx: EvalContext<'r>) -> Self {
        Self { rule_set, ctx, last: Mutex::new(None) }
    }

    /// The endpoint for `params`: the remembered one when `params` equal the last successful
    /// call's (set in the same order), otherwise a fresh resolution.
    pub fn resolve(&self, params: &Params) -> Result<Arc<Endpoint>, ResolveError> {
        // A panic elsewhere while holding the lock cannot leave the memo half-written (it is
        // replaced whole), so a poisoned lock is safe to reuse.
        if let Some((p, endpoint)) = &*self.last.lock().unwrap_or_else(PoisonError::into_inner) {
            if p == params {
                return Ok(Arc::clone(endpoint));
            }
        }
        let endpoint = Arc::new(resolve(self.rule_set, params, &self.ctx)?);
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some((params.clone(), Arc::clone(&endpoint)));
        Ok(endpoint)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::endpoint::rules::{EndpointTemplate, Expr, Outcome, Parameter, ParameterType, Rule};

    static RULES: RuleSet = RuleSet {
        version: Cow::Borrowed("1.0"),
        parameters: Cow::Borrowed(&[Parameter {
            name: Cow::Borrowed("Endpoint"),
            ty: ParameterType::String,
            required: true,
            default: None,
            built_in: None,
            deprecated: None,
        }]),
        rules: Cow::Borrowed(&[Rule {
            conditions: Cow::Borrowed(&[]),
            outcome: Outcome::Endpoint(EndpointTemplate {
                url: Expr::Ref(Cow::Borrowed("Endpoint")),
                headers: Cow::Borrowed(&[]),
                properties: Cow::Borrowed(&[]),
            }),
        }]),
    };

    #[test]
    fn remembers_the_last_endpoint_per_params() {
        let resolver = CachedResolver::new(&RULES, EvalContext::default());
        let a = Params::new().with("Endpoint", "https://a");
        let first = resolver.resolve(&a).unwrap();
        assert!(Arc::ptr_eq(&first, &resolver.resolve(&a.clone()).unwrap()));
        let b = resolver.resolve(&Params::new().with("Endpoint", "https://b")).unwrap();
        assert_eq!(b.url, "https://b");
        let again = resolver.resolve(&a).unwrap();
        assert_eq!(again.url, "https://a");
        assert!(!Arc::ptr_eq(&first, &again), "the memo holds one entry");
        assert_eq!(resolver.resolve(&Params::new()), Err(ResolveError::MissingParameter("Endpoint".into())));
        assert!(Arc::ptr_eq(&again, &resolver.resolve(&a).unwrap()), "errors do not evict the memo");
    }
}
