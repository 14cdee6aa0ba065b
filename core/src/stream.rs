//! The uniform shape of every stream: a state folded from events, and a decision.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::context::{Context, FactsNeeded};
use crate::rejection::Rejection;

/// The kinds of stream, each a consistency boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    /// `centre-<uuid>`.
    Centre,
    /// `staff-<uuid>`.
    Staff,
    /// `agency-<uuid>`.
    Agency,
    /// `beneficiary-<uuid>`.
    Beneficiary,
    /// `case-<uuid>`, with the case's referrals.
    Case,
}

impl StreamKind {
    /// The stream-name prefix, also the kind's stable name.
    pub fn prefix(&self) -> &'static str {
        match self {
            Self::Centre => "centre",
            Self::Staff => "staff",
            Self::Agency => "agency",
            Self::Beneficiary => "beneficiary",
            Self::Case => "case",
        }
    }
}

impl fmt::Display for StreamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// One kind of stream: its state, commands and events, and the two pure functions.
///
/// All business logic lives in [`Aggregate::decide`]; [`Aggregate::evolve`] only records
/// what an event says, and never fails.
pub trait Aggregate {
    /// The folded state; `Default` is the state of a stream with no events.
    type State: Default + Clone + fmt::Debug + PartialEq;
    /// The commands this stream accepts.
    type Command;
    /// The events this stream records.
    type Event;
    /// Which kind of stream this is.
    const KIND: StreamKind;

    /// The other streams whose facts [`Aggregate::decide`] will read for `command`.
    fn required_facts(state: &Self::State, command: &Self::Command) -> FactsNeeded;

    /// Decides whether `command` may happen given `state` and `ctx`: the events to append,
    /// or the rule it breaks. Never panics on any input the types allow, except that the
    /// command must be for the stream `state` was folded from (an Engine bug otherwise).
    fn decide(state: &Self::State, command: &Self::Command, ctx: &Context) -> Result<Vec<Self::Event>, Rejection>;

    /// Applies one recorded event. Total: an event that does not fit the state (which a
    /// verified log of decided events never holds) leaves the state unchanged.
    fn evolve(state: &mut Self::State, event: &Self::Event);

    /// Folds events from the empty state.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        let mut state = Self::State::default();
        for event in events {
            Self::evolve(&mut state, event);
        }
        state
    }
}
