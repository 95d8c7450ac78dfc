#!/usr/bin/env python3
"""The Rust scenario (emulator/tests/scenario.rs) again, through boto3.

Proves that the emulator's wire format (routes, label and query encoding, JSON bodies,
timestamps, error headers and bodies) and the SigV4 signatures it accepts match what another
SDK sends. Run by .ci/run against the emulator binary:

    boto3_scenario.py ENDPOINT_URL STATE_FILE

STATE_FILE is the emulator's --state file; its directory is removed near the end to provoke a
ServiceFailureException. ThrottledClientException and ServiceUnavailableException are injected
through the emulator's unsigned test hook POST /_emulator/faults; users' expiry is seen by moving
the emulator's clock through POST /_emulator/clock. Needs a botocore that knows the 30
operations (the AppInstance bots and user expiration settings came in 2023). Exits non-zero on
the first failed check.
"""

import datetime
import json
import os
import shutil
import sys
import urllib.error
import urllib.request

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
PREFIX = "arn:aws:chime:us-east-1:123456789012:app-instance/"
# The 30 operations of model/chime-sdk-identity.json, as botocore names them.
OPERATIONS = {
    "CreateAppInstanceBot", "DeleteAppInstanceBot", "DescribeAppInstanceBot", "ListAppInstanceBots",
    "PutAppInstanceUserExpirationSettings", "UpdateAppInstanceBot",
    "CreateAppInstance", "CreateAppInstanceAdmin", "CreateAppInstanceUser", "DeleteAppInstance",
    "DeleteAppInstanceAdmin", "DeleteAppInstanceUser", "DeregisterAppInstanceUserEndpoint",
    "DescribeAppInstance", "DescribeAppInstanceAdmin", "DescribeAppInstanceUser",
    "DescribeAppInstanceUserEndpoint", "GetAppInstanceRetentionSettings", "ListAppInstanceAdmins",
    "ListAppInstanceUserEndpoints", "ListAppInstanceUsers", "ListAppInstances",
    "ListTagsForResource", "PutAppInstanceRetentionSettings", "RegisterAppInstanceUserEndpoint",
    "TagResource", "UntagResource", "UpdateAppInstance", "UpdateAppInstanceUser",
    "UpdateAppInstanceUserEndpoint",
}
# The modeled errors of the service; the scenario provokes each at least once.
ERRORS = {
    "BadRequestException", "ConflictException", "ForbiddenException", "NotFoundException", "ResourceLimitExceededException",
    "ServiceFailureException", "ServiceUnavailableException", "ThrottledClientException",
    "UnauthorizedClientException",
}

endpoint, state_file = sys.argv[1], sys.argv[2]
called = set()
provoked = set()
checks = 0


def client(key=KEY, secret=SECRET, signed=True):
    # One attempt, so errors arrive as the emulator sent them.
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=10)
    if not signed:
        config = config.merge(Config(signature_version=UNSIGNED))
    c = boto3.client("chime-sdk-identity", endpoint_url=endpoint, region_name=REGION,
                     aws_access_key_id=key, aws_secret_access_key=secret, config=config)
    c.meta.events.register("before-call.*", lambda model, **_: called.add(model.name))
    return c


def check(condition, what):
    global checks
    if not condition:
        sys.exit(f"FAILED: {what}")
    checks += 1


def caught(e):
    """Records the modeled error a ClientError carries; its response."""
    provoked.add(e.response["Error"]["Code"])
    return e.response


def expect_error(call, status, error_type, code, **kwargs):
    """Calls and checks the error's status, X-Amzn-Errortype and body Code."""
    try:
        call(**kwargs)
    except ClientError as e:
        r = caught(e)
        got = (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r.get("Code", ""))
        check(got == (status, error_type, code), f"{call.__name__}: wanted {(status, error_type, code)}, got {got}")
        check(len(r["ResponseMetadata"].get("RequestId", "")) == 36, "error responses carry x-amzn-requestid")
        return r
    sys.exit(f"FAILED: {call.__name__} succeeded, wanted {error_type}")


def faults(method, body=None):
    """A request to the emulator's fault-injection control endpoint; (status, parsed body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + "/_emulator/faults", data=data, method=method,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def advance_clock(seconds):
    """Moves the emulator's clock forward; returns its total offset in seconds."""
    request = urllib.request.Request(endpoint + "/_emulator/clock", data=json.dumps({"advance_seconds": seconds}).encode(),
                                     method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())["offset_seconds"]


def walk(call, key, **kwargs):
    """Follows NextToken to the end; returns (items, page sizes)."""
    items, sizes, token = [], [], None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page[key]
        sizes.append(len(page[key]))
        token = page.get("NextToken")
        if not token:
            return items, sizes


c = client()
known = set(c.meta.service_model.operation_names)
check(known == OPERATIONS, f"botocore {boto3.__version__} and the model disagree: {sorted(known ^ OPERATIONS)}")

# --- all operations, paginated walks ---------------------------------------------------------
created = c.create_app_instance(Name="chat", Metadata="m1", Tags=[{"Key": "env", "Value": "test"}], ClientRequestToken="token-app-1")
app = created["AppInstanceArn"]
check(app.startswith(PREFIX) and len(app) == len(PREFIX) + 36, f"realistic ARN {app}")
again = c.create_app_instance(Name="chat", Metadata="m1", Tags=[{"Key": "env", "Value": "test"}], ClientRequestToken="token-app-1")
check(again["AppInstanceArn"] == app, "idempotent retry returns the same ARN")

d = c.describe_app_instance(AppInstanceArn=app)["AppInstance"]
check((d["Name"], d["Metadata"], d["AppInstanceArn"]) == ("chat", "m1", app), "DescribeAppInstance")
check(isinstance(d["CreatedTimestamp"], datetime.datetime) and d["LastUpdatedTimestamp"] == d["CreatedTimestamp"], "timestamps")
c.update_app_instance(AppInstanceArn=app, Name="chat-2", Metadata="m2")
d2 = c.describe_app_instance(AppInstanceArn=app)["AppInstance"]
check(d2["Name"] == "chat-2" and d2["LastUpdatedTimestamp"] >= d["CreatedTimestamp"], "UpdateAppInstance")

arns = [app] + [c.create_app_instance(Name=f"app-{i}")["AppInstanceArn"] for i in range(12)]
walked, sizes = walk(c.list_app_instances, "AppInstances", MaxResults=5)
check(sizes == [5, 5, 3] and [a["AppInstanceArn"] for a in walked] == arns, f"ListAppInstances walk {sizes}")

users = [c.create_app_instance_user(AppInstanceArn=app, AppInstanceUserId=f"user-{i}", Name=f"User {i}")["AppInstanceUserArn"] for i in range(12)]
check(users[0] == f"{app}/user/user-0", "user ARN")
walked, sizes = walk(c.list_app_instance_users, "AppInstanceUsers", AppInstanceArn=app, MaxResults=5)
check(sizes == [5, 5, 2] and [u["AppInstanceUserArn"] for u in walked] == users, "ListAppInstanceUsers walk")

u0, u1 = users[0], users[1]
c.update_app_instance_user(AppInstanceUserArn=u0, Name="Ada", Metadata="md")
du = c.describe_app_instance_user(AppInstanceUserArn=u0)["AppInstanceUser"]
check((du["Name"], du["Metadata"]) == ("Ada", "md"), "Describe/UpdateAppInstanceUser")

admin = c.create_app_instance_admin(AppInstanceArn=app, AppInstanceAdminArn=u0)
check(admin["AppInstanceAdmin"] == {"Arn": u0, "Name": "Ada"}, "CreateAppInstanceAdmin")
for u in users[1:3]:
    c.create_app_instance_admin(AppInstanceArn=app, AppInstanceAdminArn=u)
da = c.describe_app_instance_admin(AppInstanceArn=app, AppInstanceAdminArn=u0)["AppInstanceAdmin"]
check(da["Admin"]["Arn"] == u0 and da["AppInstanceArn"] == app and "CreatedTimestamp" in da, "DescribeAppInstanceAdmin")
walked, sizes = walk(c.list_app_instance_admins, "AppInstanceAdmins", AppInstanceArn=app, MaxResults=2)
check(sizes == [2, 1] and [a["Admin"]["Arn"] for a in walked] == users[:3], "ListAppInstanceAdmins walk")
c.delete_app_instance_admin(AppInstanceArn=app, AppInstanceAdminArn=users[2])

check("AppInstanceRetentionSettings" not in c.get_app_instance_retention_settings(AppInstanceArn=app), "no retention yet")
put = c.put_app_instance_retention_settings(AppInstanceArn=app, AppInstanceRetentionSettings={"ChannelRetentionSettings": {"RetentionDays": 30}})
got = c.get_app_instance_retention_settings(AppInstanceArn=app)
check(got["AppInstanceRetentionSettings"]["ChannelRetentionSettings"]["RetentionDays"] == 30, "retention days")
check(got["InitiateDeletionTimestamp"] == put["InitiateDeletionTimestamp"], "InitiateDeletionTimestamp")

def register(token, device, user=u1, name=None):
    extra = {"Name": name} if name else {}
    return c.register_app_instance_user_endpoint(
        AppInstanceUserArn=user, Type="GCM", ResourceArn="arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc",
        EndpointAttributes={"DeviceToken": device}, ClientRequestToken=token, **extra)

endpoint_ids = [register(f"endpoint-token-{i}", f"device-{i}", name=f"phone-{i}")["EndpointId"] for i in range(3)]
check(register("endpoint-token-0", "device-0", name="phone-0")["EndpointId"] == endpoint_ids[0], "idempotent register")
walked, sizes = walk(c.list_app_instance_user_endpoints, "AppInstanceUserEndpoints", AppInstanceUserArn=u1, MaxResults=2)
check(sizes == [2, 1] and [e["EndpointId"] for e in walked] == endpoint_ids, "ListAppInstanceUserEndpoints walk")
e0 = endpoint_ids[0]
de = c.describe_app_instance_user_endpoint(AppInstanceUserArn=u1, EndpointId=e0)["AppInstanceUserEndpoint"]
check((de["Name"], de["Type"], de["AllowMessages"], de["EndpointState"]["Status"]) == ("phone-0", "GCM", "ALL", "ACTIVE"), "DescribeAppInstanceUserEndpoint")
check(de["EndpointAttributes"]["DeviceToken"] == "device-0", "endpoint attributes")
c.update_app_instance_user_endpoint(AppInstanceUserArn=u1, EndpointId=e0, Name="tablet", AllowMessages="NONE")
de = c.describe_app_instance_user_endpoint(AppInstanceUserArn=u1, EndpointId=e0)["AppInstanceUserEndpoint"]
check((de["Name"], de["AllowMessages"]) == ("tablet", "NONE"), "UpdateAppInstanceUserEndpoint")
c.deregister_app_instance_user_endpoint(AppInstanceUserArn=u1, EndpointId=e0)
expect_error(c.describe_app_instance_user_endpoint, 400, "BadRequestException", "NotFound", AppInstanceUserArn=u1, EndpointId=e0)

check(c.list_tags_for_resource(ResourceARN=app)["Tags"] == [{"Key": "env", "Value": "test"}], "ListTagsForResource")
c.tag_resource(ResourceARN=app, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}])
c.untag_resource(ResourceARN=app, TagKeys=["team"])
check(c.list_tags_for_resource(ResourceARN=app)["Tags"] == [{"Key": "env", "Value": "prod"}], "Tag/UntagResource")
c.tag_resource(ResourceARN=u0, Tags=[{"Key": "role", "Value": "owner"}])
check(len(c.list_tags_for_resource(ResourceARN=u0)["Tags"]) == 1, "user tags")

# Bots: members of the instance with their Lex configuration.
LEX_ALIAS = "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST"
lex = {"Lex": {"InvokedBy": {"StandardMessages": "MENTIONS", "TargetedMessages": "ALL"}, "LexBotAliasArn": LEX_ALIAS,
               "LocaleId": "en_US", "WelcomeIntent": "Greeting"}}
bot = c.create_app_instance_bot(AppInstanceArn=app, Name="helper", Metadata="bm", Configuration=lex,
                                Tags=[{"Key": "kind", "Value": "bot"}], ClientRequestToken="token-bot-1")["AppInstanceBotArn"]
check(bot.startswith(f"{app}/bot/") and len(bot) == len(app) + 5 + 36, f"bot ARN {bot}")
again = c.create_app_instance_bot(AppInstanceArn=app, Name="helper", Metadata="bm", Configuration=lex,
                                  Tags=[{"Key": "kind", "Value": "bot"}], ClientRequestToken="token-bot-1")
check(again["AppInstanceBotArn"] == bot, "idempotent CreateAppInstanceBot")
plain = {"Lex": {"LexBotAliasArn": LEX_ALIAS, "LocaleId": "en_US"}}
bots = [bot] + [c.create_app_instance_bot(AppInstanceArn=app, Name=f"bot-{i}", Configuration=plain)["AppInstanceBotArn"] for i in range(4)]
walked, sizes = walk(c.list_app_instance_bots, "AppInstanceBots", AppInstanceArn=app, MaxResults=2)
check(sizes == [2, 2, 1] and [b["AppInstanceBotArn"] for b in walked] == bots, f"ListAppInstanceBots walk {sizes}")
check((walked[0]["Name"], walked[0]["Metadata"]) == ("helper", "bm"), "bot summary")
db = c.describe_app_instance_bot(AppInstanceBotArn=bot)["AppInstanceBot"]
check((db["Name"], db["Metadata"], db["Configuration"]) == ("helper", "bm", lex), f"DescribeAppInstanceBot {db}")
check(db["LastUpdatedTimestamp"] == db["CreatedTimestamp"], "bot timestamps")
old_style = {"Lex": {"RespondsTo": "STANDARD_MESSAGES", "LexBotAliasArn": LEX_ALIAS, "LocaleId": "en_GB"}}
check(c.update_app_instance_bot(AppInstanceBotArn=bot, Name="helper-2", Metadata="bm2", Configuration=old_style)["AppInstanceBotArn"] == bot, "UpdateAppInstanceBot")
c.update_app_instance_bot(AppInstanceBotArn=bot, Name="helper-3", Metadata="bm3")
db = c.describe_app_instance_bot(AppInstanceBotArn=bot)["AppInstanceBot"]
check((db["Name"], db["Metadata"], db["Configuration"]) == ("helper-3", "bm3", old_style), "update without Configuration keeps it")
check(c.list_tags_for_resource(ResourceARN=bot)["Tags"] == [{"Key": "kind", "Value": "bot"}], "bot tags")
c.delete_app_instance_bot(AppInstanceBotArn=bots[-1])
expect_error(c.describe_app_instance_bot, 404, "NotFoundException", "NotFound", AppInstanceBotArn=bots[-1])
expect_error(c.update_app_instance_bot, 400, "BadRequestException", "NotFound", AppInstanceBotArn=bots[-1], Name="n", Metadata="m")
check(len(c.list_app_instance_bots(AppInstanceArn=app)["AppInstanceBots"]) == 4, "the deleted bot is gone")

# User expiration: stored, returned, and applied by the emulator's clock.
week = {"ExpirationDays": 7, "ExpirationCriterion": "CREATED_TIMESTAMP"}
put = c.put_app_instance_user_expiration_settings(AppInstanceUserArn=users[5], ExpirationSettings=week)
check((put["AppInstanceUserArn"], put["ExpirationSettings"]) == (users[5], week), "PutAppInstanceUserExpirationSettings")
check(c.describe_app_instance_user(AppInstanceUserArn=users[5])["AppInstanceUser"]["ExpirationSettings"] == week, "expiration described")
short = c.create_app_instance_user(AppInstanceArn=app, AppInstanceUserId="short-lived", Name="Brief",
                                   ExpirationSettings={"ExpirationDays": 1, "ExpirationCriterion": "CREATED_TIMESTAMP"})["AppInstanceUserArn"]
check(advance_clock(86400 + 60) == 86460, "the clock moves")
expect_error(c.describe_app_instance_user, 400, "BadRequestException", "NotFound", AppInstanceUserArn=short)
check(c.describe_app_instance_user(AppInstanceUserArn=users[5])["AppInstanceUser"]["ExpirationSettings"] == week, "a week is not over")
check("ExpirationSettings" not in c.put_app_instance_user_expiration_settings(AppInstanceUserArn=users[6]), "clearing answers no settings")
advance_clock(7 * 86400)
expect_error(c.describe_app_instance_user, 400, "BadRequestException", "NotFound", AppInstanceUserArn=users[5])
walked, _ = walk(c.list_app_instance_users, "AppInstanceUsers", AppInstanceArn=app, MaxResults=50)
check(len(walked) == 11 and users[5] not in [u["AppInstanceUserArn"] for u in walked], "expired users leave the list")

c.delete_app_instance_admin(AppInstanceArn=app, AppInstanceAdminArn=u1)
c.delete_app_instance_user(AppInstanceUserArn=u1)
expect_error(c.describe_app_instance_user, 400, "BadRequestException", "NotFound", AppInstanceUserArn=u1)
c.delete_app_instance(AppInstanceArn=app)
expect_error(c.describe_app_instance, 400, "BadRequestException", "NotFound", AppInstanceArn=app)
expect_error(c.describe_app_instance_user, 400, "BadRequestException", "NotFound", AppInstanceUserArn=users[3])
expect_error(c.list_app_instance_users, 400, "BadRequestException", "NotFound", AppInstanceArn=app)
check(called >= OPERATIONS, f"operations never called: {sorted(OPERATIONS - called)}")
print("all 30 operations, 5 paginated walks and users' expiry: ok")

# --- modeled errors ----------------------------------------------------------------------------
app = c.create_app_instance(Name="errors")["AppInstanceArn"]
user = c.create_app_instance_user(AppInstanceArn=app, AppInstanceUserId="u", Name="U")["AppInstanceUserArn"]
expect_error(c.create_app_instance_user, 400, "BadRequestException", "BadRequest", AppInstanceArn=app, AppInstanceUserId="not valid!", Name="x")
expect_error(c.create_app_instance_user, 400, "BadRequestException", "BadRequest", AppInstanceArn=app, AppInstanceUserId="ok", Name="   ")
expect_error(c.describe_app_instance, 400, "BadRequestException", "BadRequest", AppInstanceArn="not-an-arn")
expect_error(c.describe_app_instance, 400, "BadRequestException", "NotFound", AppInstanceArn=PREFIX + "nope")
expect_error(c.list_app_instances, 400, "BadRequestException", "BadRequest", NextToken="forged")
expect_error(c.describe_app_instance, 403, "ForbiddenException", "Forbidden", AppInstanceArn="arn:aws:chime:us-east-1:999999999999:app-instance/abc")
expect_error(client(secret="not-the-secret").list_app_instances, 403, "ForbiddenException", "Forbidden")
expect_error(client(key="AKIDOTHER").list_app_instances, 403, "ForbiddenException", "Forbidden")
expect_error(client(signed=False).list_app_instances, 401, "UnauthorizedClientException", "Unauthorized")
expect_error(c.create_app_instance_user, 409, "ConflictException", "Conflict", AppInstanceArn=app, AppInstanceUserId="u", Name="Again")
# Constraints of the new shapes, checked by the emulator (botocore checks only some itself).
bad_lex = {"Lex": {"LexBotAliasArn": "arn:aws:lex:us-east-1:123456789012:bot-alias/short/KLMNOPQRST", "LocaleId": "en_US"}}
expect_error(c.create_app_instance_bot, 400, "BadRequestException", "BadRequest", AppInstanceArn=app, Configuration=bad_lex)
both = {"Lex": {"RespondsTo": "STANDARD_MESSAGES", "InvokedBy": {"StandardMessages": "ALL", "TargetedMessages": "NONE"},
                "LexBotAliasArn": LEX_ALIAS, "LocaleId": "en_US"}}
expect_error(c.create_app_instance_bot, 400, "BadRequestException", "BadRequest", AppInstanceArn=app, Configuration=both)
expect_error(c.put_app_instance_user_expiration_settings, 400, "BadRequestException", "BadRequest", AppInstanceUserArn=user,
             ExpirationSettings={"ExpirationDays": 5476, "ExpirationCriterion": "CREATED_TIMESTAMP"})
expect_error(c.describe_app_instance_bot, 404, "NotFoundException", "NotFound", AppInstanceBotArn=f"{app}/bot/none")
c.create_app_instance(Name="a", ClientRequestToken="reused-token")
expect_error(c.create_app_instance, 409, "ConflictException", "Conflict", Name="b", ClientRequestToken="reused-token")
c.create_app_instance_admin(AppInstanceArn=app, AppInstanceAdminArn=user)
expect_error(c.create_app_instance_admin, 409, "ConflictException", "Conflict", AppInstanceArn=app, AppInstanceAdminArn=user)
expect_error(c.delete_app_instance_user, 409, "ConflictException", "Conflict", AppInstanceUserArn=user)
register("device-a-1", "a", user=user)
try:
    register("device-a-2", "a", user=user)
    sys.exit("FAILED: a second endpoint for the same device")
except c.exceptions.ConflictException as e:
    check(caught(e)["Code"] == "Conflict", "duplicate endpoint")
for i in range(1, 10):
    register(f"device-{i}", f"d{i}", user=user)
try:
    register("device-over", "over", user=user)
    sys.exit("FAILED: an eleventh endpoint")
except c.exceptions.ResourceLimitExceededException as e:
    r = caught(e)
    check(r["ResponseMetadata"]["HTTPStatusCode"] == 400 and r["Code"] == "ResourceLimitExceeded", "endpoint limit")
c.tag_resource(ResourceARN=app, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
expect_error(c.tag_resource, 400, "ResourceLimitExceededException", "ResourceLimitExceeded", ResourceARN=app, Tags=[{"Key": "one-more", "Value": "v"}])

# Path escapes: botocore encodes `/` in the label as %2F, exactly like our client.
r = expect_error(c.describe_app_instance, 400, "BadRequestException", "BadRequest", AppInstanceArn=app + "/../../tags")
check("path traversal" in r["Error"]["Message"], "the refusal names the traversal")
expect_error(c.delete_app_instance_user, 400, "BadRequestException", "BadRequest", AppInstanceUserArn=app + "/user/..")
check(c.describe_app_instance(AppInstanceArn=app)["AppInstance"]["Name"] == "errors", "the instance is untouched")

# Injected faults: throttling and an outage, as modeled errors boto3 raises (retries are off).
status, _ = faults("POST", {"error": "ThrottledClientException", "count": 2, "operation": "DescribeAppInstance"})
check(status == 200, "a throttle is queued")
for _ in range(2):
    try:
        c.describe_app_instance(AppInstanceArn=app)
        sys.exit("FAILED: an injected ThrottledClientException")
    except c.exceptions.ThrottledClientException as e:
        r = caught(e)
        got = (r["ResponseMetadata"]["HTTPStatusCode"], r["Code"], len(r["ResponseMetadata"]["RequestId"]))
        check(got == (429, "Throttled", 36), f"ThrottledClientException on the wire: {got}")
    check(c.list_app_instances()["AppInstances"] != [], "other operations are not throttled")
check(c.describe_app_instance(AppInstanceArn=app)["AppInstance"]["Name"] == "errors", "the throttles are used up")
check(faults("POST", {"error": "ServiceUnavailableException"})[0] == 200, "an outage is queued")
try:
    c.list_app_instances()
    sys.exit("FAILED: an injected ServiceUnavailableException")
except c.exceptions.ServiceUnavailableException as e:
    r = caught(e)
    check((r["ResponseMetadata"]["HTTPStatusCode"], r["Code"]) == (503, "ServiceUnavailable"), "503 on the wire")
# boto3's default retries ride out one 503.
retrying = boto3.client("chime-sdk-identity", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=KEY, aws_secret_access_key=SECRET)
faults("POST", {"error": "ServiceUnavailableException", "operation": "DescribeAppInstance"})
out = retrying.describe_app_instance(AppInstanceArn=app)
check(out["ResponseMetadata"]["RetryAttempts"] == 1, "one retry after the injected 503")
status, body = faults("POST", {"error": "ConflictException", "operation": "DescribeAppInstance"})
check(status == 400 and "cannot return ConflictException" in body["Message"], f"an error the operation does not list: {body}")
faults("POST", {"error": "ThrottledClientException", "count": 3})
check(faults("DELETE") == (200, {"cleared": 3}), "DELETE clears pending faults")
c.list_app_instances()

# ServiceFailureException: the state file can no longer be written; the change is undone.
check(os.path.exists(state_file), "the emulator saved its state")
shutil.rmtree(os.path.dirname(state_file))
before = walk(c.list_app_instances, "AppInstances", MaxResults=50)[0]
expect_error(c.create_app_instance, 500, "ServiceFailureException", "ServiceFailure", Name="lost")
check(walk(c.list_app_instances, "AppInstances", MaxResults=50)[0] == before, "the failed create left nothing behind")
check(provoked == ERRORS, f"modeled errors never provoked: {sorted(ERRORS - provoked)}, unexpected: {sorted(provoked - ERRORS)}")
print(f"all {len(ERRORS)} modeled errors ({', '.join(sorted(provoked))}), NotFound, path escapes and injected faults: ok")
print(f"boto3 {boto3.__version__}: {checks} checks passed, {len(called & OPERATIONS)}/{len(OPERATIONS)} operations called")
