//! The generated STS client (awsQuery) against the scripted server: `AssumeRole` and
//! `AssumeRoleWithWebIdentity` send a signed `POST /` whose form body is checked pair by pair,
//! read XML answers shaped like the service's (namespace, `ResponseMetadata`, whitespace), and
//! read `<ErrorResponse>` documents into the modeled error named by the `awsQueryError` code.

use client_runtime::time::DateTime;
use sts::config::{Credentials, Region, RetryConfig};
use sts::error::{ProvideErrorMetadata, SdkError};
use sts::operation::RequestId;
use sts::operation::assume_role::AssumeRoleError;
use sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError;
use sts::types::{PolicyDescriptorType, Tag};
use sts::{Client, Config};

use crate::fixtures::{assert_signed_for, signing_time, FixedClock, ACCESS_KEY_ID, AMZ_DATE, SECRET_ACCESS_KEY};
use crate::support::{Request, Response, Server};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/demo";
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn client(server: &Server) -> Client {
    Client::from_conf(
        Config::builder()
            .region(Region::from_static("us-east-1"))
            .credentials_provider(Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "Static"))
            .endpoint_url(server.url())
            .time_source(FixedClock(signing_time()))
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build(),
    )
}

fn xml(status: u16, body: &str) -> Response {
    Response::new(status).header("content-type", "text/xml").body(body)
}

/// The form body's pairs, in order, still percent-encoded.
fn pairs(request: &Request) -> Vec<String> {
    String::from_utf8(request.body.clone())
        .expect("the form body is ASCII")
        .split('&')
        .map(str::to_string)
        .collect()
}

fn assert_query_request(request: &Request, server: &Server) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/");
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(request.header("content-length"), Some(request.body.len().to_string().as_str()));
    let credentials = Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "Static");
    assert_signed_for("sts", request, server, signing_time(), AMZ_DATE, &credentials);
}

fn credentials_xml(access_key: &str) -> String {
    format!(
        "<Credentials>\n        <AccessKeyId>{access_key}</AccessKeyId>\n        \
         <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n        \
         <SessionToken>AQoDYXdzEPT//////////wEXAMPLE&amp;token</SessionToken>\n        \
         <Expiration>2024-05-06T08:08:09Z</Expiration>\n      </Credentials>"
    )
}

#[tokio::test]
async fn assume_role_form_body_signature_and_xml_output() {
    let body = format!(
        "<AssumeRoleResponse xmlns=\"{NAMESPACE}\">\n  <AssumeRoleResult>\n    \
         <SourceIdentity>DevUser123</SourceIdentity>\n    <AssumedRoleUser>\n      \
         <Arn>arn:aws:sts::123456789012:assumed-role/demo/session-1</Arn>\n      \
         <AssumedRoleId>AROA3XFRBF535PLBIFPI4:session-1</AssumedRoleId>\n    </AssumedRoleUser>\n    \
         {}\n    <PackedPolicySize>6</PackedPolicySize>\n    <NewFieldFromTheFuture><x/></NewFieldFromTheFuture>\n  \
         </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n  \
         </ResponseMetadata>\n</AssumeRoleResponse>\n",
        credentials_xml("ASIAIOSFODNN7EXAMPLE")
    );
    let server = Server::start([xml(200, &body).into()]).await;
    let out = client(&server)
        .assume_role()
        .role_arn(ROLE_ARN)
        .role_session_name("session-1")
        .policy_arns(PolicyDescriptorType::builder().arn("arn:aws:iam::aws:policy/ReadOnlyAccess").build())
        .duration_seconds(3600)
        .tags(Tag::builder().key("Project").value("blue sky").build().unwrap())
        .tags(Tag::builder().key("Team").value("a&b=c").build().unwrap())
        .transitive_tag_keys("Project")
        .send()
        .await
        .expect("AssumeRole succeeds");

    let request = server.wait_for_requests(1).await.remove(0);
    assert_query_request(&request, &server);
    assert_eq!(
        pairs(&request),
        [
            "Action=AssumeRole",
            "Version=2011-06-15",
            "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo",
            "RoleSessionName=session-1",
            "PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess",
            "DurationSeconds=3600",
            "Tags.member.1.Key=Project",
            "Tags.member.1.Value=blue%20sky",
            "Tags.member.2.Key=Team",
            "Tags.member.2.Value=a%26b%3Dc",
            "TransitiveTagKeys.member.1=Project",
        ]
    );

    let creds = out.credentials().expect("credentials");
    assert_eq!(creds.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    assert_eq!(creds.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    assert_eq!(creds.session_token, "AQoDYXdzEPT//////////wEXAMPLE&token");
    assert_eq!(creds.expiration, DateTime::from_secs(1_714_982_889));
    let user = out.assumed_role_user().expect("assumed role user");
    assert_eq!(user.arn, "arn:aws:sts::123456789012:assumed-role/demo/session-1");
    assert_eq!(user.assumed_role_id, "AROA3XFRBF535PLBIFPI4:session-1");
    assert_eq!(out.packed_policy_size(), Some(6));
    assert_eq!(out.source_identity(), Some("DevUser123"));
}

#[tokio::test]
async fn assume_role_with_web_identity_form_body_and_output() {
    let body = format!(
        "<AssumeRoleWithWebIdentityResponse xmlns=\"{NAMESPACE}\">\n  <AssumeRoleWithWebIdentityResult>\n    \
         <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>\n    \
         <Audience>client.5498841531868486423.1548@apps.example.com</Audience>\n    \
         <AssumedRoleUser>\n      <Arn>arn:aws:sts::123456789012:assumed-role/demo/web</Arn>\n      \
         <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:web</AssumedRoleId>\n    </AssumedRoleUser>\n    {}\n    \
         <Provider>www.amazon.com</Provider>\n  </AssumeRoleWithWebIdentityResult>\n  \
         <ResponseMetadata>\n    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>\n  </ResponseMetadata>\n\
         </AssumeRoleWithWebIdentityResponse>\n",
        credentials_xml("ASIAWEBIDENTITYEXAMPLE")
    );
    let server = Server::start([xml(200, &body).into()]).await;
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3ZWIifQ.c2lnbmF0dXJl+/=";
    let out = client(&server)
        .assume_role_with_web_identity()
        .role_arn(ROLE_ARN)
        .role_session_name("web")
        .web_identity_token(token)
        .send()
        .await
        .expect("AssumeRoleWithWebIdentity succeeds");

    let request = server.wait_for_requests(1).await.remove(0);
    assert_query_request(&request, &server);
    assert_eq!(
        pairs(&request),
        [
            "Action=AssumeRoleWithWebIdentity",
            "Version=2011-06-15",
            "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo",
            "RoleSessionName=web",
            "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3ZWIifQ.c2lnbmF0dXJl%2B%2F%3D",
        ]
    );
    let creds = out.credentials().expect("credentials");
    assert_eq!(creds.access_key_id, "ASIAWEBIDENTITYEXAMPLE");
    assert_eq!(out.subject_from_web_identity_token(), Some("amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A"));
    assert_eq!(out.audience(), Some("client.5498841531868486423.1548@apps.example.com"));
    assert_eq!(out.provider(), Some("www.amazon.com"));
    assert_eq!(out.assumed_role_user().map(|u| u.arn.as_str()), Some("arn:aws:sts::123456789012:assumed-role/demo/web"));
}

fn error_body(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    \
         <Message>{message}</Message>\n  </Error>\n  <RequestId>err-{code}</RequestId>\n</ErrorResponse>\n"
    )
}

#[tokio::test]
async fn web_identity_errors_are_read_by_their_query_error_codes() {
    // `IDPRejectedClaimException` is `@awsQueryError(code: "IDPRejectedClaim", httpResponseCode: 403)`.
    let server = Server::start([
        xml(403, &error_body("IDPRejectedClaim", "Token audience is not allowed")).into(),
        xml(400, &error_body("InvalidIdentityToken", "No OpenIDConnect provider found")).into(),
        xml(400, &error_body("SomethingNew", "an error the model does not list")).into(),
    ])
    .await;
    let client = client(&server);
    let call = || client.assume_role_with_web_identity().role_arn(ROLE_ARN).role_session_name("web").web_identity_token("token").send();

    let err = call().await.expect_err("rejected claim");
    let SdkError::ServiceError(service) = err else { panic!("a service error: {err:?}") };
    assert_eq!(service.raw().status().as_u16(), 403);
    let err = service.into_err();
    let AssumeRoleWithWebIdentityError::IdpRejectedClaimException(e) = &err else { panic!("IdpRejectedClaimException: {err:?}") };
    assert_eq!(e.message(), Some("Token audience is not allowed"));
    assert_eq!((err.code(), err.request_id()), (Some("IDPRejectedClaim"), Some("err-IDPRejectedClaim")));

    let err = call().await.expect_err("invalid token").try_into_service_error().expect("a service error");
    assert!(err.is_invalid_identity_token_exception(), "{err:?}");
    assert_eq!(err.message(), Some("No OpenIDConnect provider found"));

    let err = call().await.expect_err("unmodeled").try_into_service_error().expect("a service error");
    let AssumeRoleWithWebIdentityError::Unhandled(u) = &err else { panic!("Unhandled: {err:?}") };
    assert_eq!((u.code(), u.message(), u.request_id()), (Some("SomethingNew"), Some("an error the model does not list"), Some("err-SomethingNew")));
}

#[tokio::test]
async fn assume_role_error_and_malformed_xml() {
    let server = Server::start([
        xml(400, &error_body("ExpiredTokenException", "The security token included in the request is expired")).into(),
        xml(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials>").into(),
    ])
    .await;
    let client = client(&server);
    let err = client.assume_role().role_arn(ROLE_ARN).role_session_name("session").send().await.expect_err("expired");
    let err = err.try_into_service_error().expect("a service error");
    let AssumeRoleError::ExpiredTokenException(e) = &err else { panic!("ExpiredTokenException: {err:?}") };
    assert_eq!(e.message(), Some("The security token included in the request is expired"));
    assert_eq!(e.to_string(), "ExpiredTokenException: The security token included in the request is expired");

    let err = client.assume_role().role_arn(ROLE_ARN).role_session_name("session").send().await.expect_err("truncated XML");
    assert!(matches!(err, SdkError::ResponseError { .. }), "{err:?}");
}
