//! Quickstart: the generated Chime SDK Identity client against the local emulator.
//!
//! Creates an AppInstance and a user, lists the instance's users with the paginator, then
//! deletes both. Start the emulator first (`cargo xtask emulator --port 8080`), then:
//!
//! ```text
//! cargo run -p emulator --example quickstart            # uses http://127.0.0.1:8080
//! cargo run -p emulator --example quickstart -- http://127.0.0.1:9000
//! ```

use chime_sdk_identity::config::{Credentials, Region};
use chime_sdk_identity::{Client, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:8080".to_string());
    let config = Config::builder()
        .region(Region::from_static("us-east-1"))
        // The emulator's default credentials (AWS's documentation example keys).
        .credentials_provider(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "Static"))
        .endpoint_url(endpoint.as_str())
        .build();
    let client = Client::from_conf(config);

    let app = client.create_app_instance().name("quickstart").metadata("created by the quickstart").send().await?;
    let app_arn = app.app_instance_arn().ok_or("CreateAppInstance returned no ARN")?.to_string();
    println!("created AppInstance {app_arn}");

    let user = client
        .create_app_instance_user()
        .app_instance_arn(&app_arn)
        .app_instance_user_id("ada")
        .name("Ada Lovelace")
        .send()
        .await?;
    let user_arn = user.app_instance_user_arn().ok_or("CreateAppInstanceUser returned no ARN")?.to_string();
    println!("created AppInstanceUser {user_arn}");

    // The paginator follows NextToken until the last page.
    let mut pages = client.list_app_instance_users().app_instance_arn(&app_arn).into_paginator().page_size(10).send();
    while let Some(page) = pages.next().await {
        for u in page?.app_instance_users() {
            println!("  user {} ({})", u.name().unwrap_or("?"), u.app_instance_user_arn().unwrap_or("?"));
        }
    }

    client.delete_app_instance_user().app_instance_user_arn(&user_arn).send().await?;
    client.delete_app_instance().app_instance_arn(&app_arn).send().await?;
    println!("deleted the user and the AppInstance");
    Ok(())
}
