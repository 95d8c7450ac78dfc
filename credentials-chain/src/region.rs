//! The region chain: `AWS_REGION` / `AWS_DEFAULT_REGION`, then the selected profile's `region`,
//! then (with the `imds` feature) the instance's region from IMDS.

use client_runtime::region::{resolve_region, Region};

use crate::ChainConfig;

/// Resolves the region as the SDKs do.
#[derive(Clone, Debug, Default)]
pub struct RegionChain {
    config: ChainConfig,
}

impl RegionChain {
    /// A chain over `config`.
    pub fn new(config: ChainConfig) -> Self {
        Self { config }
    }

    /// The region from the environment or the profile, without asking IMDS.
    pub fn local(&self) -> Option<Region> {
        let set = self.config.profiles().ok()?;
        resolve_region(None, &self.config.env, &set).ok().flatten()
    }

    /// The region, asking IMDS when neither the environment nor the profile sets one. `None` when
    /// nothing knows (IMDS unreachable counts as not knowing).
    pub async fn region(&self) -> Option<Region> {
        if let Some(region) = self.local() {
            return Some(region);
        }
        #[cfg(feature = "imds")]
        {
            let client = crate::imds::ImdsClient::new(self.config.clone());
            if client.disabled() {
                return None;
            }
            match client.get("/latest/meta-data/placement/region").await {
                Ok(text) => return Region::try_new(text.trim().to_string()).ok(),
                Err(e) => tracing::debug!(error = %e, "no region from IMDS"),
            }
        }
        None
    }
}

/// The default region chain over the process environment.
pub async fn default_region() -> Option<Region> {
    RegionChain::default().region().await
}
