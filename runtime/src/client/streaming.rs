//! The pipeline of operations with a `@streaming` payload: the input's stream is sent as the
//! request body (from memory, a file or a reader), and a streaming output's body is handed to
//! the caller unread. Other operations never come here; their buffered path stays as it is.

use super::*;
use crate::byte_stream::{ByteStream, CollectError};
use crate::http::StreamingResponse;
use crate::sigv4::PayloadHash;
use crate::transport::TransportError;

/// Why a failed request was not sent again although the failure is retryable.
#[derive(Debug)]
struct NotReplayable {
    cause: DispatchError,
}

impl fmt::Display for NotReplayable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; not retried: the request body is a one-shot stream (a reader) that the failed attempt consumed \
             (a body from memory or ByteStream::from_path can be sent again)",
            self.cause
        )
    }
}

impl std::error::Error for NotReplayable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl Handle {
    pub(super) async fn invoke_streaming<O: Operation>(&self, mut input: O::Input, hooks: &[RequestHook]) -> Result<O::Output, SdkError<O::Error>> {
        let inner = &*self.inner;
        O::prepare(&mut input, &*inner.config.idempotency_token);
        // Serialized first: the payload being present decides headers (its content type).
        let mut parts = O::serialize(&input).map_err(SdkError::construction_failure)?;
        let mut template = if O::STREAMING_INPUT { O::take_streaming_body(&mut input) } else { None };
        // A body in memory is sent (and signed) as any other.
        if let Some(bytes) = template.as_ref().and_then(ByteStream::bytes) {
            parts.body = bytes.to_vec();
            template = None;
        }
        #[cfg(feature = "event-stream")]
        let mut events = if O::STREAMING_INPUT { O::take_event_stream(&mut input) } else { None };
        #[cfg(not(feature = "event-stream"))]
        let events: Option<std::convert::Infallible> = None;
        let event_stream = events.is_some();
        if event_stream && (template.is_some() || O::CHECKSUM_REQUIRED) {
            return Err(SdkError::construction_failure(BuildError::invalid(
                "an event stream is sent as the whole body: it cannot go with a streaming payload or a Content-MD5",
            )));
        }
        if template.is_some() && O::CHECKSUM_REQUIRED {
            return Err(SdkError::construction_failure(BuildError::invalid(
                "this operation requires a Content-MD5 of its body, which a streamed body cannot have: give the body in memory",
            )));
        }
        if template.is_none() && !event_stream {
            if !O::REQUEST_COMPRESSION.is_empty() {
                compress_body(&mut parts, O::REQUEST_COMPRESSION, &inner.config);
            }
            if O::CHECKSUM_REQUIRED && !parts.headers.contains("content-md5") {
                parts.headers.insert("content-md5", crate::checksum::content_md5(&parts.body));
            }
        }
        let resolved = if O::BINDS_ENDPOINT_PARAMS {
            self.resolve(|params| O::endpoint_params(&input, params))
        } else {
            self.client_endpoint()
        }
        .map_err(SdkError::construction_failure)?;
        let endpoint = &resolved.endpoint;
        let mut request = build_request(parts, &resolved.base);
        if let Some(body) = &template {
            request.headers.remove("content-length");
            match body.content_length() {
                Some(len) => request.headers.insert("content-length", len.to_string()),
                None if O::REQUIRES_LENGTH => {
                    return Err(SdkError::construction_failure(BuildError::invalid(
                        "this operation needs a body of known length (@requiresLength): use ByteStream::from_path, \
                         ByteStream::from_reader_with_length or bytes in memory",
                    )))
                }
                // Sent with chunked transfer coding by the transport.
                None => {}
            }
        }
        if event_stream {
            // Sent with chunked transfer coding, its length unknown until the caller's stream ends.
            request.headers.remove("content-length");
        }
        for (name, values) in &endpoint.headers {
            for v in values {
                request.headers.append(name.clone(), v.clone());
            }
        }
        request.headers.insert("user-agent", inner.user_agent.clone());
        request.headers.insert("amz-sdk-invocation-id", crate::rand::uuid_v4());
        let anonymous = O::UNSIGNED || (O::OPTIONAL_AUTH && inner.config.credentials.is_none());
        let mut signing = if anonymous { None } else { self.signing_context(endpoint).await? };
        if let (Some(s), Some(_)) = (&mut signing, &template) {
            // A streamed body is not read twice to hash it: its payload is not signed.
            s.settings.payload = PayloadHash::Unsigned;
            s.settings.content_sha256_header = true;
        }
        #[cfg(feature = "event-stream")]
        if let (Some(s), true) = (&mut signing, event_stream) {
            // Each message is signed instead, chained to this request's signature.
            s.settings.payload = PayloadHash::Precomputed(crate::sigv4::EVENT_STREAM_PAYLOAD_HASH.to_string());
            s.settings.content_sha256_header = true;
        }
        let http = inner.http.as_ref().map_err(|e| SdkError::construction_failure(e.clone()))?;
        let limit = inner.config.max_response_body;

        let mut call = inner.retry.start_call(false);
        let max = inner.retry.config().max_attempts();
        loop {
            let wait = call.before_attempt();
            if !wait.is_zero() {
                inner.config.sleep.sleep(wait).await;
            }
            let attempt = call.attempt();
            request.headers.insert("amz-sdk-request", format!("attempt={attempt}; max={max}"));
            let mut hooked;
            let request = if hooks.is_empty() {
                &mut request
            } else {
                hooked = request.clone();
                for hook in hooks {
                    hook.apply(&mut hooked).map_err(SdkError::construction_failure)?;
                }
                &mut hooked
            };
            let sent_at = inner.config.time.now();
            if let Some(s) = &signing {
                let skew = *inner.skew.lock().unwrap_or_else(PoisonError::into_inner);
                let params = SigningParams {
                    credentials: &s.credentials,
                    region: &s.region,
                    service: &s.name,
                    time: skew.apply(sent_at),
                    settings: &s.settings,
                };
                inner.signer.sign(request, &params).map_err(SdkError::construction_failure)?;
            }
            let body = template.as_mut().and_then(ByteStream::for_attempt);
            #[cfg(feature = "event-stream")]
            let body = match events.take() {
                Some(messages) => Some(self.event_stream_body(messages, request, signing.as_ref()).map_err(SdkError::construction_failure)?),
                None => body,
            };
            let span = tracing::debug_span!("attempt", n = attempt);
            #[cfg(feature = "test-util")]
            let result = match &inner.config.mocks {
                None => in_span(span, self.send_streamed(http.as_ref(), request, body)).await,
                Some(mocks) => match mocks.serve::<O>(&input) {
                    crate::test_util::mocks::Served::Output(output) => {
                        call.on_success();
                        return Ok(output);
                    }
                    crate::test_util::mocks::Served::Error { error, response, .. } => {
                        return Err(SdkError::service_error(error, response));
                    }
                    crate::test_util::mocks::Served::Http(r) => {
                        Ok(StreamingResponse { status: r.status, headers: r.headers, body: ByteStream::new(r.body) })
                    }
                    crate::test_util::mocks::Served::Unmatched(why) => {
                        return Err(SdkError::construction_failure(BuildError::invalid(why)));
                    }
                },
            };
            #[cfg(not(feature = "test-util"))]
            let result = in_span(span, self.send_streamed(http.as_ref(), request, body)).await;
            let result = match result {
                Ok(response) if (200..300).contains(&response.status) && O::STREAMING_OUTPUT => {
                    call.on_success();
                    let head = response.head();
                    return O::deserialize_streaming(&head, response.body).map_err(|source| SdkError::response_error(source, head, None));
                }
                Ok(response) => buffer(response, limit).await,
                Err(e) => Err(e),
            };
            let (kind, retry_after, failure) = match result {
                Ok(response) if (200..300).contains(&response.status) => {
                    call.on_success();
                    return O::deserialize(&response).map_err(|source| SdkError::response_error(source, response, None));
                }
                Ok(response) => {
                    let meta = inner.service.protocol.error_metadata(&response);
                    let hint = meta
                        .code()
                        .and_then(|c| O::RETRYABLE_ERRORS.iter().find(|(code, _)| *code == c))
                        .map(|(_, throttling)| RetryKind::from_retryable_trait(*throttling));
                    let mut kind = classify(Failure::Response { status: response.status, code: meta.code() }, hint);
                    if let (Some(code), Some(date)) = (meta.code(), response.headers.get("date")) {
                        let mut skew = inner.skew.lock().unwrap_or_else(PoisonError::into_inner);
                        if let Some(corrected) = clock_skew_correction(code, date, sent_at, *skew) {
                            *skew = corrected;
                            kind = RetryKind::Transient;
                        }
                    }
                    let retry_after = response.headers.get(crate::retry::RETRY_AFTER_HEADER).map(str::to_string);
                    let failure = match O::deserialize_error(&response, meta.clone()) {
                        Ok(err) => Ok(SdkError::service_error(err, response)),
                        Err(source) => Ok(SdkError::response_error(source, response, Some(meta))),
                    };
                    (kind, retry_after, failure)
                }
                Err(Attempt::Dispatch(e)) => (classify(Failure::Dispatch(e.kind()), None), None, Err(e)),
                Err(Attempt::TimedOut) => (
                    classify(Failure::Dispatch(DispatchErrorKind::Timeout), None),
                    None,
                    Ok(SdkError::timeout_error(TimeoutKind::Attempt)),
                ),
            };
            let spent = event_stream || template.as_ref().is_some_and(|t| !t.is_replayable());
            match call.on_failure(kind, retry_after.as_deref()) {
                RetryDecision::Retry { delay } if !spent => {
                    tracing::debug!(?kind, ?delay, "retrying");
                    inner.config.sleep.sleep(delay).await;
                }
                RetryDecision::Retry { .. } => {
                    tracing::debug!(?kind, "not retrying: the request body was a one-shot stream");
                    return Err(match failure {
                        Err(cause) => SdkError::dispatch_failure(DispatchError::new(cause.kind(), NotReplayable { cause })),
                        Ok(failure) => failure,
                    });
                }
                RetryDecision::Stop { reason, delay } => {
                    tracing::debug!(?kind, ?reason, "not retrying");
                    if !delay.is_zero() {
                        inner.config.sleep.sleep(delay).await;
                    }
                    return Err(failure.unwrap_or_else(SdkError::dispatch_failure));
                }
            }
        }
    }

    /// The body of an event stream input: its messages signed for `request` (signed just
    /// before) at the client's time with the clock-skew correction, or sent as they are when
    /// the call is anonymous.
    #[cfg(feature = "event-stream")]
    fn event_stream_body(
        &self,
        messages: crate::eventstream::EventStreamBody,
        request: &HttpRequest,
        signing: Option<&SigningContext>,
    ) -> Result<ByteStream, crate::sigv4::SigningError> {
        let signer = match signing {
            None => None,
            Some(s) => Some(crate::sigv4::EventSigner::from_authorization(
                s.credentials.clone(),
                s.region.clone(),
                s.name.to_string(),
                request.headers.get("authorization").unwrap_or_default(),
            )?),
        };
        let time = Arc::clone(&self.inner.config.time);
        let skew = Arc::clone(&self.inner.skew);
        let now = move || skew.lock().unwrap_or_else(PoisonError::into_inner).apply(time.now());
        Ok(crate::eventstream::request_body(messages, signer, now))
    }

    async fn send_streamed(&self, http: &dyn HttpClient, request: &HttpRequest, body: Option<ByteStream>) -> Result<StreamingResponse, Attempt> {
        let exchange = http.send_streaming(request, body);
        match self.inner.config.timeouts.attempt {
            None => exchange.await.map_err(Attempt::Dispatch),
            Some(limit) => match race(exchange, self.inner.config.sleep.sleep(limit)).await {
                Some(r) => r.map_err(Attempt::Dispatch),
                None => Err(Attempt::TimedOut),
            },
        }
    }
}

/// A response read whole (within the response body limit), for error responses and outputs
/// without a streaming payload.
async fn buffer(response: StreamingResponse, limit: usize) -> Result<HttpResponse, Attempt> {
    let StreamingResponse { status, headers, body } = response;
    let declared = body.content_length();
    match body.collect_limited(limit).await {
        Ok(body) => Ok(HttpResponse { status, headers, body }),
        Err(CollectError::TooLarge) => Err(Attempt::Dispatch(DispatchError::new(
            DispatchErrorKind::Other,
            TransportError::ResponseTooLarge { limit, declared },
        ))),
        Err(CollectError::Read(e)) => Err(Attempt::Dispatch(match e.dispatch_error() {
            Some(d) => DispatchError::new(d.kind(), e),
            None => DispatchError::new(DispatchErrorKind::Io, e),
        })),
    }
}
