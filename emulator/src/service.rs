//! The behaviour of the 30 operations over the in-memory [`State`]: hand-written, behind the
//! generated [`Service`] trait, which fixes each operation's input, output and the errors it
//! may return (a helper can only produce an error an operation's enum has a `From` for).
//!
//! Choices where the model leaves the service's behaviour open:
//! - An ARN naming this emulator's partition, region and account but no existing resource is a
//!   `NotFoundException` where the operation lists one (`DescribeAppInstanceBot`), otherwise a
//!   `BadRequestException` with code `NotFound`; an ARN
//!   of another account or region is a `ForbiddenException`; a malformed one a
//!   `BadRequestException` with code `BadRequest`.
//! - Create calls are idempotent per `ClientRequestToken`: the same token with the same
//!   request returns the first call's result; with a different request it is a
//!   `ConflictException`.
//! - Conflicts: a user id already taken, a user that is already an admin, deleting a user who
//!   is still an admin, registering a second endpoint for the same device and resource.
//! - Limits (`ResourceLimitExceededException`): see the `MAX_*` constants.
//! - Lists are ordered by creation; `NextToken`s are opaque and only valid for the list
//!   (operation and parent resource) that issued them; `MaxResults` defaults to
//!   [`DEFAULT_PAGE_SIZE`].
//! - Deleting an AppInstance deletes its users, bots, admins, endpoints, tags and settings.
//! - Bots are members of their AppInstance (`.../app-instance/{id}/bot/{bot id}`) and carry
//!   tags; a Lex configuration may name `RespondsTo` (deprecated) or `InvokedBy`, not both.
//!   `UpdateAppInstanceBot` replaces the name and metadata, and the configuration when given.
//! - Users with `ExpirationSettings` are deleted (with their endpoints, tags and admin role)
//!   once `ExpirationDays` have passed since the criterion (their creation), by the emulator's
//!   clock ([`crate::Emulator::advance_clock`]); the sweep runs before every request.
//! - A failure to write the `--state` file undoes the change and is a
//!   `ServiceFailureException`.

use std::collections::BTreeMap;

use client_runtime::json::JsonArrayWriter;
use client_runtime::time::DateTime;

use crate::generated::error::{
    BadRequestException, ConflictException, ForbiddenException, NotFoundException, ResourceLimitExceededException, ServiceFailureException,
};
use crate::generated::operation::*;
use crate::generated::types::{
    AllowMessages, AppInstance, AppInstanceAdmin, AppInstanceBot, AppInstanceBotSummary, Configuration, AppInstanceAdminSummary, AppInstanceRetentionSettings, AppInstanceSummary,
    AppInstanceUser, AppInstanceUserEndpoint, AppInstanceUserEndpointSummary, AppInstanceUserSummary, ChannelRetentionSettings,
    EndpointAttributes, EndpointState, EndpointStatus, ErrorCode, Identity, Tag,
};
use crate::generated::{Operation, Service};
use crate::state::{self, Admin, Bot, Endpoint, Idempotent, Instance, Retention, State, User};
use crate::wire::Invalid;
use crate::Shared;

/// AppInstances per account.
pub const MAX_APP_INSTANCES: usize = 100;
/// Users per AppInstance.
pub const MAX_USERS_PER_APP_INSTANCE: usize = 1_000;
/// Admins per AppInstance.
pub const MAX_ADMINS_PER_APP_INSTANCE: usize = 100;
/// Endpoints per user.
pub const MAX_ENDPOINTS_PER_USER: usize = 10;
/// Bots per AppInstance.
pub const MAX_BOTS_PER_APP_INSTANCE: usize = 100;
/// Tags per resource.
pub const MAX_TAGS_PER_RESOURCE: usize = 50;
/// Items per page when a list call gives no `MaxResults`.
pub const DEFAULT_PAGE_SIZE: usize = 10;

fn bad_request(code: ErrorCode, message: impl Into<String>) -> BadRequestException {
    BadRequestException { code: Some(code), message: Some(message.into()) }
}

fn not_found(what: &str, arn: &str) -> BadRequestException {
    bad_request(ErrorCode::NotFound, format!("{what} {arn} does not exist"))
}

fn conflict(message: impl Into<String>) -> ConflictException {
    ConflictException { code: Some(ErrorCode::Conflict), message: Some(message.into()) }
}

fn limit(message: impl Into<String>) -> ResourceLimitExceededException {
    ResourceLimitExceededException { code: Some(ErrorCode::ResourceLimitExceeded), message: Some(message.into()) }
}

/// The errors every lookup can end in.
trait LookupError: From<BadRequestException> + From<ForbiddenException> {}
impl<E: From<BadRequestException> + From<ForbiddenException>> LookupError for E {}

/// What an ARN of this emulator names.
enum Target {
    Instance(String),
    User { instance: String, user: String },
    Bot { instance: String, bot: String },
}

/// One request's view of the emulator: the shared state and the request time.
pub(crate) struct Call<'a> {
    pub shared: &'a Shared,
    pub now: DateTime,
}

impl Call<'_> {
    fn instance_arn(&self, id: &str) -> String {
        let c = &self.shared.config;
        format!("arn:{}:chime:{}:{}:app-instance/{id}", self.shared.partition, c.region, c.account)
    }

    fn user_arn(&self, instance: &str, user: &str) -> String {
        format!("{}/user/{user}", self.instance_arn(instance))
    }

    fn bot_arn(&self, instance: &str, bot: &str) -> String {
        format!("{}/bot/{bot}", self.instance_arn(instance))
    }

    /// Reads an ARN of this emulator: `.../app-instance/{id}` or `.../app-instance/{id}/user/{user}`.
    fn parse_arn<E: LookupError>(&self, arn: &str) -> Result<Target, E> {
        let c = &self.shared.config;
        let malformed = || E::from(bad_request(ErrorCode::BadRequest, format!("{arn} is not a valid Chime SDK Identity ARN")));
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("chime"), Some(region), Some(account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        if partition != self.shared.partition || region != c.region || account != c.account {
            return Err(E::from(ForbiddenException {
                code: Some(ErrorCode::Forbidden),
                message: Some(format!("{arn} belongs to another account, region or partition")),
            }));
        }
        let segments: Vec<&str> = resource.split('/').collect();
        match segments.as_slice() {
            ["app-instance", id] if !id.is_empty() => Ok(Target::Instance((*id).to_string())),
            ["app-instance", id, "user", user] if !id.is_empty() && !user.is_empty() => {
                Ok(Target::User { instance: (*id).to_string(), user: (*user).to_string() })
            }
            ["app-instance", id, "bot", bot] if !id.is_empty() && !bot.is_empty() => {
                Ok(Target::Bot { instance: (*id).to_string(), bot: (*bot).to_string() })
            }
            _ => Err(malformed()),
        }
    }

    fn find_instance<'s, E: LookupError>(&self, state: &'s mut State, arn: &str) -> Result<(String, &'s mut Instance), E> {
        match self.parse_arn::<E>(arn)? {
            Target::Instance(id) => match state.instances.get_mut(&id) {
                Some(instance) => Ok((id, instance)),
                None => Err(E::from(not_found("AppInstance", arn))),
            },
            _ => Err(E::from(bad_request(ErrorCode::BadRequest, format!("{arn} is not an AppInstance ARN")))),
        }
    }

    /// The user named by `arn` and its instance; `(instance id, user id, instance)`.
    fn find_user<'s, E: LookupError>(&self, state: &'s mut State, arn: &str) -> Result<(String, String, &'s mut Instance), E> {
        match self.parse_arn::<E>(arn)? {
            Target::User { instance, user } => match state.instances.get_mut(&instance) {
                Some(i) if i.users.contains_key(&user) => Ok((instance, user, i)),
                _ => Err(E::from(not_found("AppInstanceUser", arn))),
            },
            _ => Err(E::from(bad_request(ErrorCode::BadRequest, format!("{arn} is not an AppInstanceUser ARN")))),
        }
    }

    /// The bot named by `arn`: `(instance id, bot id, instance)`; `missing` makes the error for
    /// a well-formed ARN that names no bot.
    fn find_bot<'s, E: LookupError>(
        &self,
        state: &'s mut State,
        arn: &str,
        missing: impl FnOnce() -> E,
    ) -> Result<(String, String, &'s mut Instance), E> {
        match self.parse_arn::<E>(arn)? {
            Target::Bot { instance, bot } => match state.instances.get_mut(&instance) {
                Some(i) if i.bots.contains_key(&bot) => Ok((instance, bot, i)),
                _ => Err(missing()),
            },
            _ => Err(E::from(bad_request(ErrorCode::BadRequest, format!("{arn} is not an AppInstanceBot ARN")))),
        }
    }

    /// The tags of the instance or user named by `arn`.
    fn find_tags<'s, E: LookupError>(&self, state: &'s mut State, arn: &str) -> Result<&'s mut BTreeMap<String, String>, E> {
        match self.parse_arn::<E>(arn)? {
            Target::Instance(_) => Ok(&mut self.find_instance::<E>(state, arn)?.1.tags),
            Target::User { .. } => {
                let (_, user, instance) = self.find_user::<E>(state, arn)?;
                instance.users.get_mut(&user).map(|u| &mut u.tags).ok_or_else(|| E::from(not_found("AppInstanceUser", arn)))
            }
            Target::Bot { .. } => {
                let (_, bot, instance) = self.find_bot::<E>(state, arn, || E::from(not_found("AppInstanceBot", arn)))?;
                instance.bots.get_mut(&bot).map(|b| &mut b.tags).ok_or_else(|| E::from(not_found("AppInstanceBot", arn)))
            }
        }
    }

    fn read<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.shared.lock())
    }

    /// Runs a change and persists it; when the state file cannot be written the change is
    /// undone, so memory and file never disagree.
    fn mutate<T, E: From<ServiceFailureException>>(&self, f: impl FnOnce(&mut State) -> Result<T, E>) -> Result<T, E> {
        let mut state = self.shared.lock();
        let Some(path) = &self.shared.config.state_file else { return f(&mut state) };
        let backup = state.clone();
        let out = f(&mut state)?;
        if let Err(e) = state::save(&state, path) {
            *state = backup;
            return Err(E::from(ServiceFailureException {
                code: Some(ErrorCode::ServiceFailure),
                message: Some(format!("The change could not be saved: {e}")),
            }));
        }
        Ok(out)
    }

    /// Replays a create call seen before, or refuses a token reused for another request.
    fn replay<E: From<ConflictException>>(state: &State, operation: Operation, token: &str, fingerprint: &str) -> Result<Option<String>, E> {
        match state.tokens.get(&(operation.name().to_string(), token.to_string())) {
            None => Ok(None),
            Some(seen) if seen.fingerprint == fingerprint => Ok(Some(seen.result.clone())),
            Some(_) => Err(E::from(conflict("The ClientRequestToken was already used for a different request"))),
        }
    }

    fn remember(state: &mut State, operation: Operation, token: String, fingerprint: String, result: String) {
        state.tokens.insert((operation.name().to_string(), token), Idempotent { fingerprint, result });
    }
}

/// What a create request asked for, as one string (a JSON array of its members).
fn fingerprint(parts: &[Option<&str>], tags: &[Tag]) -> String {
    let mut out = String::new();
    let mut array = JsonArrayWriter::new(&mut out);
    for p in parts {
        match p {
            Some(s) => array.value().string(s),
            None => array.value().null(),
        }
    }
    for t in tags {
        array.value().string(&t.key);
        array.value().string(&t.value);
    }
    array.finish();
    out
}

/// Tags from a request: keys unique and outside the reserved `aws:` prefix.
fn checked_tags(tags: &[Tag]) -> Result<BTreeMap<String, String>, BadRequestException> {
    let mut out = BTreeMap::new();
    for t in tags {
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(bad_request(ErrorCode::BadRequest, "Tag keys starting with 'aws:' are reserved"));
        }
        if out.insert(t.key.clone(), t.value.clone()).is_some() {
            return Err(bad_request(ErrorCode::BadRequest, "Tag keys must be unique within a request"));
        }
    }
    Ok(out)
}

/// One page of `items` (creation sequence number, item) after `token`.
fn paginate<T>(
    mut items: Vec<(u64, T)>,
    scope: &str,
    max_results: Option<i32>,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), BadRequestException> {
    items.sort_by_key(|(seq, _)| *seq);
    let after = match token {
        None => 0,
        Some(t) => decode_token(t, scope).ok_or_else(|| bad_request(ErrorCode::BadRequest, "The NextToken is not valid for this request"))?,
    };
    let size = max_results.and_then(|m| usize::try_from(m).ok()).filter(|m| *m > 0).unwrap_or(DEFAULT_PAGE_SIZE);
    let mut rest = items.into_iter().filter(|(seq, _)| *seq > after).peekable();
    let mut page = Vec::new();
    let mut last = 0;
    while page.len() < size {
        let Some((seq, item)) = rest.next() else { break };
        last = seq;
        page.push(item);
    }
    let next = rest.peek().is_some().then(|| encode_token(scope, last));
    Ok((page, next))
}

/// A token naming the list it belongs to and the last item returned.
fn encode_token(scope: &str, last: u64) -> String {
    client_runtime::base64::encode(format!("v1\n{scope}\n{last}").as_bytes())
}

fn decode_token(token: &str, scope: &str) -> Option<u64> {
    let bytes = client_runtime::base64::decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split('\n');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(s), Some(last), None) if s == scope => last.parse().ok(),
        _ => None,
    }
}

fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag { key: k.clone(), value: v.clone() }).collect()
}

fn endpoint_state() -> EndpointState {
    EndpointState { status: EndpointStatus::Active, status_reason: None }
}

/// A Lex configuration names at most one of `RespondsTo` (deprecated) and `InvokedBy`.
fn checked_configuration(c: &Configuration) -> Result<(), BadRequestException> {
    if c.lex.responds_to.is_some() && c.lex.invoked_by.is_some() {
        return Err(bad_request(ErrorCode::BadRequest, "A Lex configuration takes RespondsTo or InvokedBy, not both"));
    }
    Ok(())
}

fn bot_not_found(arn: &str) -> NotFoundException {
    NotFoundException { code: Some(ErrorCode::NotFound), message: Some(format!("AppInstanceBot {arn} does not exist")) }
}

/// Deletes the users whose expiration settings make them gone at `now`, with their admin roles;
/// returns how many.
pub(crate) fn expire_users(state: &mut State, now: DateTime) -> usize {
    let mut removed = 0;
    for instance in state.instances.values_mut() {
        let expired: Vec<String> = instance.users.iter().filter(|(_, u)| u.expired_at(now)).map(|(id, _)| id.clone()).collect();
        for id in expired {
            instance.users.remove(&id);
            instance.admins.remove(&id);
            removed += 1;
        }
    }
    removed
}

impl Service for Call<'_> {
    fn validation_error(&self, _operation: Operation, invalid: Invalid) -> BadRequestException {
        bad_request(ErrorCode::BadRequest, invalid.into_message())
    }

    fn create_app_instance(&self, input: CreateAppInstanceInput) -> Result<CreateAppInstanceOutput, CreateAppInstanceError> {
        let tags = input.tags.unwrap_or_default();
        let checked = checked_tags(&tags)?;
        let fp = fingerprint(&[Some(&input.name), input.metadata.as_deref()], &tags);
        self.mutate(|state| {
            let op = Operation::CreateAppInstance;
            if let Some(arn) = Self::replay::<CreateAppInstanceError>(state, op, &input.client_request_token, &fp)? {
                return Ok(CreateAppInstanceOutput { app_instance_arn: Some(arn) });
            }
            if state.instances.len() >= MAX_APP_INSTANCES {
                return Err(limit(format!("An account can have at most {MAX_APP_INSTANCES} AppInstances")).into());
            }
            let id = client_runtime::rand::uuid_v4();
            let instance = Instance {
                name: input.name,
                metadata: input.metadata,
                created: self.now,
                updated: self.now,
                seq: state.seq(),
                retention: None,
                tags: checked,
                users: BTreeMap::new(),
                admins: BTreeMap::new(),
                bots: BTreeMap::new(),
            };
            state.instances.insert(id.clone(), instance);
            let arn = self.instance_arn(&id);
            Self::remember(state, op, input.client_request_token, fp, arn.clone());
            Ok(CreateAppInstanceOutput { app_instance_arn: Some(arn) })
        })
    }

    fn create_app_instance_admin(&self, input: CreateAppInstanceAdminInput) -> Result<CreateAppInstanceAdminOutput, CreateAppInstanceAdminError> {
        self.mutate(|state| {
            let seq = state.seq();
            let (instance_id, instance) = self.find_instance::<CreateAppInstanceAdminError>(state, &input.app_instance_arn)?;
            let user = match self.parse_arn::<CreateAppInstanceAdminError>(&input.app_instance_admin_arn)? {
                Target::User { instance: i, user } if i == instance_id => user,
                _ => return Err(bad_request(ErrorCode::BadRequest, "An AppInstanceAdmin must be a user of the same AppInstance").into()),
            };
            let name = match instance.users.get(&user) {
                Some(u) => u.name.clone(),
                None => return Err(not_found("AppInstanceUser", &input.app_instance_admin_arn).into()),
            };
            if instance.admins.contains_key(&user) {
                return Err(conflict(format!("{} is already an AppInstanceAdmin", input.app_instance_admin_arn)).into());
            }
            if instance.admins.len() >= MAX_ADMINS_PER_APP_INSTANCE {
                return Err(limit(format!("An AppInstance can have at most {MAX_ADMINS_PER_APP_INSTANCE} admins")).into());
            }
            instance.admins.insert(user, Admin { created: self.now, seq });
            Ok(CreateAppInstanceAdminOutput {
                app_instance_admin: Some(Identity { arn: Some(input.app_instance_admin_arn), name: Some(name) }),
                app_instance_arn: Some(input.app_instance_arn),
            })
        })
    }

    fn create_app_instance_user(&self, input: CreateAppInstanceUserInput) -> Result<CreateAppInstanceUserOutput, CreateAppInstanceUserError> {
        let tags = input.tags.unwrap_or_default();
        let checked = checked_tags(&tags)?;
        let expiration = input.expiration_settings.as_ref().map(|e| format!("{} {}", e.expiration_days, e.expiration_criterion.as_str()));
        let fp = fingerprint(
            &[Some(&input.app_instance_arn), Some(&input.app_instance_user_id), Some(&input.name), input.metadata.as_deref(), expiration.as_deref()],
            &tags,
        );
        self.mutate(|state| {
            let op = Operation::CreateAppInstanceUser;
            if let Some(arn) = Self::replay::<CreateAppInstanceUserError>(state, op, &input.client_request_token, &fp)? {
                return Ok(CreateAppInstanceUserOutput { app_instance_user_arn: Some(arn) });
            }
            let seq = state.seq();
            let (instance_id, instance) = self.find_instance::<CreateAppInstanceUserError>(state, &input.app_instance_arn)?;
            if instance.users.contains_key(&input.app_instance_user_id) {
                return Err(conflict(format!("The AppInstanceUserId {} is already taken in this AppInstance", input.app_instance_user_id)).into());
            }
            if instance.users.len() >= MAX_USERS_PER_APP_INSTANCE {
                return Err(limit(format!("An AppInstance can have at most {MAX_USERS_PER_APP_INSTANCE} users")).into());
            }
            let user = User {
                name: input.name,
                metadata: input.metadata,
                created: self.now,
                updated: self.now,
                seq,
                tags: checked,
                endpoints: BTreeMap::new(),
                expiration: input.expiration_settings,
            };
            instance.users.insert(input.app_instance_user_id.clone(), user);
            let arn = self.user_arn(&instance_id, &input.app_instance_user_id);
            Self::remember(state, op, input.client_request_token, fp, arn.clone());
            Ok(CreateAppInstanceUserOutput { app_instance_user_arn: Some(arn) })
        })
    }

    fn delete_app_instance(&self, input: DeleteAppInstanceInput) -> Result<DeleteAppInstanceOutput, DeleteAppInstanceError> {
        self.mutate(|state| {
            let (id, _) = self.find_instance::<DeleteAppInstanceError>(state, &input.app_instance_arn)?;
            // Users, admins, endpoints, tags and settings live inside the instance and go with it.
            state.instances.remove(&id);
            Ok(DeleteAppInstanceOutput {})
        })
    }

    fn delete_app_instance_admin(&self, input: DeleteAppInstanceAdminInput) -> Result<DeleteAppInstanceAdminOutput, DeleteAppInstanceAdminError> {
        self.mutate(|state| {
            let (instance_id, instance) = self.find_instance::<DeleteAppInstanceAdminError>(state, &input.app_instance_arn)?;
            let user = match self.parse_arn::<DeleteAppInstanceAdminError>(&input.app_instance_admin_arn)? {
                Target::User { instance: i, user } if i == instance_id => user,
                _ => return Err(not_found("AppInstanceAdmin", &input.app_instance_admin_arn).into()),
            };
            match instance.admins.remove(&user) {
                Some(_) => Ok(DeleteAppInstanceAdminOutput {}),
                None => Err(not_found("AppInstanceAdmin", &input.app_instance_admin_arn).into()),
            }
        })
    }

    fn delete_app_instance_user(&self, input: DeleteAppInstanceUserInput) -> Result<DeleteAppInstanceUserOutput, DeleteAppInstanceUserError> {
        self.mutate(|state| {
            let (_, user, instance) = self.find_user::<DeleteAppInstanceUserError>(state, &input.app_instance_user_arn)?;
            if instance.admins.contains_key(&user) {
                return Err(conflict("The user is an AppInstanceAdmin; delete the admin role first").into());
            }
            instance.users.remove(&user);
            Ok(DeleteAppInstanceUserOutput {})
        })
    }

    fn deregister_app_instance_user_endpoint(
        &self,
        input: DeregisterAppInstanceUserEndpointInput,
    ) -> Result<DeregisterAppInstanceUserEndpointOutput, DeregisterAppInstanceUserEndpointError> {
        self.mutate(|state| {
            let (_, user, instance) = self.find_user::<DeregisterAppInstanceUserEndpointError>(state, &input.app_instance_user_arn)?;
            let removed = instance.users.get_mut(&user).and_then(|u| u.endpoints.remove(&input.endpoint_id));
            match removed {
                Some(_) => Ok(DeregisterAppInstanceUserEndpointOutput {}),
                None => Err(not_found("AppInstanceUserEndpoint", &input.endpoint_id).into()),
            }
        })
    }

    fn describe_app_instance(&self, input: DescribeAppInstanceInput) -> Result<DescribeAppInstanceOutput, DescribeAppInstanceError> {
        self.read(|state| {
            let (_, i) = self.find_instance::<DescribeAppInstanceError>(state, &input.app_instance_arn)?;
            Ok(DescribeAppInstanceOutput {
                app_instance: Some(AppInstance {
                    app_instance_arn: Some(input.app_instance_arn.clone()),
                    name: Some(i.name.clone()),
                    created_timestamp: Some(i.created),
                    last_updated_timestamp: Some(i.updated),
                    metadata: i.metadata.clone(),
                }),
            })
        })
    }

    fn describe_app_instance_admin(
        &self,
        input: DescribeAppInstanceAdminInput,
    ) -> Result<DescribeAppInstanceAdminOutput, DescribeAppInstanceAdminError> {
        self.read(|state| {
            let (instance_id, instance) = self.find_instance::<DescribeAppInstanceAdminError>(state, &input.app_instance_arn)?;
            let missing = || not_found("AppInstanceAdmin", &input.app_instance_admin_arn);
            let user = match self.parse_arn::<DescribeAppInstanceAdminError>(&input.app_instance_admin_arn)? {
                Target::User { instance: i, user } if i == instance_id => user,
                _ => return Err(missing().into()),
            };
            let (Some(admin), Some(u)) = (instance.admins.get(&user), instance.users.get(&user)) else {
                return Err(missing().into());
            };
            Ok(DescribeAppInstanceAdminOutput {
                app_instance_admin: Some(AppInstanceAdmin {
                    admin: Some(Identity { arn: Some(input.app_instance_admin_arn.clone()), name: Some(u.name.clone()) }),
                    app_instance_arn: Some(input.app_instance_arn.clone()),
                    created_timestamp: Some(admin.created),
                }),
            })
        })
    }

    fn describe_app_instance_user(&self, input: DescribeAppInstanceUserInput) -> Result<DescribeAppInstanceUserOutput, DescribeAppInstanceUserError> {
        self.read(|state| {
            let (_, user, instance) = self.find_user::<DescribeAppInstanceUserError>(state, &input.app_instance_user_arn)?;
            let u = instance.users.get(&user).ok_or_else(|| not_found("AppInstanceUser", &input.app_instance_user_arn))?;
            Ok(DescribeAppInstanceUserOutput {
                app_instance_user: Some(AppInstanceUser {
                    app_instance_user_arn: Some(input.app_instance_user_arn.clone()),
                    name: Some(u.name.clone()),
                    metadata: u.metadata.clone(),
                    created_timestamp: Some(u.created),
                    last_updated_timestamp: Some(u.updated),
                    expiration_settings: u.expiration.clone(),
                }),
            })
        })
    }

    fn describe_app_instance_user_endpoint(
        &self,
        input: DescribeAppInstanceUserEndpointInput,
    ) -> Result<DescribeAppInstanceUserEndpointOutput, DescribeAppInstanceUserEndpointError> {
        self.read(|state| {
            let (_, user, instance) = self.find_user::<DescribeAppInstanceUserEndpointError>(state, &input.app_instance_user_arn)?;
            let e = instance
                .users
                .get(&user)
                .and_then(|u| u.endpoints.get(&input.endpoint_id))
                .ok_or_else(|| not_found("AppInstanceUserEndpoint", &input.endpoint_id))?;
            Ok(DescribeAppInstanceUserEndpointOutput {
                app_instance_user_endpoint: Some(AppInstanceUserEndpoint {
                    app_instance_user_arn: Some(input.app_instance_user_arn.clone()),
                    endpoint_id: Some(input.endpoint_id.clone()),
                    name: e.name.clone(),
                    r#type: Some(e.kind),
                    resource_arn: Some(e.resource_arn.clone()),
                    endpoint_attributes: Some(EndpointAttributes {
                        device_token: e.device_token.clone(),
                        voip_device_token: e.voip_device_token.clone(),
                    }),
                    created_timestamp: Some(e.created),
                    last_updated_timestamp: Some(e.updated),
                    allow_messages: Some(e.allow_messages),
                    endpoint_state: Some(endpoint_state()),
                }),
            })
        })
    }

    fn get_app_instance_retention_settings(
        &self,
        input: GetAppInstanceRetentionSettingsInput,
    ) -> Result<GetAppInstanceRetentionSettingsOutput, GetAppInstanceRetentionSettingsError> {
        self.read(|state| {
            let (_, instance) = self.find_instance::<GetAppInstanceRetentionSettingsError>(state, &input.app_instance_arn)?;
            Ok(match &instance.retention {
                None => GetAppInstanceRetentionSettingsOutput::default(),
                Some(r) => GetAppInstanceRetentionSettingsOutput {
                    app_instance_retention_settings: Some(AppInstanceRetentionSettings {
                        channel_retention_settings: Some(ChannelRetentionSettings { retention_days: r.days }),
                    }),
                    initiate_deletion_timestamp: Some(r.set_at),
                },
            })
        })
    }

    fn list_app_instance_admins(&self, input: ListAppInstanceAdminsInput) -> Result<ListAppInstanceAdminsOutput, ListAppInstanceAdminsError> {
        self.read(|state| {
            let (id, instance) = self.find_instance::<ListAppInstanceAdminsError>(state, &input.app_instance_arn)?;
            let items = instance
                .admins
                .iter()
                .map(|(user, a)| {
                    let name = instance.users.get(user).map(|u| u.name.clone());
                    let identity = Identity { arn: Some(self.user_arn(&id, user)), name };
                    (a.seq, AppInstanceAdminSummary { admin: Some(identity) })
                })
                .collect();
            let (admins, next_token) = paginate(items, &format!("admins/{id}"), input.max_results, input.next_token.as_deref())?;
            Ok(ListAppInstanceAdminsOutput { app_instance_arn: Some(input.app_instance_arn.clone()), app_instance_admins: Some(admins), next_token })
        })
    }

    fn list_app_instance_user_endpoints(
        &self,
        input: ListAppInstanceUserEndpointsInput,
    ) -> Result<ListAppInstanceUserEndpointsOutput, ListAppInstanceUserEndpointsError> {
        self.read(|state| {
            let (id, user, instance) = self.find_user::<ListAppInstanceUserEndpointsError>(state, &input.app_instance_user_arn)?;
            let u = instance.users.get(&user).ok_or_else(|| not_found("AppInstanceUser", &input.app_instance_user_arn))?;
            let items = u
                .endpoints
                .iter()
                .map(|(eid, e)| {
                    let summary = AppInstanceUserEndpointSummary {
                        app_instance_user_arn: Some(input.app_instance_user_arn.clone()),
                        endpoint_id: Some(eid.clone()),
                        name: e.name.clone(),
                        r#type: Some(e.kind),
                        allow_messages: Some(e.allow_messages),
                        endpoint_state: Some(endpoint_state()),
                    };
                    (e.seq, summary)
                })
                .collect();
            let scope = format!("endpoints/{id}/{user}");
            let (endpoints, next_token) = paginate(items, &scope, input.max_results, input.next_token.as_deref())?;
            Ok(ListAppInstanceUserEndpointsOutput { app_instance_user_endpoints: Some(endpoints), next_token })
        })
    }

    fn list_app_instance_users(&self, input: ListAppInstanceUsersInput) -> Result<ListAppInstanceUsersOutput, ListAppInstanceUsersError> {
        self.read(|state| {
            let (id, instance) = self.find_instance::<ListAppInstanceUsersError>(state, &input.app_instance_arn)?;
            let items = instance
                .users
                .iter()
                .map(|(uid, u)| {
                    let summary =
                        AppInstanceUserSummary { app_instance_user_arn: Some(self.user_arn(&id, uid)), name: Some(u.name.clone()), metadata: u.metadata.clone() };
                    (u.seq, summary)
                })
                .collect();
            let (users, next_token) = paginate(items, &format!("users/{id}"), input.max_results, input.next_token.as_deref())?;
            Ok(ListAppInstanceUsersOutput { app_instance_arn: Some(input.app_instance_arn.clone()), app_instance_users: Some(users), next_token })
        })
    }

    fn list_app_instances(&self, input: ListAppInstancesInput) -> Result<ListAppInstancesOutput, ListAppInstancesError> {
        self.read(|state| {
            let items = state
                .instances
                .iter()
                .map(|(id, i)| {
                    (i.seq, AppInstanceSummary { app_instance_arn: Some(self.instance_arn(id)), name: Some(i.name.clone()), metadata: i.metadata.clone() })
                })
                .collect();
            let (instances, next_token) = paginate(items, "app-instances", input.max_results, input.next_token.as_deref())?;
            Ok(ListAppInstancesOutput { app_instances: Some(instances), next_token })
        })
    }

    fn list_tags_for_resource(&self, input: ListTagsForResourceInput) -> Result<ListTagsForResourceOutput, ListTagsForResourceError> {
        self.read(|state| {
            let tags = self.find_tags::<ListTagsForResourceError>(state, &input.resource_arn)?;
            Ok(ListTagsForResourceOutput { tags: Some(tag_list(tags)) })
        })
    }

    fn put_app_instance_retention_settings(
        &self,
        input: PutAppInstanceRetentionSettingsInput,
    ) -> Result<PutAppInstanceRetentionSettingsOutput, PutAppInstanceRetentionSettingsError> {
        self.mutate(|state| {
            let (_, instance) = self.find_instance::<PutAppInstanceRetentionSettingsError>(state, &input.app_instance_arn)?;
            let days = input.app_instance_retention_settings.channel_retention_settings.as_ref().and_then(|c| c.retention_days);
            instance.retention = Some(Retention { days, set_at: self.now });
            instance.updated = self.now;
            Ok(PutAppInstanceRetentionSettingsOutput {
                app_instance_retention_settings: Some(input.app_instance_retention_settings),
                initiate_deletion_timestamp: Some(self.now),
            })
        })
    }

    fn register_app_instance_user_endpoint(
        &self,
        input: RegisterAppInstanceUserEndpointInput,
    ) -> Result<RegisterAppInstanceUserEndpointOutput, RegisterAppInstanceUserEndpointError> {
        let allow = input.allow_messages.unwrap_or(AllowMessages::All);
        let attributes = &input.endpoint_attributes;
        let fp = fingerprint(
            &[
                Some(&input.app_instance_user_arn),
                input.name.as_deref(),
                Some(input.r#type.as_str()),
                Some(&input.resource_arn),
                Some(&attributes.device_token),
                attributes.voip_device_token.as_deref(),
                Some(allow.as_str()),
            ],
            &[],
        );
        self.mutate(|state| {
            let op = Operation::RegisterAppInstanceUserEndpoint;
            if let Some(endpoint_id) = Self::replay::<RegisterAppInstanceUserEndpointError>(state, op, &input.client_request_token, &fp)? {
                return Ok(RegisterAppInstanceUserEndpointOutput {
                    app_instance_user_arn: Some(input.app_instance_user_arn.clone()),
                    endpoint_id: Some(endpoint_id),
                });
            }
            let seq = state.seq();
            let (_, user, instance) = self.find_user::<RegisterAppInstanceUserEndpointError>(state, &input.app_instance_user_arn)?;
            let u = instance.users.get_mut(&user).ok_or_else(|| not_found("AppInstanceUser", &input.app_instance_user_arn))?;
            let duplicate = u.endpoints.values().any(|e| {
                e.kind == input.r#type && e.resource_arn == input.resource_arn && e.device_token == input.endpoint_attributes.device_token
            });
            if duplicate {
                return Err(conflict("An endpoint for this device, type and resource is already registered").into());
            }
            if u.endpoints.len() >= MAX_ENDPOINTS_PER_USER {
                return Err(limit(format!("A user can have at most {MAX_ENDPOINTS_PER_USER} endpoints")).into());
            }
            let endpoint_id = client_runtime::rand::uuid_v4().replace('-', "");
            let endpoint = Endpoint {
                name: input.name,
                kind: input.r#type,
                resource_arn: input.resource_arn,
                device_token: input.endpoint_attributes.device_token,
                voip_device_token: input.endpoint_attributes.voip_device_token,
                allow_messages: allow,
                created: self.now,
                updated: self.now,
                seq,
            };
            u.endpoints.insert(endpoint_id.clone(), endpoint);
            Self::remember(state, op, input.client_request_token, fp, endpoint_id.clone());
            Ok(RegisterAppInstanceUserEndpointOutput { app_instance_user_arn: Some(input.app_instance_user_arn), endpoint_id: Some(endpoint_id) })
        })
    }

    fn tag_resource(&self, input: TagResourceInput) -> Result<TagResourceOutput, TagResourceError> {
        let new = checked_tags(&input.tags)?;
        self.mutate(|state| {
            let tags = self.find_tags::<TagResourceError>(state, &input.resource_arn)?;
            let added = new.keys().filter(|k| !tags.contains_key(*k)).count();
            if tags.len() + added > MAX_TAGS_PER_RESOURCE {
                return Err(limit(format!("A resource can have at most {MAX_TAGS_PER_RESOURCE} tags")).into());
            }
            tags.extend(new);
            Ok(TagResourceOutput {})
        })
    }

    fn untag_resource(&self, input: UntagResourceInput) -> Result<UntagResourceOutput, UntagResourceError> {
        self.mutate(|state| {
            let tags = self.find_tags::<UntagResourceError>(state, &input.resource_arn)?;
            for key in &input.tag_keys {
                tags.remove(key);
            }
            Ok(UntagResourceOutput {})
        })
    }

    fn update_app_instance(&self, input: UpdateAppInstanceInput) -> Result<UpdateAppInstanceOutput, UpdateAppInstanceError> {
        self.mutate(|state| {
            let (_, instance) = self.find_instance::<UpdateAppInstanceError>(state, &input.app_instance_arn)?;
            instance.name = input.name;
            instance.metadata = Some(input.metadata);
            instance.updated = self.now;
            Ok(UpdateAppInstanceOutput { app_instance_arn: Some(input.app_instance_arn) })
        })
    }

    fn update_app_instance_user(&self, input: UpdateAppInstanceUserInput) -> Result<UpdateAppInstanceUserOutput, UpdateAppInstanceUserError> {
        self.mutate(|state| {
            let (_, user, instance) = self.find_user::<UpdateAppInstanceUserError>(state, &input.app_instance_user_arn)?;
            let u = instance.users.get_mut(&user).ok_or_else(|| not_found("AppInstanceUser", &input.app_instance_user_arn))?;
            u.name = input.name;
            u.metadata = Some(input.metadata);
            u.updated = self.now;
            Ok(UpdateAppInstanceUserOutput { app_instance_user_arn: Some(input.app_instance_user_arn) })
        })
    }

    fn update_app_instance_user_endpoint(
        &self,
        input: UpdateAppInstanceUserEndpointInput,
    ) -> Result<UpdateAppInstanceUserEndpointOutput, UpdateAppInstanceUserEndpointError> {
        self.mutate(|state| {
            let (_, user, instance) = self.find_user::<UpdateAppInstanceUserEndpointError>(state, &input.app_instance_user_arn)?;
            let e = instance
                .users
                .get_mut(&user)
                .and_then(|u| u.endpoints.get_mut(&input.endpoint_id))
                .ok_or_else(|| not_found("AppInstanceUserEndpoint", &input.endpoint_id))?;
            if input.name.is_some() {
                e.name = input.name;
            }
            if let Some(allow) = input.allow_messages {
                e.allow_messages = allow;
            }
            e.updated = self.now;
            Ok(UpdateAppInstanceUserEndpointOutput { app_instance_user_arn: Some(input.app_instance_user_arn), endpoint_id: Some(input.endpoint_id) })
        })
    }

    fn create_app_instance_bot(&self, input: CreateAppInstanceBotInput) -> Result<CreateAppInstanceBotOutput, CreateAppInstanceBotError> {
        let tags = input.tags.unwrap_or_default();
        let checked = checked_tags(&tags)?;
        checked_configuration(&input.configuration)?;
        let configuration = state::document_json(&state::configuration_document(&input.configuration));
        let fp = fingerprint(&[Some(&input.app_instance_arn), input.name.as_deref(), input.metadata.as_deref(), Some(&configuration)], &tags);
        self.mutate(|state| {
            let op = Operation::CreateAppInstanceBot;
            if let Some(arn) = Self::replay::<CreateAppInstanceBotError>(state, op, &input.client_request_token, &fp)? {
                return Ok(CreateAppInstanceBotOutput { app_instance_bot_arn: Some(arn) });
            }
            let seq = state.seq();
            let (instance_id, instance) = self.find_instance::<CreateAppInstanceBotError>(state, &input.app_instance_arn)?;
            if instance.bots.len() >= MAX_BOTS_PER_APP_INSTANCE {
                return Err(limit(format!("An AppInstance can have at most {MAX_BOTS_PER_APP_INSTANCE} bots")).into());
            }
            let bot_id = client_runtime::rand::uuid_v4();
            let bot = Bot {
                name: input.name,
                metadata: input.metadata,
                configuration: input.configuration,
                created: self.now,
                updated: self.now,
                seq,
                tags: checked,
            };
            instance.bots.insert(bot_id.clone(), bot);
            let arn = self.bot_arn(&instance_id, &bot_id);
            Self::remember(state, op, input.client_request_token, fp, arn.clone());
            Ok(CreateAppInstanceBotOutput { app_instance_bot_arn: Some(arn) })
        })
    }

    fn delete_app_instance_bot(&self, input: DeleteAppInstanceBotInput) -> Result<DeleteAppInstanceBotOutput, DeleteAppInstanceBotError> {
        self.mutate(|state| {
            let arn = &input.app_instance_bot_arn;
            let (_, bot, instance) = self.find_bot::<DeleteAppInstanceBotError>(state, arn, || not_found("AppInstanceBot", arn).into())?;
            instance.bots.remove(&bot);
            Ok(DeleteAppInstanceBotOutput {})
        })
    }

    fn describe_app_instance_bot(&self, input: DescribeAppInstanceBotInput) -> Result<DescribeAppInstanceBotOutput, DescribeAppInstanceBotError> {
        self.read(|state| {
            let arn = &input.app_instance_bot_arn;
            let (_, bot, instance) = self.find_bot::<DescribeAppInstanceBotError>(state, arn, || bot_not_found(arn).into())?;
            let b = instance.bots.get(&bot).ok_or_else(|| bot_not_found(arn))?;
            Ok(DescribeAppInstanceBotOutput {
                app_instance_bot: Some(AppInstanceBot {
                    app_instance_bot_arn: Some(arn.clone()),
                    name: b.name.clone(),
                    configuration: Some(b.configuration.clone()),
                    created_timestamp: Some(b.created),
                    last_updated_timestamp: Some(b.updated),
                    metadata: b.metadata.clone(),
                }),
            })
        })
    }

    fn list_app_instance_bots(&self, input: ListAppInstanceBotsInput) -> Result<ListAppInstanceBotsOutput, ListAppInstanceBotsError> {
        self.read(|state| {
            let (id, instance) = self.find_instance::<ListAppInstanceBotsError>(state, &input.app_instance_arn)?;
            let items = instance
                .bots
                .iter()
                .map(|(bid, b)| {
                    let summary =
                        AppInstanceBotSummary { app_instance_bot_arn: Some(self.bot_arn(&id, bid)), name: b.name.clone(), metadata: b.metadata.clone() };
                    (b.seq, summary)
                })
                .collect();
            let (bots, next_token) = paginate(items, &format!("bots/{id}"), input.max_results, input.next_token.as_deref())?;
            Ok(ListAppInstanceBotsOutput { app_instance_arn: Some(input.app_instance_arn.clone()), app_instance_bots: Some(bots), next_token })
        })
    }

    fn put_app_instance_user_expiration_settings(
        &self,
        input: PutAppInstanceUserExpirationSettingsInput,
    ) -> Result<PutAppInstanceUserExpirationSettingsOutput, PutAppInstanceUserExpirationSettingsError> {
        self.mutate(|state| {
            let arn = &input.app_instance_user_arn;
            let (_, user, instance) = self.find_user::<PutAppInstanceUserExpirationSettingsError>(state, arn)?;
            let u = instance.users.get_mut(&user).ok_or_else(|| not_found("AppInstanceUser", arn))?;
            u.expiration = input.expiration_settings.clone();
            u.updated = self.now;
            Ok(PutAppInstanceUserExpirationSettingsOutput {
                app_instance_user_arn: Some(input.app_instance_user_arn.clone()),
                expiration_settings: input.expiration_settings,
            })
        })
    }

    fn update_app_instance_bot(&self, input: UpdateAppInstanceBotInput) -> Result<UpdateAppInstanceBotOutput, UpdateAppInstanceBotError> {
        if let Some(c) = &input.configuration {
            checked_configuration(c)?;
        }
        self.mutate(|state| {
            let arn = &input.app_instance_bot_arn;
            let (_, bot, instance) = self.find_bot::<UpdateAppInstanceBotError>(state, arn, || not_found("AppInstanceBot", arn).into())?;
            let b = instance.bots.get_mut(&bot).ok_or_else(|| not_found("AppInstanceBot", arn))?;
            b.name = Some(input.name);
            b.metadata = Some(input.metadata);
            if let Some(c) = input.configuration {
                b.configuration = c;
            }
            b.updated = self.now;
            Ok(UpdateAppInstanceBotOutput { app_instance_bot_arn: Some(input.app_instance_bot_arn) })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_creation_order_and_tokens_are_scoped() {
        let items = || vec![(5, "e"), (1, "a"), (3, "c"), (2, "b"), (4, "d")];
        let (p1, t1) = paginate(items(), "s", Some(2), None).unwrap();
        assert_eq!(p1, ["a", "b"]);
        let (p2, t2) = paginate(items(), "s", Some(2), t1.as_deref()).unwrap();
        assert_eq!(p2, ["c", "d"]);
        let (p3, t3) = paginate(items(), "s", Some(2), t2.as_deref()).unwrap();
        assert_eq!((p3, t3), (vec!["e"], None));
        assert!(paginate(items(), "other", Some(2), t1.as_deref()).is_err(), "a token of another list");
        for bad in ["", "not base64!", "djEKcwo=", &client_runtime::base64::encode(b"v1\ns\nx")] {
            assert!(paginate(items(), "s", Some(2), Some(bad)).is_err(), "{bad}");
        }
        let (all, none) = paginate(items(), "s", None, None).unwrap();
        assert_eq!((all.len(), none), (5, None), "default page size covers five");
        let (exact, end) = paginate(vec![(1, "a"), (2, "b")], "s", Some(2), None).unwrap();
        assert_eq!((exact.len(), end), (2, None), "no token when nothing follows");
    }

    #[test]
    fn tags_are_checked() {
        let t = |k: &str| Tag { key: k.into(), value: "v".into() };
        assert_eq!(checked_tags(&[t("a"), t("b")]).unwrap().len(), 2);
        assert!(checked_tags(&[t("a"), t("a")]).is_err());
        assert!(checked_tags(&[t("AWS:x")]).is_err());
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let tag = Tag { key: "k".into(), value: "v".into() };
        assert_ne!(fingerprint(&[Some("a"), None], &[]), fingerprint(&[Some("a"), Some("")], &[]));
        assert_ne!(fingerprint(&[Some("a,b")], &[]), fingerprint(&[Some("a"), Some("b")], &[]));
        assert_ne!(fingerprint(&[Some("a")], &[]), fingerprint(&[Some("a")], std::slice::from_ref(&tag)));
        assert_eq!(fingerprint(&[Some("a")], std::slice::from_ref(&tag)), fingerprint(&[Some("a")], &[tag]));
    }
}
