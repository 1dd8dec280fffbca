//! How a segment is created and refreshed, as one catalog operation: read
//! the definition, have the caller run its query, compare with the last
//! snapshot, then write the new snapshot and manifest, or keep the error in
//! the manifest with the membership unchanged. The caller (the session)
//! supplies only how a query runs: this crate has no SQL.

use std::future::Future;

use datafusion::common::{DataFusionError, Result};

use cdpfusion_core::segment::Members;

use crate::catalog::{SegmentCatalog, SegmentDefinition};

/// What a refresh did: one row of `CREATE SEGMENT` / `REFRESH SEGMENT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Refreshed {
    pub name: String,
    /// Members now (after a failure: as they were).
    pub size: u64,
    pub entered: u64,
    pub exited: u64,
    /// When the membership reported was computed; `None` before any refresh.
    pub refreshed_at: Option<String>,
    /// Why the refresh failed; `None` when it succeeded.
    pub error: Option<String>,
}

/// An error about segment `name`, as every segment statement words it.
pub fn segment_error(name: &str, message: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Plan(format!("segment '{name}': {message}"))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl SegmentDefinition {
    /// A definition created now.
    pub fn new(name: String, query: String, comment: Option<String>) -> Self {
        Self {
            name,
            query,
            comment,
            created_at: now(),
        }
    }
}

impl SegmentCatalog {
    /// Creates (or with `or_replace` replaces) a segment and takes its first
    /// snapshot. `run` gives the members of a definition; it runs before
    /// anything is written, so a bad definition leaves the catalog as it was.
    pub async fn create<F, Fut>(
        &self,
        definition: SegmentDefinition,
        or_replace: bool,
        keep: usize,
        run: F,
    ) -> Result<Refreshed>
    where
        F: FnOnce(SegmentDefinition) -> Fut,
        Fut: Future<Output = Result<Members>>,
    {
        let name = definition.name.clone();
        if !or_replace && self.definition(&name).await?.is_some() {
            return Err(segment_error(
                &name,
                "already exists; use CREATE OR REPLACE SEGMENT to change it",
            ));
        }
        let members = run(definition.clone()).await?;
        self.save_definition(&definition).await?;
        self.save_refresh(&name, members, keep).await
    }

    /// Re-runs a segment's query through `run`. When it fails, the
    /// membership stays as it was, the error is kept in the manifest, and
    /// the refresh fails.
    pub async fn refresh<F, Fut>(&self, name: &str, keep: usize, run: F) -> Result<Refreshed>
    where
        F: FnOnce(SegmentDefinition) -> Fut,
        Fut: Future<Output = Result<Members>>,
    {
        let Some(definition) = self.definition(name).await? else {
            return Err(segment_error(name, "does not exist"));
        };
        match run(definition).await {
            Ok(members) => self.save_refresh(name, members, keep).await,
            Err(e) => {
                self.save_error(name, &e.to_string()).await?;
                Err(segment_error(
                    name,
                    format!("refresh failed, membership unchanged: {e}"),
                ))
            }
        }
    }

    /// Refreshes every segment, in name order, even when some fail: each
    /// failure is kept in its manifest and reported in its row's `error`.
    pub async fn refresh_all<F, Fut>(&self, keep: usize, run: F) -> Result<Vec<Refreshed>>
    where
        F: Fn(SegmentDefinition) -> Fut,
        Fut: Future<Output = Result<Members>>,
    {
        let mut rows = Vec::new();
        for name in self.names().await? {
            rows.push(match self.refresh(&name, keep, &run).await {
                Ok(row) => row,
                Err(e) => self.failed(&name, &e).await,
            });
        }
        Ok(rows)
    }

    /// Writes `members` as the newest snapshot and reports who entered and
    /// who left since the one before.
    async fn save_refresh(&self, name: &str, members: Members, keep: usize) -> Result<Refreshed> {
        // A damaged previous snapshot counts as empty: the refresh repairs it.
        let before = self.members(name, 0).await.ok().flatten().unwrap_or_default();
        let snapshot = self.save_snapshot(name, &members, now(), keep).await?;
        Ok(Refreshed {
            name: name.to_string(),
            size: snapshot.size,
            entered: members.minus(&before).len(),
            exited: before.minus(&members).len(),
            refreshed_at: Some(snapshot.refreshed_at),
            error: None,
        })
    }

    /// The row of a segment whose refresh failed: its membership as it was.
    async fn failed(&self, name: &str, error: &DataFusionError) -> Refreshed {
        let latest = self
            .manifest(name)
            .await
            .ok()
            .and_then(|manifest| manifest.snapshots.last().cloned());
        Refreshed {
            name: name.to_string(),
            size: latest.as_ref().map_or(0, |s| s.size),
            entered: 0,
            exited: 0,
            refreshed_at: latest.map(|s| s.refreshed_at),
            error: Some(error.strip_backtrace()),
        }
    }
}
