//! `Config` from the AWS SDK for Rust's `aws_types::SdkConfig` (feature `aws-sdk-config`), so
//! that `aws_config::load_defaults(..).await` configures a generated client as it configures
//! the SDK's: `Client::new(&sdk_config)`, `Config::from(&sdk_config)`,
//! `config::Builder::from(&sdk_config)`.
//!
//! Carried over: region, endpoint URL, credentials provider (through
//! [`AwsSdkProvider`](crate::credentials::AwsSdkProvider), cached by this client), retry mode,
//! attempts and backoff, timeouts, stalled-stream protection, FIPS and dual-stack flags, app
//! name, the request-compression settings, the sleep and the time source. A timeout the
//! `SdkConfig` leaves unset keeps this client's default (so the 60 s read timeout stays unless
//! one is given). Not carried over, because this client has its own: the HTTP client, identity
//! cache, token provider and interceptors.

use super::{AppName, Config, ConfigBuilder, StalledStreamProtectionConfig};
use crate::credentials::AwsSdkProvider;
use crate::region::Region;
use crate::retry::{RetryConfig, RetryMode};
use aws_types::sdk_config::{SharedAsyncSleep, SharedTimeSource};
use aws_types::SdkConfig;
use std::time::{Duration, SystemTime};

/// The SDK's sleep, for retry backoff and timeouts.
#[derive(Debug)]
struct SdkSleep(SharedAsyncSleep);

impl crate::clock::AsyncSleep for SdkSleep {
    fn sleep(&self, duration: Duration) -> crate::clock::SleepFuture {
        Box::pin(aws_smithy_async::rt::sleep::AsyncSleep::sleep(&self.0, duration))
    }
}

/// The SDK's time source, for signing and retries.
#[derive(Debug)]
struct SdkTimeSource(SharedTimeSource);

impl crate::clock::TimeSource for SdkTimeSource {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

impl From<&SdkConfig> for ConfigBuilder {
    /// A builder with the settings `sdk` has (only those count as set, so it also works as a
    /// per-call override).
    fn from(sdk: &SdkConfig) -> Self {
        let mut b = Config::builder();
        if let Some(region) = sdk.region() {
            b = b.region(Region::new(region.as_ref().to_owned()));
        }
        if let Some(url) = sdk.endpoint_url() {
            b = b.endpoint_url(url);
        }
        if let Some(provider) = sdk.credentials_provider() {
            b = b.credentials_provider(AwsSdkProvider::new(provider));
        }
        if let Some(retry) = sdk.retry_config() {
            let mode = match retry.mode() {
                aws_smithy_types::retry::RetryMode::Adaptive => RetryMode::Adaptive,
                _ => RetryMode::Standard,
            };
            b = b.retry_config(
                RetryConfig::standard()
                    .with_mode(mode)
                    .with_max_attempts(retry.max_attempts())
                    .with_initial_backoff(retry.initial_backoff())
                    .with_max_backoff(retry.max_backoff()),
            );
        }
        if let Some(t) = sdk.timeout_config() {
            let mut timeouts = b.config.timeouts;
            if let Some(d) = t.connect_timeout() {
                timeouts.connect = d;
            }
            if let Some(d) = t.read_timeout() {
                timeouts.read = Some(d);
            }
            if let Some(d) = t.operation_attempt_timeout() {
                timeouts.attempt = Some(d);
            }
            if let Some(d) = t.operation_timeout() {
                timeouts.operation = Some(d);
            }
            b = b.timeout_config(timeouts);
        }
        if let Some(s) = sdk.stalled_stream_protection() {
            b = b.stalled_stream_protection(if s.is_enabled() {
                StalledStreamProtectionConfig::enabled()
                    .grace_period(s.grace_period())
                    .upload_enabled(s.upload_enabled())
                    .download_enabled(s.download_enabled())
                    .build()
            } else {
                StalledStreamProtectionConfig::disabled()
            });
        }
        if let Some(on) = sdk.use_fips() {
            b = b.use_fips(on);
        }
        if let Some(on) = sdk.use_dual_stack() {
            b = b.use_dual_stack(on);
        }
        if let Some(name) = sdk.app_name() {
            // aws-types checks names by the same rule; one it accepted but this client refuses is
            // left out of the user-agent rather than failing the whole configuration.
            match AppName::new(name.as_ref().to_owned()) {
                Ok(name) => b = b.app_name(name),
                Err(e) => tracing::warn!(error = %e, "app name from SdkConfig not used"),
            }
        }
        if let Some(disable) = sdk.disable_request_compression() {
            b = b.disable_request_compression(disable);
        }
        if let Some(bytes) = sdk.request_min_compression_size_bytes() {
            b = b.request_min_compression_size_bytes(bytes);
        }
        if let Some(sleep) = sdk.sleep_impl() {
            b = b.sleep_impl(SdkSleep(sleep));
        }
        if let Some(time) = sdk.time_source() {
            b = b.time_source(SdkTimeSource(time));
        }
        b
    }
}

impl From<&SdkConfig> for Config {
    /// `ConfigBuilder::from(sdk).build()`.
    fn from(sdk: &SdkConfig) -> Self {
        ConfigBuilder::from(sdk).build()
    }
}

impl Config {
    /// The configuration `sdk` describes (the AWS SDK for Rust's `Config::new(&SdkConfig)`).
    pub fn new(sdk: &SdkConfig) -> Self {
        Config::from(sdk)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Set, TimeoutConfig};
    use super::*;
    use crate::credentials::ProvideCredentials;
    use aws_smithy_types::retry::RetryConfig as AwsRetryConfig;
    use aws_smithy_types::timeout::TimeoutConfig as AwsTimeoutConfig;
    use aws_types::sdk_config::{SharedCredentialsProvider, StalledStreamProtectionConfig as AwsStalled};
    use std::time::Duration;

    fn full() -> SdkConfig {
        SdkConfig::builder()
            .region(aws_types::region::Region::new("eu-west-3"))
            .endpoint_url("http://127.0.0.1:4566")
            .credentials_provider(SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
                "AKIDSDK",
                "sdk-secret-value",
                Some("sdk-token".into()),
                None,
                "test",
            )))
            .retry_config(
                AwsRetryConfig::adaptive()
                    .with_max_attempts(7)
                    .with_initial_backoff(Duration::from_millis(20))
                    .with_max_backoff(Duration::from_secs(3)),
            )
            .timeout_config(
                AwsTimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(2))
                    .operation_attempt_timeout(Duration::from_secs(4))
                    .operation_timeout(Duration::from_secs(9))
                    .build(),
            )
            .stalled_stream_protection(AwsStalled::enabled().grace_period(Duration::from_secs(7)).upload_enabled(false).build())
            .use_fips(true)
            .use_dual_stack(true)
            .app_name(aws_types::app_name::AppName::new("billing-v2").expect("valid"))
            .disable_request_compression(true)
            .request_min_compression_size_bytes(2048)
            .time_source(aws_smithy_async::time::StaticTimeSource::from_secs(1_700_000_000))
            .sleep_impl(NeverSleep)
            .build()
    }

    /// A sleep that never ends, to tell it from this client's.
    #[derive(Debug)]
    struct NeverSleep;

    impl aws_smithy_async::rt::sleep::AsyncSleep for NeverSleep {
        fn sleep(&self, _: Duration) -> aws_smithy_async::rt::sleep::Sleep {
            aws_smithy_async::rt::sleep::Sleep::new(std::future::pending())
        }
    }

    #[tokio::test]
    async fn every_setting_the_sdk_config_has_is_carried_over() {
        let sdk = full();
        let config = Config::from(&sdk);
        assert_eq!(config.region().map(Region::as_str), Some("eu-west-3"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:4566"));
        let creds = config.credentials.as_ref().expect("a provider").provide_credentials().await.expect("credentials");
        assert_eq!(
            (creds.access_key_id(), creds.secret_access_key(), creds.session_token()),
            ("AKIDSDK", "sdk-secret-value", Some("sdk-token"))
        );
        let r = config.retry_config();
        assert_eq!((r.mode(), r.max_attempts()), (RetryMode::Adaptive, 7));
        assert_eq!((r.initial_backoff(), r.max_backoff()), (Duration::from_millis(20), Duration::from_secs(3)));
        let t = config.timeout_config();
        assert_eq!(t.connect, Duration::from_secs(2));
        assert_eq!(t.read, Some(crate::transport::DEFAULT_READ_TIMEOUT), "an unset read timeout keeps the default");
        assert_eq!((t.attempt, t.operation), (Some(Duration::from_secs(4)), Some(Duration::from_secs(9))));
        let s = config.stalled_stream_protection();
        assert_eq!((s.grace_period(), s.upload_enabled(), s.download_enabled()), (Duration::from_secs(7), false, true));
        assert!(config.use_fips() && config.use_dual_stack());
        assert_eq!(config.app_name().map(AppName::as_str), Some("billing-v2"));
        assert!(config.disable_request_compression);
        assert_eq!(config.request_min_compression_size_bytes, 2048);
        assert!(!format!("{config:?}").contains("sdk-secret-value"), "Debug never shows the secret");
        assert_eq!(Config::new(&sdk).region(), config.region(), "Config::new(&SdkConfig)");
        assert_eq!(config.time.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000), "the SDK's time source");
        let slept = tokio::time::timeout(Duration::from_millis(50), config.sleep.sleep(Duration::ZERO)).await;
        assert!(slept.is_err(), "the SDK's sleep is used (this one never wakes)");
    }

    #[test]
    fn an_empty_sdk_config_sets_nothing() {
        let sdk = SdkConfig::builder().build();
        let b = ConfigBuilder::from(&sdk);
        for setting in [Set::REGION, Set::CREDENTIALS, Set::ENDPOINT_URL, Set::RETRY, Set::TIMEOUTS, Set::USE_FIPS, Set::APP_NAME, Set::SLEEP, Set::TIME] {
            assert!(!b.set.has(setting), "{setting:?}");
        }
        let config = b.build();
        assert!(config.region().is_none() && config.credentials.is_none() && config.endpoint_url().is_none());
        assert_eq!(config.retry_config(), &RetryConfig::standard());
        assert_eq!(config.timeout_config(), &TimeoutConfig::default());
    }

    #[test]
    fn as_an_override_it_replaces_only_what_it_sets() {
        let base = Config::builder()
            .region(Region::from_static("us-east-1"))
            .endpoint_url("http://base.invalid")
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build();
        let sdk = SdkConfig::builder().region(aws_types::region::Region::new("ap-south-1")).build();
        let merged = base.with_overrides(ConfigBuilder::from(&sdk));
        assert_eq!(merged.region().map(Region::as_str), Some("ap-south-1"));
        assert_eq!(merged.endpoint_url(), Some("http://base.invalid"));
        assert_eq!(merged.retry_config().max_attempts(), 5);
    }

    #[test]
    fn disabled_stalled_stream_protection_and_retries() {
        let sdk = SdkConfig::builder()
            .stalled_stream_protection(AwsStalled::disabled())
            .retry_config(AwsRetryConfig::disabled())
            .build();
        let config = Config::from(&sdk);
        assert!(!config.stalled_stream_protection().is_enabled());
        assert_eq!((config.retry_config().mode(), config.retry_config().max_attempts()), (RetryMode::Standard, 1));
    }
}
