//! The `enterprises` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub cluster: String,
    pub grid_id: i64,
    #[serde(deserialize_with = "super::flag")]
    pub above_size: bool,
    pub created_at: i64,
    pub version: i64,
    #[serde(deserialize_with = "super::flag")]
    pub active: bool,
    pub address: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
