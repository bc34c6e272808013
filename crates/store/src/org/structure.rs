//! Editing the organisation's structure: departments, task forces, and grids with their
//! five-ones — each edit on a version, with its audit row, and for grids the history of who
//! held which seat.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::grid_seats;
use crate::{StoreError, to_ms};

/// Records that `holder` took `seat` of grid `grid` at `at`.
pub(crate) async fn seat_taken<C: ConnectionTrait>(
    db: &C,
    grid: i64,
    seat: &str,
    holder: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    grid_seats::ActiveModel {
        grid_id: Set(grid),
        seat: Set(seat.to_owned()),
        holder_id: Set(holder),
        from_at: Set(to_ms(at)),
        to_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Records that whoever held `seat` of grid `grid` left it at `at`.
pub(crate) async fn seat_left<C: ConnectionTrait>(
    db: &C,
    grid: i64,
    seat: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    grid_seats::Entity::update_many()
        .col_expr(grid_seats::Column::ToAt, Expr::value(to_ms(at)))
        .filter(grid_seats::Column::GridId.eq(grid))
        .filter(grid_seats::Column::Seat.eq(seat))
        .filter(grid_seats::Column::ToAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Who held the seats of a grid, oldest first.
pub(crate) async fn seat_history<C: ConnectionTrait>(
    db: &C,
    grid: i64,
) -> Result<Vec<grid_seats::Model>, StoreError> {
    Ok(grid_seats::Entity::find()
        .filter(grid_seats::Column::GridId.eq(grid))
        .order_by_asc(grid_seats::Column::Id)
        .all(db)
        .await?)
}
