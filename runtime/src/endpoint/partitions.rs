//! AWS partitions: the data behind `aws.partition`, the lookup from a region name to its
//! partition, and the built-in copy of the current data that clients ship with.
//!
//! The built-in data is plain Rust `static` values transcribed from botocore's
//! `partitions.json` (the version kept as `conformance/endpoints/partitions-current.json` in the
//! shared reference folder), so using it costs no JSON parsing and no start-up work. A test
//! compares it field by field with that file; region `description`s are the only data left out,
//! since nothing at run time reads them. Tools can build a [`Partitions`] from owned data
//! (another `partitions.json`) through the public fields.
//!
//! `regionRegex` values are matched by the small interpreter in the private `pattern` module
//! rather than a regex engine; [`Partitions::validate`] rejects patterns outside its subset.

use std::borrow::Cow;

use super::pattern;
use super::rules::{List, Str};

/// A set of partitions, searched in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partitions {
    /// The version of the partitions data format.
    pub version: Str,
    /// The partitions.
    pub partitions: List<Partition>,
}

/// One partition: a group of regions sharing DNS suffixes and capabilities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// The partition id (`aws`, `aws-cn`, ...).
    pub id: Str,
    /// A pattern matching the region names of this partition that are not listed yet.
    pub region_regex: Str,
    /// The region names known to belong to this partition.
    pub regions: List<Str>,
    /// What `aws.partition` returns for this partition's regions.
    pub outputs: PartitionOutputs,
}

/// The `Partition` structure returned by `aws.partition` (spec: AWS library functions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionOutputs {
    /// The partition name.
    pub name: Str,
    /// The default DNS suffix.
    pub dns_suffix: Str,
    /// The dual-stack DNS suffix.
    pub dual_stack_dns_suffix: Str,
    /// The region used for signing by global services.
    pub implicit_global_region: Str,
    /// Whether FIPS endpoints exist.
    pub supports_fips: bool,
    /// Whether dual-stack endpoints exist.
    pub supports_dual_stack: bool,
}

impl Partitions {
    /// The partition `region` belongs to: an exact match in any partition's region list first,
    /// then the first partition whose `regionRegex` matches, then the `aws` partition. The last
    /// step is what lets a brand-new commercial region work before the data knows it.
    pub fn find(&self, region: &str) -> Option<&PartitionOutputs> {
        let parts = self.partitions.iter();
        parts
            .clone()
            .find(|p| p.regions.iter().any(|r| r == region))
            .or_else(|| parts.clone().find(|p| pattern::is_match(&p.region_regex, region)))
            .or_else(|| parts.clone().find(|p| p.id == "aws"))
            .map(|p| &p.outputs)
    }

    /// Checks that every `regionRegex` is within the supported regex subset.
    pub fn validate(&self) -> Result<(), String> {
        self.partitions.iter().try_for_each(|p| pattern::check(&p.region_regex))
    }
}

impl Partitions {
    /// Reads partitions data in the `partitions.json` format botocore and the SDKs publish (to
    /// resolve against data other than the built-in copy, such as the exact version a rule
    /// set's tests were written against).
    pub fn from_json(text: &str) -> Result<Partitions, String> {
        use crate::document::Document;
        let mut reader = crate::json::JsonReader::new(text.as_bytes());
        let doc = reader.document().map_err(|e| format!("partitions data is not JSON: {e}"))?;
        reader.finish().map_err(|e| format!("partitions data is not JSON: {e}"))?;
        let field = |v: &Document, key: &str, at: &str| -> Result<Str, String> {
            v.as_object()
                .and_then(|o| o.get(key))
                .and_then(Document::as_str)
                .map(|s| Cow::Owned(s.to_string()))
                .ok_or_else(|| format!("{at}: `{key}` missing or not a string"))
        };
        let list = doc
            .as_object()
            .and_then(|o| o.get("partitions"))
            .and_then(Document::as_array)
            .ok_or("`partitions` missing or not a list")?;
        let mut partitions = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            let at = format!("partitions[{i}]");
            let obj = p.as_object().ok_or_else(|| format!("{at}: not an object"))?;
            let outputs = obj.get("outputs").ok_or_else(|| format!("{at}: `outputs` missing"))?;
            let flag = |key: &str| {
                outputs
                    .as_object()
                    .and_then(|o| o.get(key))
                    .and_then(Document::as_bool)
                    .ok_or_else(|| format!("{at}.outputs: `{key}` missing or not a boolean"))
            };
            let regions = obj.get("regions").and_then(Document::as_object).ok_or_else(|| format!("{at}: `regions` missing"))?;
            partitions.push(Partition {
                id: field(p, "id", &at)?,
                region_regex: field(p, "regionRegex", &at)?,
                regions: regions.keys().map(|k| Cow::Owned(k.clone())).collect(),
                outputs: PartitionOutputs {
                    name: field(outputs, "name", &at)?,
                    dns_suffix: field(outputs, "dnsSuffix", &at)?,
                    dual_stack_dns_suffix: field(outputs, "dualStackDnsSuffix", &at)?,
                    implicit_global_region: field(outputs, "implicitGlobalRegion", &at)?,
                    supports_fips: flag("supportsFIPS")?,
                    supports_dual_stack: flag("supportsDualStack")?,
                },
            });
        }
        let partitions = Partitions { version: field(&doc, "version", "partitions data")?, partitions: partitions.into() };
        partitions.validate().map_err(|e| format!("regionRegex: {e}"))?;
        Ok(partitions)
    }
}

const fn b(s: &'static str) -> Str {
    Cow::Borrowed(s)
}

/// The current AWS partitions (botocore `partitions.json`, commit 0e6e2404b85d).
pub static AWS_PARTITIONS: Partitions = Partitions {
    version: b("1.1"),
    partitions: Cow::Borrowed(&[
        Partition {
            id: b("aws"),
            region_regex: b(r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[
                b("af-south-1"),
                b("ap-east-1"),
                b("ap-east-2"),
                b("ap-northeast-1"),
                b("ap-northeast-2"),
                b("ap-northeast-3"),
                b("ap-south-1"),
                b("ap-south-2"),
                b("ap-southeast-1"),
                b("ap-southeast-2"),
                b("ap-southeast-3"),
                b("ap-southeast-4"),
                b("ap-southeast-5"),
                b("ap-southeast-6"),
                b("ap-southeast-7"),
                b("aws-global"),
                b("ca-central-1"),
                b("ca-west-1"),
                b("eu-central-1"),
                b("eu-central-2"),
                b("eu-north-1"),
                b("eu-south-1"),
                b("eu-south-2"),
                b("eu-west-1"),
                b("eu-west-2"),
                b("eu-west-3"),
                b("il-central-1"),
                b("me-central-1"),
                b("me-south-1"),
                b("mx-central-1"),
                b("sa-east-1"),
                b("us-east-1"),
                b("us-east-2"),
                b("us-west-1"),
                b("us-west-2"),
            ]),
            outputs: PartitionOutputs {
                name: b("aws"),
                dns_suffix: b("amazonaws.com"),
                dual_stack_dns_suffix: b("api.aws"),
                implicit_global_region: b("us-east-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
        Partition {
            id: b("aws-cn"),
            region_regex: b(r"^cn\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[b("aws-cn-global"), b("cn-north-1"), b("cn-northwest-1")]),
            outputs: PartitionOutputs {
                name: b("aws-cn"),
                dns_suffix: b("amazonaws.com.cn"),
                dual_stack_dns_suffix: b("api.amazonwebservices.com.cn"),
                implicit_global_region: b("cn-northwest-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
        Partition {
            id: b("aws-eusc"),
            region_regex: b(r"^eusc\-(de)\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[b("eusc-de-east-1")]),
            outputs: PartitionOutputs {
                name: b("aws-eusc"),
                dns_suffix: b("amazonaws.eu"),
                dual_stack_dns_suffix: b("api.amazonwebservices.eu"),
                implicit_global_region: b("eusc-de-east-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
        Partition {
            id: b("aws-iso"),
            region_regex: b(r"^us\-iso\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[b("aws-iso-global"), b("us-iso-east-1"), b("us-iso-west-1")]),
            outputs: PartitionOutputs {
                name: b("aws-iso"),
                dns_suffix: b("c2s.ic.gov"),
                dual_stack_dns_suffix: b("api.aws.ic.gov"),
                implicit_global_region: b("us-iso-east-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
        Partition {
            id: b("aws-iso-b"),
            region_regex: b(r"^us\-isob\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[b("aws-iso-b-global"), b("us-isob-east-1"), b("us-isob-west-1")]),
            outputs: PartitionOutputs {
                name: b("aws-iso-b"),
                dns_suffix: b("sc2s.sgov.gov"),
                dual_stack_dns_suffix: b("api.aws.scloud"),
                implicit_global_region: b("us-isob-east-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
        Partition {
            id: b("aws-iso-e"),
            region_regex: b(r"^eu\-isoe\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[b("aws-iso-e-global"), b("eu-isoe-west-1")]),
            outputs: PartitionOutputs {
                name: b("aws-iso-e"),
                dns_suffix: b("cloud.adc-e.uk"),
                dual_stack_dns_suffix: b("api.cloud-aws.adc-e.uk"),
                implicit_global_region: b("eu-isoe-west-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
        Partition {
            id: b("aws-iso-f"),
            region_regex: b(r"^us\-isof\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[b("aws-iso-f-global"), b("us-isof-east-1"), b("us-isof-south-1")]),
            outputs: PartitionOutputs {
                name: b("aws-iso-f"),
                dns_suffix: b("csp.hci.ic.gov"),
                dual_stack_dns_suffix: b("api.aws.hci.ic.gov"),
                implicit_global_region: b("us-isof-south-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
        Partition {
            id: b("aws-us-gov"),
            region_regex: b(r"^us\-gov\-\w+\-\d+$"),
            regions: Cow::Borrowed(&[b("aws-us-gov-global"), b("us-gov-east-1"), b("us-gov-west-1")]),
            outputs: PartitionOutputs {
                name: b("aws-us-gov"),
                dns_suffix: b("amazonaws.com"),
                dual_stack_dns_suffix: b("api.aws"),
                implicit_global_region: b("us-gov-west-1"),
                supports_fips: true,
                supports_dual_stack: true,
            },
        },
    ]),
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn outputs(name: &str, regex: &str, regions: &[&'static str]) -> Partition {
        Partition {
            id: Cow::Owned(name.to_owned()),
            region_regex: Cow::Owned(regex.to_owned()),
            regions: regions.iter().map(|r| b(r)).collect(),
            outputs: PartitionOutputs {
                name: Cow::Owned(name.to_owned()),
                dns_suffix: Cow::Owned(format!("{name}.example")),
                dual_stack_dns_suffix: b("dual.example"),
                implicit_global_region: b("global-1"),
                supports_fips: true,
                supports_dual_stack: false,
            },
        }
    }

    #[test]
    fn lookup_exact_then_regex_then_aws() {
        // `other` lists `us-east-1` explicitly although `aws`'s regex matches it: the explicit
        // list wins, whatever the partition order.
        let data = Partitions {
            version: b("1.1"),
            partitions: vec![
                outputs("aws", r"^us\-\w+\-\d+$", &["aws-global"]),
                outputs("other", r"^zz\-\w+\-\d+$", &["us-east-1"]),
            ]
            .into(),
        };
        let name = |region| data.find(region).map(|o| o.name.to_string());
        assert_eq!(name("us-east-1").as_deref(), Some("other"));
        assert_eq!(name("aws-global").as_deref(), Some("aws"));
        assert_eq!(name("zz-north-4").as_deref(), Some("other"));
        assert_eq!(name("us-west-9").as_deref(), Some("aws"));
        assert_eq!(name("mars-1").as_deref(), Some("aws"));
        let no_aws = Partitions { version: b("1.1"), partitions: vec![outputs("x", "^x$", &[])].into() };
        assert_eq!(no_aws.find("mars-1"), None);
    }

    #[test]
    fn built_in_lookup() {
        let name = |region| AWS_PARTITIONS.find(region).map(|o| &*o.name);
        assert_eq!(name("us-east-1"), Some("aws"));
        assert_eq!(name("cn-north-5"), Some("aws-cn"));
        assert_eq!(name("us-gov-west-7"), Some("aws-us-gov"));
        assert_eq!(name("us-isob-east-1"), Some("aws-iso-b"));
        assert_eq!(name("eusc-de-east-2"), Some("aws-eusc"));
        assert_eq!(name("aws-iso-f-global"), Some("aws-iso-f"));
        assert_eq!(name("local"), Some("aws"));
        // Absurdly long names skip the patterns (bounded recursion) and fall back to `aws`.
        assert_eq!(name(&format!("cn-north-{}", "1".repeat(1 << 20))), Some("aws"));
        assert_eq!(AWS_PARTITIONS.validate(), Ok(()));
    }

    fn shared_dir() -> std::path::PathBuf {
        std::env::var_os("SHARED_DIR")
            .map(Into::into)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
    }

    fn str_field<'a>(v: &'a Value, key: &str, ctx: &str) -> &'a str {
        v.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("{ctx}: `{key}` missing or not a string"))
    }

    fn bool_field(v: &Value, key: &str, ctx: &str) -> bool {
        v.get(key).and_then(Value::as_bool).unwrap_or_else(|| panic!("{ctx}: `{key}` missing or not a boolean"))
    }

    fn assert_keys(v: &Value, known: &[&str], ctx: &str) {
        let obj = v.as_object().unwrap_or_else(|| panic!("{ctx}: not an object"));
        for k in obj.keys() {
            assert!(known.contains(&k.as_str()), "{ctx}: field `{k}` is not in the built-in data model");
        }
    }

    /// The built-in data must equal `partitions-current.json` in every field the runtime keeps,
    /// and that file must hold no field the runtime would silently drop (apart from region
    /// descriptions). Refresh the static data in this module when the file changes.
    #[test]
    fn built_in_data_matches_partitions_current_json() {
        let path = shared_dir().join("conformance/endpoints/partitions-current.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {} ({e}); this test needs the shared reference folder: set SHARED_DIR \
                 or place it at ../shared beside the workspace",
                path.display()
            )
        });
        let json: Value = serde_json::from_str(&text).expect("partitions-current.json is valid JSON");
        assert_keys(&json, &["partitions", "version"], "top level");
        assert_eq!(str_field(&json, "version", "top level"), AWS_PARTITIONS.version);
        let parts = json["partitions"].as_array().expect("`partitions` is an array");
        assert_eq!(parts.len(), AWS_PARTITIONS.partitions.len(), "number of partitions");
        for (j, ours) in parts.iter().zip(AWS_PARTITIONS.partitions.iter()) {
            let ctx = format!("partition {}", ours.id);
            assert_keys(j, &["id", "outputs", "regionRegex", "regions"], &ctx);
            assert_eq!(str_field(j, "id", &ctx), ours.id, "{ctx}: id (order matters)");
            assert_eq!(str_field(j, "regionRegex", &ctx), ours.region_regex, "{ctx}: regionRegex");
            let regions = j["regions"].as_object().unwrap_or_else(|| panic!("{ctx}: regions"));
            // Compared as sorted lists: without serde_json's `preserve_order` the map is sorted.
            let mut names: Vec<&str> = regions.keys().map(String::as_str).collect();
            let mut our_names: Vec<&str> = ours.regions.iter().map(|r| &**r).collect();
            names.sort_unstable();
            our_names.sort_unstable();
            assert_eq!(names, our_names, "{ctx}: regions");
            for (name, region) in regions {
                assert_keys(region, &["description"], &format!("{ctx}, region {name}"));
            }
            let o = &j["outputs"];
            let oc = format!("{ctx} outputs");
            assert_keys(
                o,
                &[
                    "dnsSuffix",
                    "dualStackDnsSuffix",
                    "implicitGlobalRegion",
                    "name",
                    "supportsDualStack",
                    "supportsFIPS",
                ],
                &oc,
            );
            let ours = &ours.outputs;
            assert_eq!(str_field(o, "name", &oc), ours.name, "{oc}: name");
            assert_eq!(str_field(o, "dnsSuffix", &oc), ours.dns_suffix, "{oc}: dnsSuffix");
            assert_eq!(str_field(o, "dualStackDnsSuffix", &oc), ours.dual_stack_dns_suffix, "{oc}: dualStackDnsSuffix");
            assert_eq!(
                str_field(o, "implicitGlobalRegion", &oc),
                ours.implicit_global_region,
                "{oc}: implicitGlobalRegion"
            );
            assert_eq!(bool_field(o, "supportsFIPS", &oc), ours.supports_fips, "{oc}: supportsFIPS");
            assert_eq!(bool_field(o, "supportsDualStack", &oc), ours.supports_dual_stack, "{oc}: supportsDualStack");
        }
    }
}
