//! The `policies` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    pub summary: String,
    pub link: Option<String>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub apply_by: Option<String>,
    /// JSON of `domain::policy::Targeting`.
    pub targeting: String,
    pub due_at: i64,
    pub published_by: i64,
    pub published_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
