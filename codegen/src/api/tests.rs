//! Pairs of small models, one kind of change each, with the classification the report must give;
//! the summary file's round trip; the report's texts and the proposed version.

use super::diff::{ChangeKind as K, DocItem, RustImpact as R, WireImpact as W};
use super::report::bump;
use super::*;
use serde_json::{json, Value};

/// A restJson1 service with two operations (one paginated), a structure, an enum, a union and an
/// error: the "before" model every case edits.
fn base() -> Value {
    json!({
        "smithy": "2.0",
        "shapes": {
            "ex#Svc": {
                "type": "service", "version": "2024-01-01",
                "operations": [{"target": "ex#GetThing"}, {"target": "ex#ListThings"}],
                "traits": {"aws.protocols#restJson1": {}, "aws.auth#sigv4": {"name": "svc"}, "smithy.api#documentation": "A service."}
            },
            "ex#GetThing": {
                "type": "operation",
                "input": {"target": "ex#GetThingInput"}, "output": {"target": "ex#GetThingOutput"},
                "errors": [{"target": "ex#NotFound"}],
                "traits": {"smithy.api#http": {"method": "GET", "uri": "/things/{Id}", "code": 200}, "smithy.api#readonly": {},
                           "smithy.api#documentation": "Gets a thing."}
            },
            "ex#GetThingInput": {"type": "structure", "members": {
                "Id": {"target": "ex#ThingId", "traits": {"smithy.api#required": {}, "smithy.api#httpLabel": {}}},
                "Mode": {"target": "ex#Mode", "traits": {"smithy.api#httpQuery": "mode"}},
                "Since": {"target": "smithy.api#Timestamp", "traits": {"smithy.api#httpHeader": "X-Since"}}
            }},
            "ex#GetThingOutput": {"type": "structure", "members": {
                "Thing": {"target": "ex#Thing"}
            }},
            "ex#ListThings": {
                "type": "operation",
                "input": {"target": "ex#ListThingsInput"}, "output": {"target": "ex#ListThingsOutput"},
                "traits": {"smithy.api#http": {"method": "GET", "uri": "/things", "code": 200}, "smithy.api#readonly": {},
                           "smithy.api#paginated": {"inputToken": "NextToken", "outputToken": "NextToken", "pageSize": "MaxResults", "items": "Things"}}
            },
            "ex#ListThingsInput": {"type": "structure", "members": {
                "NextToken": {"target": "smithy.api#String", "traits": {"smithy.api#httpQuery": "next"}},
                "MaxResults": {"target": "ex#MaxResults", "traits": {"smithy.api#httpQuery": "max"}}
            }},
            "ex#ListThingsOutput": {"type": "structure", "members": {
                "Things": {"target": "ex#ThingList"},
                "NextToken": {"target": "smithy.api#String"}
            }},
            "ex#ThingList": {"type": "list", "member": {"target": "ex#Thing"}},
            "ex#Thing": {"type": "structure", "members": {
                "Name": {"target": "smithy.api#String", "traits": {"smithy.api#required": {}, "smithy.api#documentation": "The name."}},
                "Size": {"target": "smithy.api#Integer"},
                "Created": {"target": "smithy.api#Timestamp"},
                "Shape": {"target": "ex#Shape"}
            }},
            "ex#Shape": {"type": "union", "members": {
                "Circle": {"target": "smithy.api#Double"},
                "Square": {"target": "smithy.api#Double"}
            }},
            "ex#ThingId": {"type": "string", "traits": {"smithy.api#length": {"min": 1, "max": 64}}},
            "ex#MaxResults": {"type": "integer", "traits": {"smithy.api#range": {"min": 1, "max": 100}}},
            "ex#Mode": {"type": "enum", "members": {
                "FAST": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "fast"}},
                "SLOW": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "slow"}}
            }},
            "ex#NotFound": {"type": "structure", "members": {
                "Message": {"target": "smithy.api#String"}
            }, "traits": {"smithy.api#error": "client", "smithy.api#httpError": 404}},
            "ex#Conflict": {"type": "structure", "members": {
                "Message": {"target": "smithy.api#String"}
            }, "traits": {"smithy.api#error": "client", "smithy.api#httpError": 409}}
        }
    })
}

fn summary(model: &Value) -> ApiSummary {
    summarize_json(&model.to_string(), None).unwrap_or_else(|e| panic!("{e}"))
}

/// The report of editing the base model with `edit`.
fn report_of(edit: impl FnOnce(&mut Value)) -> Report {
    let before = base();
    let mut after = base();
    edit(&mut after);
    Report::new(&summary(&before), &summary(&after))
}

/// The changes `edit` makes, as (kind, Rust, wire).
fn changes(edit: impl FnOnce(&mut Value)) -> Vec<(ChangeKind, RustImpact, WireImpact)> {
    report_of(edit).changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect()
}

fn shape<'a>(m: &'a mut Value, id: &str) -> &'a mut Value {
    m["shapes"].get_mut(id).unwrap_or_else(|| panic!("no shape {id}"))
}

fn members<'a>(m: &'a mut Value, id: &str) -> &'a mut serde_json::Map<String, Value> {
    shape(m, id)["members"].as_object_mut().unwrap()
}

#[test]
fn an_unchanged_model_reports_nothing() {
    let r = report_of(|_| {});
    assert!(r.is_empty(), "{:?}", r.changes);
    assert_eq!(r.proposed_version(), None);
}

#[test]
fn operation_added_is_additive_and_compatible() {
    let got = changes(|m| {
        shape(m, "ex#Svc")["operations"].as_array_mut().unwrap().push(json!({"target": "ex#Ping"}));
        m["shapes"]["ex#Ping"] = json!({"type": "operation", "traits": {"smithy.api#http": {"method": "POST", "uri": "/ping"}}});
    });
    assert_eq!(got, [(K::OperationAdded, R::Additive, W::Compatible)]);
}

#[test]
fn operation_removed_is_breaking_both_ways() {
    let got = changes(|m| {
        shape(m, "ex#Svc")["operations"] = json!([{"target": "ex#GetThing"}]);
    });
    // The operation's own types leave the crate with it; the list items type is shared with
    // nothing else, so `Thing` stays (GetThing returns it).
    assert_eq!(got, [(K::OperationRemoved, R::Breaking, W::Breaking)]);
}

#[test]
fn optional_member_added_is_additive() {
    let got = changes(|m| {
        members(m, "ex#Thing").insert("Color".into(), json!({"target": "smithy.api#String"}));
    });
    assert_eq!(got, [(K::MemberAdded, R::Additive, W::Compatible)]);
}

#[test]
fn optional_input_member_added_is_additive() {
    let got = changes(|m| {
        members(m, "ex#GetThingInput").insert("Verbose".into(), json!({"target": "smithy.api#Boolean", "traits": {"smithy.api#httpQuery": "verbose"}}));
    });
    assert_eq!(got, [(K::MemberAdded, R::Additive, W::Compatible)]);
}

#[test]
fn required_input_member_added_breaks_calls_and_the_wire() {
    let r = report_of(|m| {
        members(m, "ex#GetThingInput").insert("Owner".into(), json!({"target": "smithy.api#String", "traits": {"smithy.api#required": {}, "smithy.api#httpHeader": "X-Owner"}}));
    });
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::MemberAdded, R::Breaking, W::Breaking)]);
    assert!(r.changes[0].detail.contains("`build()` and `send()` fail"), "{}", r.changes[0].detail);
    assert_eq!(r.changes[0].shape_id, "ex#GetThingInput$Owner");
}

#[test]
fn required_member_added_to_a_structure_makes_its_builder_fallible() {
    // `Tagless` has no required member, so its builder's `build()` returned the value.
    let got = changes(|m| {
        members(m, "ex#NotFound").insert("Code".into(), json!({"target": "smithy.api#String", "traits": {"smithy.api#required": {}}}));
    });
    assert_eq!(got, [(K::BuilderChanged, R::Breaking, W::Compatible), (K::MemberAdded, R::Breaking, W::Breaking)]);
}

#[test]
fn member_with_a_default_added_is_additive() {
    let got = changes(|m| {
        members(m, "ex#Thing").insert("Count".into(), json!({"target": "smithy.api#Integer", "traits": {"smithy.api#default": 0}}));
    });
    assert_eq!(got, [(K::MemberAdded, R::Additive, W::Compatible)]);
}

#[test]
fn member_removed_is_breaking_both_ways() {
    let got = changes(|m| {
        members(m, "ex#Thing").shift_remove("Size");
    });
    assert_eq!(got, [(K::MemberRemoved, R::Breaking, W::Breaking)]);
}

#[test]
fn member_renamed_is_one_breaking_change() {
    let r = report_of(|m| {
        let thing = members(m, "ex#Thing");
        thing.shift_remove("Size");
        thing.insert("Length".into(), json!({"target": "smithy.api#Integer"}));
    });
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::MemberRenamed, R::Breaking, W::Breaking)]);
    assert!(r.changes[0].detail.contains("`size` → `length`"), "{}", r.changes[0].detail);
}

#[test]
fn member_renamed_keeping_its_json_name_says_so() {
    let r = report_of(|m| {
        let thing = members(m, "ex#Thing");
        thing.shift_remove("Size");
        thing.insert("Length".into(), json!({"target": "smithy.api#Integer", "traits": {"smithy.api#jsonName": "Size"}}));
    });
    assert_eq!(r.changes.len(), 1);
    assert!(r.changes[0].detail.contains("wire name is unchanged"), "{}", r.changes[0].detail);
}

#[test]
fn member_type_changed_is_breaking_both_ways() {
    let r = report_of(|m| {
        members(m, "ex#Thing")["Size"] = json!({"target": "smithy.api#Long"});
    });
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::MemberTypeChanged, R::Breaking, W::Breaking)]);
    assert!(r.changes[0].detail.contains("`Option<i32>` (integer) → `Option<i64>` (long)"), "{}", r.changes[0].detail);
}

#[test]
fn timestamp_format_changed_is_a_wire_break_only() {
    let got = changes(|m| {
        members(m, "ex#Thing")["Created"] = json!({"target": "smithy.api#Timestamp", "traits": {"smithy.api#timestampFormat": "epoch-seconds"}});
    });
    assert_eq!(got, [(K::TimestampFormatChanged, R::None, W::Breaking)]);
}

#[test]
fn member_made_required_in_a_structure_changes_its_field_type() {
    let r = report_of(|m| {
        members(m, "ex#Thing")["Size"] = json!({"target": "smithy.api#Integer", "traits": {"smithy.api#required": {}}});
    });
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::RequiredChanged, R::Breaking, W::Breaking)]);
    assert!(r.changes[0].detail.contains("from `Option<i32>` to `i32`"), "{}", r.changes[0].detail);
}

#[test]
fn input_member_made_required_breaks_calls_and_the_wire() {
    let got = changes(|m| {
        members(m, "ex#GetThingInput")["Mode"] = json!({"target": "ex#Mode", "traits": {"smithy.api#httpQuery": "mode", "smithy.api#required": {}}});
    });
    assert_eq!(got, [(K::RequiredChanged, R::Breaking, W::Breaking)]);
}

#[test]
fn required_removed_from_an_input_member_is_compatible() {
    let before = {
        let mut b = base();
        members(&mut b, "ex#ListThingsInput")["NextToken"] = json!({"target": "smithy.api#String", "traits": {"smithy.api#httpQuery": "next", "smithy.api#required": {}}});
        b
    };
    let r = Report::new(&summary(&before), &summary(&base()));
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::RequiredChanged, R::None, W::Compatible)]);
}

#[test]
fn required_replaced_by_a_default_is_wire_compatible_but_changes_the_builder() {
    let got = changes(|m| {
        members(m, "ex#Thing")["Name"] = json!({"target": "smithy.api#String", "traits": {"smithy.api#default": "", "smithy.api#documentation": "The name."}});
    });
    // The field keeps its type (`String`), but `Thing` no longer has a field that must be set,
    // so its builder's `build()` stops returning `Result`.
    assert_eq!(
        got,
        [(K::BuilderChanged, R::Breaking, W::Compatible), (K::RequiredChanged, R::None, W::Compatible), (K::DefaultChanged, R::None, W::Compatible)]
    );
}

#[test]
fn required_removed_from_a_structure_member_changes_its_field_type() {
    let got = changes(|m| {
        members(m, "ex#Thing")["Name"] = json!({"target": "smithy.api#String", "traits": {"smithy.api#documentation": "The name."}});
    });
    // `Thing`'s builder no longer has a field that must be set.
    assert_eq!(got, [(K::BuilderChanged, R::Breaking, W::Compatible), (K::RequiredChanged, R::Breaking, W::Breaking)]);
}

#[test]
fn enum_value_added_is_additive() {
    let got = changes(|m| {
        members(m, "ex#Mode").insert("TURBO".into(), json!({"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "turbo"}}));
    });
    assert_eq!(got, [(K::EnumValueAdded, R::Additive, W::Compatible)]);
}

#[test]
fn enum_value_removed_is_breaking_both_ways() {
    let r = report_of(|m| {
        members(m, "ex#Mode").shift_remove("SLOW");
    });
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::EnumValueRemoved, R::Breaking, W::Breaking)]);
    assert_eq!(r.changes[0].subject, "enum `Mode` value `slow`");
}

#[test]
fn enum_wire_value_changed_keeps_the_variant() {
    let got = changes(|m| {
        members(m, "ex#Mode")["SLOW"] = json!({"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "SLOW"}});
    });
    assert_eq!(got, [(K::EnumValueChanged, R::None, W::Breaking)]);
}

#[test]
fn error_added_to_an_operation_is_additive_and_risky() {
    let got = changes(|m| {
        shape(m, "ex#GetThing")["errors"].as_array_mut().unwrap().push(json!({"target": "ex#Conflict"}));
    });
    // The error structure is new to the crate too.
    assert_eq!(got, [(K::ErrorAdded, R::Additive, W::Risky), (K::TypeAdded, R::Additive, W::Compatible)]);
}

#[test]
fn error_removed_from_an_operation_breaks_its_error_enum() {
    let got = changes(|m| {
        shape(m, "ex#GetThing")["errors"] = json!([]);
    });
    assert_eq!(got, [(K::ErrorRemoved, R::Breaking, W::Risky), (K::TypeRemoved, R::Breaking, W::Breaking)]);
}

#[test]
fn error_status_changed_is_a_wire_break() {
    let got = changes(|m| {
        shape(m, "ex#NotFound")["traits"]["smithy.api#httpError"] = json!(410);
    });
    assert_eq!(got, [(K::ErrorStatusChanged, R::None, W::Breaking)]);
}

#[test]
fn json_name_changed_is_a_wire_break_only() {
    let got = changes(|m| {
        members(m, "ex#Thing")["Size"] = json!({"target": "smithy.api#Integer", "traits": {"smithy.api#jsonName": "size"}});
    });
    assert_eq!(got, [(K::JsonNameChanged, R::None, W::Breaking)]);
}

#[test]
fn http_binding_changed_is_a_wire_break_only() {
    let got = changes(|m| {
        members(m, "ex#GetThingInput")["Mode"] = json!({"target": "ex#Mode", "traits": {"smithy.api#httpHeader": "X-Mode"}});
    });
    assert_eq!(got, [(K::HttpBindingChanged, R::None, W::Breaking)]);
}

#[test]
fn uri_changed_is_a_wire_break_only() {
    let r = report_of(|m| {
        shape(m, "ex#GetThing")["traits"]["smithy.api#http"] = json!({"method": "GET", "uri": "/v2/things/{Id}", "code": 200});
    });
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::HttpChanged, R::None, W::Breaking)]);
    assert_eq!(r.changes[0].detail, "HTTP request `GET /things/{Id} 200` → `GET /v2/things/{Id} 200`");
}

#[test]
fn constraint_narrowed_is_a_wire_break_and_widened_is_not() {
    let narrowed = changes(|m| {
        shape(m, "ex#ThingId")["traits"]["smithy.api#length"] = json!({"min": 1, "max": 32});
    });
    assert_eq!(narrowed, [(K::ConstraintNarrowed, R::None, W::Breaking)]);
    let widened = changes(|m| {
        shape(m, "ex#MaxResults")["traits"]["smithy.api#range"] = json!({"min": 1, "max": 1000});
    });
    assert_eq!(widened, [(K::ConstraintWidened, R::None, W::Compatible)]);
    let raised_min = changes(|m| {
        shape(m, "ex#MaxResults")["traits"]["smithy.api#range"] = json!({"min": 5, "max": 1000});
    });
    assert_eq!(raised_min, [(K::ConstraintNarrowed, R::None, W::Breaking)]);
    let pattern_added = changes(|m| {
        shape(m, "ex#ThingId")["traits"]["smithy.api#pattern"] = json!("^[a-z]+$");
    });
    assert_eq!(pattern_added, [(K::PatternChanged, R::None, W::Risky)]);
}

#[test]
fn paginator_added_is_additive_and_removed_is_breaking() {
    let removed = changes(|m| {
        shape(m, "ex#ListThings")["traits"].as_object_mut().unwrap().shift_remove("smithy.api#paginated");
    });
    assert_eq!(removed, [(K::PaginatorRemoved, R::Breaking, W::Breaking)]);
    let before = {
        let mut b = base();
        shape(&mut b, "ex#ListThings")["traits"].as_object_mut().unwrap().shift_remove("smithy.api#paginated");
        b
    };
    let r = Report::new(&summary(&before), &summary(&base()));
    let added: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(added, [(K::PaginatorAdded, R::Additive, W::Compatible)]);
}

#[test]
fn union_variant_added_is_additive() {
    let got = changes(|m| {
        members(m, "ex#Shape").insert("Triangle".into(), json!({"target": "smithy.api#Double"}));
    });
    assert_eq!(got, [(K::MemberAdded, R::Additive, W::Compatible)]);
}

#[test]
fn documentation_only_changes_are_summarised_not_classified() {
    let r = report_of(|m| {
        shape(m, "ex#GetThing")["traits"]["smithy.api#documentation"] = json!("Reads one thing.");
        members(m, "ex#Thing")["Name"]["traits"]["smithy.api#documentation"] = json!("What it is called.");
        shape(m, "ex#Svc")["traits"]["smithy.api#documentation"] = json!("Another service.");
    });
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    assert_eq!(
        r.docs_only,
        [
            (DocItem::Service, "service".to_string()),
            (DocItem::Operation, "operation `GetThing`".to_string()),
            (DocItem::Member, "structure `Thing` member `Name`".to_string()),
        ]
    );
    assert_eq!((r.rust(), r.wire(), r.is_breaking()), (R::None, W::Compatible, false));
    assert_eq!(r.proposed_version().as_deref(), Some("0.1.1"));
}

#[test]
fn a_constraint_change_is_not_also_reported_as_documentation() {
    // The member's docs mention its constraints, so they change too; that is not news.
    let r = report_of(|m| {
        shape(m, "ex#ThingId")["traits"]["smithy.api#length"] = json!({"min": 1, "max": 128});
    });
    assert_eq!(r.changes.len(), 1);
    assert!(r.docs_only.is_empty(), "{:?}", r.docs_only);
}

#[test]
fn moving_an_operation_between_service_and_resource() {
    let with_resource = |m: &mut Value, op_on_resource: bool| {
        m["shapes"]["ex#Things"] = json!({"type": "resource", "operations": if op_on_resource { json!([{"target": "ex#GetThing"}]) } else { json!([]) }});
        let svc = shape(m, "ex#Svc");
        svc["resources"] = json!([{"target": "ex#Things"}]);
        if op_on_resource {
            svc["operations"] = json!([{"target": "ex#ListThings"}]);
        }
    };
    let mut on_service = base();
    with_resource(&mut on_service, false);
    let mut on_resource = base();
    with_resource(&mut on_resource, true);
    // Into the resource: both bindings are notes (smithy-diff: NOTE, NOTE).
    let r = Report::new(&summary(&on_service), &summary(&on_resource));
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::BindingAdded, R::None, W::Compatible), (K::BindingRemoved, R::None, W::Compatible)]);
    // Out of the resource: removing a resource binding is an ERROR for smithy-diff.
    let r = Report::new(&summary(&on_resource), &summary(&on_service));
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::BindingRemoved, R::None, W::Breaking), (K::BindingAdded, R::None, W::Compatible)]);
    // The resource removed from the service.
    let r = Report::new(&summary(&on_service), &summary(&base()));
    let got: Vec<_> = r.changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::ResourceRemoved, R::None, W::Breaking)]);
}

#[test]
fn waiters_are_compared_once_the_ir_has_them() {
    // No waiter in the IR yet (issue 14): the comparison works on summaries written by hand.
    let old = summary(&base());
    let mut new = old.clone();
    let op = new.operations.get_mut("GetThing").unwrap();
    op.waiters.insert("ThingExists".into(), summary::WaiterSummary { rust: "wait_until_thing_exists".into(), acceptors: "a".into(), docs: "d".into() });
    let got: Vec<_> = Report::new(&old, &new).changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::WaiterAdded, R::Additive, W::Compatible)]);
    let got: Vec<_> = Report::new(&new, &old).changes.iter().map(|c| (c.kind, c.rust, c.wire)).collect();
    assert_eq!(got, [(K::WaiterRemoved, R::Breaking, W::Compatible)]);
    // And they survive the file.
    assert_eq!(ApiSummary::from_json(&new.to_json()).unwrap(), new);
}

#[test]
fn the_summary_file_reads_back_to_the_same_summary() {
    let model = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../model/chime-sdk-identity.json")).unwrap();
    let s = summarize_json(&model, None).unwrap();
    assert_eq!(s.operations.len(), 30);
    let text = s.to_json();
    assert_eq!(ApiSummary::from_json(&text).unwrap(), s);
    let b = summary(&base());
    assert_eq!(ApiSummary::from_json(&b.to_json()).unwrap(), b);
    // One line per member, so a changed member is a one-line diff.
    assert!(text.contains("\n          \"Name\": {\"rust\":\"name\",\"type\":\"Option<String>\""), "{}", &text[..2000]);
}

#[test]
fn a_summary_of_a_newer_format_or_a_broken_file_is_refused() {
    let text = summary(&base()).to_json().replace("\"format\": 1", "\"format\": 99");
    assert!(ApiSummary::from_json(&text).unwrap_err().contains("newer"));
    assert!(ApiSummary::from_json("{").unwrap_err().contains("not valid JSON"));
    let bad = summary(&base()).to_json().replace("\"required\":true", "\"required\":\"yes\"");
    assert!(ApiSummary::from_json(&bad).unwrap_err().contains("`required` must be a boolean"));
}

#[test]
fn versions_follow_cargo_semver() {
    assert_eq!(bump("0.1.0", R::Breaking).as_deref(), Some("0.2.0"));
    assert_eq!(bump("0.1.0", R::Additive).as_deref(), Some("0.1.1"));
    assert_eq!(bump("0.1.3", R::None).as_deref(), Some("0.1.4"));
    assert_eq!(bump("0.0.4", R::Additive).as_deref(), Some("0.0.5"));
    assert_eq!(bump("1.2.3", R::Breaking).as_deref(), Some("2.0.0"));
    assert_eq!(bump("1.2.3", R::Additive).as_deref(), Some("1.3.0"));
    assert_eq!(bump("1.2.3", R::None).as_deref(), Some("1.2.4"));
    assert_eq!(bump("1.2.3-beta.1", R::None).as_deref(), Some("1.2.4"));
    assert_eq!(bump("one", R::None), None);
}

#[test]
fn the_changelog_section_names_each_change_and_the_version() {
    let r = report_of(|m| {
        members(m, "ex#Thing").insert("Color".into(), json!({"target": "smithy.api#String"}));
        members(m, "ex#Mode").shift_remove("SLOW");
        members(m, "ex#Thing")["Size"] = json!({"target": "smithy.api#Integer", "traits": {"smithy.api#jsonName": "size"}});
        shape(m, "ex#GetThing")["traits"]["smithy.api#documentation"] = json!("Reads one thing.");
    });
    assert_eq!(r.proposed_version().as_deref(), Some("0.2.0"));
    assert!(r.is_breaking());
    assert_eq!(
        r.changelog_section(),
        "## 0.2.0\n\
         \n\
         Regenerated from the model (service API version 2024-01-01). Rust API: **breaking**; wire: **breaking**; \
         proposed version 0.2.0 (from 0.1.0; the crate's Cargo.toml says 0.1.0).\n\
         \n\
         ### Breaking changes to the Rust API\n\
         \n\
         - enum `Mode` value `slow`: removed: the variant `Mode::Slow` is gone; the value now arrives as `Unknown` (wire: breaking)\n\
         \n\
         ### Additions\n\
         \n\
         - structure `Thing` member `Color`: added: the field `color: Option<String>`, its accessor and builder setters (wire: compatible)\n\
         \n\
         ### No change to the Rust API\n\
         \n\
         - structure `Thing` member `Size`: JSON name `Size` → `size` (wire: breaking)\n\
         \n\
         ### Documentation\n\
         \n\
         - documentation changed (only) for 1 operation: operation `GetThing`\n"
    );
    let text = r.text();
    assert!(text.contains("  rust breaking  wire breaking    enum `Mode` value `slow`: removed"), "{text}");
    assert!(text.ends_with("  => Rust API: breaking; wire: breaking; proposed version 0.2.0 (from 0.1.0; the crate's Cargo.toml says 0.1.0)\n"), "{text}");
}

#[test]
fn paginator_tokens_changed_is_a_wire_break_only() {
    let got = changes(|m| {
        members(m, "ex#ListThingsInput").insert("Cursor".into(), json!({"target": "smithy.api#String", "traits": {"smithy.api#httpQuery": "cursor"}}));
        shape(m, "ex#ListThings")["traits"]["smithy.api#paginated"]["inputToken"] = json!("Cursor");
    });
    assert_eq!(got, [(K::PaginatorChanged, R::None, W::Breaking), (K::MemberAdded, R::Additive, W::Compatible)]);
}

#[test]
fn union_variant_removed_and_sensitivity_changed() {
    let got = changes(|m| {
        members(m, "ex#Shape").shift_remove("Square");
        members(m, "ex#Thing")["Size"] = json!({"target": "smithy.api#Integer", "traits": {"smithy.api#sensitive": {}}});
    });
    assert_eq!(got, [(K::SensitiveChanged, R::None, W::Compatible), (K::MemberRemoved, R::Breaking, W::Breaking)]);
}

#[test]
fn error_fault_and_retry_changes_touch_the_wire_only() {
    // A server fault is a breaking change of `@error`; adding `@retryable` is compatible (only
    // its removal is breaking). Neither changes the error's Rust type.
    let got = changes(|m| {
        shape(m, "ex#NotFound")["traits"]["smithy.api#error"] = json!("server");
        shape(m, "ex#NotFound")["traits"]["smithy.api#retryable"] = json!({});
    });
    assert_eq!(got, [(K::ErrorFaultChanged, R::None, W::Breaking), (K::RetryableChanged, R::None, W::Compatible)]);
}
