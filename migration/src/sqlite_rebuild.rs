//! Changing a column's constraints on SQLite, which has no `ALTER COLUMN`: the table is
//! rebuilt by the procedure SQLite documents (<https://sqlite.org/lang_altertable.html>,
//! "Making Other Kinds Of Table Schema Changes"): foreign keys off, and in one
//! transaction a new table from the edited definition, the rows copied, the old table
//! dropped, the new one renamed, its indexes recreated, the foreign keys checked.
//!
//! `PRAGMA foreign_keys` cannot change inside a transaction and is per connection, so
//! the whole procedure runs on one connection taken from the pool, not through the
//! migration manager (which on SQLite would spread statements over the pool).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseExecutor, sqlx};

/// An edit of a table's `CREATE TABLE` text: the exact text to find and its replacement.
pub struct Edit<'a> {
    pub find: &'a str,
    pub replace: &'a str,
}

/// Rebuilds `table` with `edits` applied to its stored definition. Every edit must
/// match exactly once, so a definition that is not what the migration expects stops it
/// instead of being half changed.
pub async fn rebuild(
    manager: &SchemaManager<'_>,
    table: &str,
    edits: &[Edit<'_>],
) -> Result<(), DbErr> {
    let DatabaseExecutor::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration(
            "an SQLite table rebuild needs the connection pool, not a transaction".into(),
        ));
    };
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(|e| DbErr::Migration(format!("acquiring a connection: {e}")))?;
    let result = rebuild_on(&mut conn, table, edits).await;
    // Back on whatever happened: the connection returns to the pool.
    let restore = sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await;
    result?;
    restore.map_err(sql_err)?;
    Ok(())
}

async fn rebuild_on(
    conn: &mut sqlx::SqliteConnection,
    table: &str,
    edits: &[Edit<'_>],
) -> Result<(), DbErr> {
    let (definition,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
            .bind(table)
            .fetch_one(&mut *conn)
            .await
            .map_err(sql_err)?;
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(sql_err)?;

    let mut edited = definition.clone();
    for edit in edits {
        if edited.matches(edit.find).count() != 1 {
            return Err(DbErr::Migration(format!(
                "the definition of {table} does not contain `{}` exactly once",
                edit.find
            )));
        }
        edited = edited.replacen(edit.find, edit.replace, 1);
    }
    let head = format!("CREATE TABLE \"{table}\" (");
    let new_table = format!("{table}_rebuilt");
    let Some(body) = edited.strip_prefix(&head) else {
        return Err(DbErr::Migration(format!(
            "unexpected definition of {table}"
        )));
    };
    let create = format!("CREATE TABLE \"{new_table}\" ({body}");

    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .map_err(sql_err)?;
    let mut statements = vec![
        "BEGIN IMMEDIATE".to_owned(),
        create,
        format!("INSERT INTO \"{new_table}\" SELECT * FROM \"{table}\""),
        format!("DROP TABLE \"{table}\""),
        format!("ALTER TABLE \"{new_table}\" RENAME TO \"{table}\""),
    ];
    statements.extend(indexes.into_iter().map(|(sql,)| sql));
    for statement in &statements {
        // The texts are the database's own definitions and names fixed in migrations.
        let statement = sqlx::AssertSqlSafe(statement.clone());
        if let Err(e) = sqlx::query(statement).execute(&mut *conn).await {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return Err(sql_err(e));
        }
    }
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(sql_err)?;
    if !broken.is_empty() {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        return Err(DbErr::Migration(format!(
            "rebuilding {table} would break foreign keys in {broken:?}"
        )));
    }
    sqlx::query("COMMIT")
        .execute(&mut *conn)
        .await
        .map_err(sql_err)?;
    Ok(())
}

fn sql_err(e: sqlx::Error) -> DbErr {
    DbErr::Migration(e.to_string())
}
