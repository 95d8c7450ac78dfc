//! The AWS extensions of the rules engine library that work on strings: `aws.parseArn` and
//! `aws.isVirtualHostableS3Bucket`. (`aws.partition` is a lookup in [`super::partitions`].)

use super::stdlib::is_valid_host_label;

/// The `ARN` structure `aws.parseArn` returns. Fields borrow from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'s> {
    /// The partition (`aws`, `aws-cn`, ...); never empty.
    pub partition: &'s str,
    /// The service namespace; never empty.
    pub service: &'s str,
    /// The region; empty for global resources.
    pub region: &'s str,
    /// The account id; empty for resources without one.
    pub account_id: &'s str,
    /// Everything after the fifth `:`; never empty.
    pub resource: &'s str,
}

impl<'s> Arn<'s> {
    /// `resourceId`: the resource split on both `:` and `/`, keeping empty parts
    /// (`outpost::` gives `["outpost", "", ""]`).
    pub fn resource_id(&self) -> impl Iterator<Item = &'s str> {
        self.resource.split([':', '/'])
    }
}

/// `aws.parseArn`: `arn:partition:service:region:account-id:resource`, or `None` when the input
/// is not an ARN (wrong prefix, fewer than six parts, or an empty partition, service or
/// resource).
pub fn parse_arn(input: &str) -> Option<Arn<'_>> {
    let mut parts = input.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let arn = Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account_id: parts.next()?,
        resource: parts.next()?,
    };
    let complete = !arn.partition.is_empty() && !arn.service.is_empty() && !arn.resource.is_empty();
    complete.then_some(arn)
}

/// `aws.isVirtualHostableS3Bucket`: whether `bucket` can be put in front of an S3 host name.
///
/// S3 bucket naming rules: 3 to 63 characters of lower-case letters, digits and hyphens,
/// starting and ending with a letter or digit. With `allow_subdomains`, dots may also appear,
/// but every dot-separated label must itself start and end with a letter or digit, and the name
/// must not look like an IPv4 address.
pub fn is_virtual_hostable_s3_bucket(bucket: &str, allow_subdomains: bool) -> bool {
    let b = bucket.as_bytes();
    let allowed =
        |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || (allow_subdomains && *c == b'.');
    let edge_ok = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&b.len()) || !b.iter().all(allowed) || !edge_ok(b.first()) || !edge_ok(b.last()) {
        return false;
    }
    if !allow_subdomains {
        return true;
    }
    let labels_ok = is_valid_host_label(bucket, true) && bucket.split('.').all(|l| !l.ends_with('-'));
    let looks_like_ip =
        bucket.split('.').count() == 4 && bucket.split('.').all(|l| l.bytes().all(|c| c.is_ascii_digit()));
    labels_ok && !looks_like_ip
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_arn_table() {
        // (input, Some((partition, service, region, account, resourceId)))
        type Want<'a> = Option<(&'a str, &'a str, &'a str, &'a str, &'a [&'a str])>;
        let cases: [(&str, Want); 11] = [
            ("arn:aws:sns:us-west-2:012345678910:topic", Some(("aws", "sns", "us-west-2", "012345678910", &["topic"]))),
            (
                "arn:aws:ec2:us-east-1:012345678910:vpc/vpc-0e98",
                Some(("aws", "ec2", "us-east-1", "012345678910", &["vpc", "vpc-0e98"])),
            ),
            ("arn:aws:iam::012345678910:user/johndoe", Some(("aws", "iam", "", "012345678910", &["user", "johndoe"]))),
            ("arn:aws:s3:::bucket_name", Some(("aws", "s3", "", "", &["bucket_name"]))),
            ("arn:aws:s3:us-east-2:0123:outpost::", Some(("aws", "s3", "us-east-2", "0123", &["outpost", "", ""]))),
            ("arn:aws:s3:us-east-1:1:id/r-1:r-2", Some(("aws", "s3", "us-east-1", "1", &["id", "r-1", "r-2"]))),
            ("11111111-2222-3333-4444-555555555555", None),
            ("arn:aws:s3:us-west-2:123456789012:", None),
            ("arn:aws::us-west-2:123456789012:resource-id", None),
            ("arn::s3:us-west-2:123456789012:resource-id", None),
            ("arn:aws:s3:us-west-2", None),
        ];
        for (input, want) in cases {
            let got = parse_arn(input)
                .map(|a| (a.partition, a.service, a.region, a.account_id, a.resource_id().collect::<Vec<_>>()));
            let want = want.map(|(p, s, r, a, id)| (p, s, r, a, id.to_vec()));
            assert_eq!(got, want, "{input}");
        }
    }

    #[test]
    fn virtual_hostable_table() {
        // (bucket, allowed without dots, allowed with dots)
        let cases = [
            ("bucket-name", true, true),
            ("bucket--with-multiple-dash", true, true),
            ("BucketName", false, false),
            ("bucket_name", false, false),
            ("bucket.name", false, true),
            ("bucket.name.multiple.dots1", false, true),
            ("-bucket-name", false, false),
            ("bucket-name-", false, false),
            ("aa", false, false),
            ("abc", true, true),
            (&"a".repeat(63), true, true),
            (&"a".repeat(64), false, false),
            (".bucket-name", false, false),
            ("bucket-name.", false, false),
            ("192.168.5.4", false, false),
            ("bucket-.name", false, false),
            ("bucket.-name", false, false),
            ("bucket..name", false, false),
        ];
        for (bucket, plain, dotted) in cases {
            assert_eq!(is_virtual_hostable_s3_bucket(bucket, false), plain, "{bucket} without dots");
            assert_eq!(is_virtual_hostable_s3_bucket(bucket, true), dotted, "{bucket} with dots");
        }
    }
}
