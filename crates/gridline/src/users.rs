//! `gridline user …`: accounts made and passwords reset from the command line.

use anyhow::Context;
use clap::{Args, Subcommand};
use gridline_domain::text::{Email, Name, NewPassword, Username};
use gridline_domain::{DepartmentId, GridId, Role, TaskForceId, UserId};
use gridline_store::org::NewUser;

use crate::config::Config;
use crate::{auth_keys, open_store};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Creates a user. The password is read from GRIDLINE_PASSWORD or standard input.
    Add(UserAdd),
    /// Resets a user's password (read like `add`'s) and signs them out everywhere: every
    /// token and page session issued before is refused.
    SetPassword {
        #[arg(long)]
        username: String,
    },
}

#[derive(Args)]
pub struct UserAdd {
    #[arg(long)]
    username: String,
    #[arg(long)]
    display_name: String,
    /// admin | dispatcher | liaison | department_officer | task_force_member | tracker | leader
    #[arg(long)]
    role: String,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    department_id: Option<i64>,
    #[arg(long)]
    grid_id: Option<i64>,
    #[arg(long)]
    task_force_id: Option<i64>,
    /// A top leader sees the whole zone.
    #[arg(long)]
    top_leader: bool,
    /// A dispatcher of the service centre dispatches for every grid.
    #[arg(long)]
    service_centre: bool,
    /// A department officer who heads the department (部门负责人).
    #[arg(long)]
    department_head: bool,
}

pub async fn add_user(config: Config, args: UserAdd) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).with_context(|| format!("unknown role {}", args.role))?;
    let username = Username::parse(&args.username)?;
    let display_name = Name::parse(&args.display_name)?;
    let email = args.email.as_deref().map(Email::parse).transpose()?;
    let password = read_password()?;
    let store = open_store(&config).await?;
    store.migrate().await?;
    let auth = auth_keys(&config)?;
    let hash = auth
        .hash_password(password.expose())
        .map_err(|e| anyhow::anyhow!(e))?;
    let user = store
        .create_user(
            NewUser {
                username: username.as_str().to_owned(),
                display_name: display_name.into_inner(),
                password_hash: hash,
                role,
                email: email.map(|e| e.as_str().to_owned()),
                department_id: args.department_id.map(DepartmentId),
                grid_id: args.grid_id.map(GridId),
                task_force_id: args.task_force_id.map(TaskForceId),
                top_leader: args.top_leader,
                service_centre: args.service_centre,
                department_head: args.department_head,
            },
            config.clock()?.now(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created user {} ({}) with id {}",
        user.username, user.role, user.id
    );
    Ok(())
}

/// A new password from GRIDLINE_PASSWORD or standard input, checked by the password rules.
fn read_password() -> anyhow::Result<NewPassword> {
    let password = match std::env::var("GRIDLINE_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password (read from standard input):");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    Ok(NewPassword::parse(&password)?)
}

pub async fn set_password(config: Config, username: &str) -> anyhow::Result<()> {
    let password = read_password()?;
    let store = open_store(&config).await?;
    store.migrate().await?;
    let user = store
        .user_by_username(username)
        .await?
        .with_context(|| format!("no user {username}"))?;
    let hash = auth_keys(&config)?
        .hash_password(password.expose())
        .map_err(|e| anyhow::anyhow!(e))?;
    store.set_password(UserId(user.id), hash).await?;
    println!("password of {username} reset; every earlier session of theirs is signed out");
    Ok(())
}
