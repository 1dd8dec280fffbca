//! Accumulators for aggregates whose per-group state is a small fixed-size
//! value (`lifecycle_stage`, `rfm`, `retention`): one `Vec` of states for
//! all groups, so adding a row never allocates.

use std::fmt::Debug;

use datafusion::arrow::array::{ArrayRef, BooleanArray};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{Accumulator, EmitTo, GroupsAccumulator};

/// What an aggregate folds rows into, and how its states travel between
/// partial and final aggregation.
pub(crate) trait GroupFold: Debug + Send + Sync + 'static {
    type State: Copy + Default + Debug + Send + Sync;

    /// Folds each row the filter lets through into `states[group_of(row)]`.
    fn fold(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        states: &mut [Self::State],
        group_of: impl Fn(usize) -> usize,
    );

    fn merge(&self, state: &mut Self::State, other: &Self::State);

    /// The states as the columns of `state_fields`.
    fn state_arrays(&self, states: &[Self::State]) -> Vec<ArrayRef>;

    /// Reads state columns back, row by row.
    fn read_states(&self, columns: &[ArrayRef], each: impl FnMut(usize, &Self::State)) -> Result<()>;

    /// The results of `states`, one per group.
    fn evaluate(&self, states: &[Self::State]) -> Result<ArrayRef>;
}

/// The accumulator of one group (no `GROUP BY`, window frames).
#[derive(Debug)]
pub(crate) struct FoldAccumulator<F: GroupFold> {
    fold: F,
    state: F::State,
}

impl<F: GroupFold> FoldAccumulator<F> {
    pub fn new(fold: F) -> Self {
        Self {
            fold,
            state: F::State::default(),
        }
    }
}

impl<F: GroupFold> Accumulator for FoldAccumulator<F> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.fold
            .fold(values, None, std::slice::from_mut(&mut self.state), |_| 0);
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (fold, state) = (&self.fold, &mut self.state);
        fold.read_states(states, |_, other| fold.merge(state, other))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.fold
            .state_arrays(std::slice::from_ref(&self.state))
            .iter()
            .map(|column| ScalarValue::try_from_array(column, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        ScalarValue::try_from_array(&self.fold.evaluate(std::slice::from_ref(&self.state))?, 0)
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }
}

/// The accumulator of many groups.
#[derive(Debug)]
pub(crate) struct FoldGroups<F: GroupFold> {
    fold: F,
    states: Vec<F::State>,
}

impl<F: GroupFold> FoldGroups<F> {
    pub fn new(fold: F) -> Self {
        Self {
            fold,
            states: Vec::new(),
        }
    }
}

impl<F: GroupFold> GroupsAccumulator for FoldGroups<F> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.states.resize(total_num_groups, F::State::default());
        self.fold
            .fold(values, opt_filter, &mut self.states, |row| group_indices[row]);
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.states.resize(total_num_groups, F::State::default());
        let (fold, states) = (&self.fold, &mut self.states);
        fold.read_states(values, |row, other| {
            fold.merge(&mut states[group_indices[row]], other)
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        self.fold.evaluate(&emit_to.take_needed(&mut self.states))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(self.fold.state_arrays(&emit_to.take_needed(&mut self.states)))
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let rows = values.first().map_or(0, |v| v.len());
        let mut states = vec![F::State::default(); rows];
        self.fold.fold(values, opt_filter, &mut states, |row| row);
        Ok(self.fold.state_arrays(&states))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.states.capacity() * size_of::<F::State>()
    }
}
