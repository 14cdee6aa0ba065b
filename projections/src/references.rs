//! Short references (`ΓΡΕ-2024-0042`, `ΓΡΕ-2024-0042/2`): given in log order as centres
//! register and cases open, so every fold of the same log gives the same ones, and a
//! reference once given never changes (see `parapompi_core::reference`).

use std::collections::BTreeMap;

use parapompi_core::folding::fold_capitals;
use parapompi_core::reference::{centre_code_base, first_free_code, CaseReference, Reference};
use parapompi_core::values::{CaseId, CentreId, MunicipalityName, ReferralId};
use serde::{Deserialize, Serialize};

use crate::Projections;

/// Codes of centres and the numbers given to their cases.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct References {
    /// Each centre's code.
    codes: BTreeMap<CentreId, String>,
    /// The centre holding each code.
    centres_by_code: BTreeMap<String, CentreId>,
    /// The last number given to a centre's cases of a year.
    last_sequence: BTreeMap<(CentreId, i32), u32>,
    /// The case holding each number.
    cases: BTreeMap<(CentreId, i32, u32), CaseId>,
}

impl References {
    /// Gives a newly registered centre its code (a centre registered twice keeps the first).
    pub fn register_centre(&mut self, centre: CentreId, host_municipality: &MunicipalityName) {
        if !self.codes.contains_key(&centre) {
            self.give_code(centre, &centre_code_base(host_municipality));
        }
    }

    fn give_code(&mut self, centre: CentreId, base: &str) -> String {
        let code = first_free_code(base, |candidate| self.centres_by_code.contains_key(candidate));
        self.codes.insert(centre, code.clone());
        self.centres_by_code.insert(code.clone(), centre);
        code
    }

    /// Numbers a newly opened case: the next of its centre's cases of the intake's year. A
    /// case at a centre whose registration is not in the log (a log no Engine wrote) gives
    /// that centre the code `ΚΚ` (or the next free one).
    pub fn open_case(&mut self, case: CaseId, centre: CentreId, year: i32) -> u32 {
        if !self.codes.contains_key(&centre) {
            self.give_code(centre, "ΚΚ");
        }
        let last = self.last_sequence.entry((centre, year)).or_default();
        *last = last.saturating_add(1);
        let sequence = *last;
        self.cases.insert((centre, year, sequence), case);
        sequence
    }

    fn code(&self, centre: CentreId) -> &str {
        self.codes.get(&centre).map_or("ΚΚ", String::as_str)
    }
}

/// What a reference names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceTarget {
    /// A case.
    Case(CaseId),
    /// A referral, with the case that holds it.
    Referral {
        /// The case.
        case_id: CaseId,
        /// The referral.
        referral_id: ReferralId,
    },
}

/// A case as a look-up lists it: its reference, whether it is open, when it was opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseSummary {
    /// The case.
    pub case_id: CaseId,
    /// Its short reference, `ΓΡΕ-2024-0042`.
    pub reference: String,
    /// Whether it is open now.
    pub open: bool,
    /// The intake date.
    pub opened_on: parapompi_core::values::Date,
}

impl Projections {
    /// A person's cases in the order opened, each with its reference and status.
    pub fn case_summaries_of(&self, beneficiary: parapompi_core::values::BeneficiaryId) -> Vec<CaseSummary> {
        self.cases_of(beneficiary)
            .into_iter()
            .filter_map(|case_id| {
                let case = self.cases.get(&case_id)?;
                Some(CaseSummary {
                    case_id,
                    reference: self.case_reference(case_id)?.to_string(),
                    open: case.open,
                    opened_on: case.opened_on,
                })
            })
            .collect()
    }

    /// A centre's short code, once its registration is folded.
    pub fn centre_code(&self, centre: CentreId) -> Option<&str> {
        self.references.codes.get(&centre).map(String::as_str)
    }

    /// A case's reference (`ΓΡΕ-2024-0042`), once its intake is folded.
    pub fn case_reference(&self, case_id: CaseId) -> Option<CaseReference> {
        let case = self.cases.get(&case_id)?;
        Some(CaseReference {
            centre_code: self.references.code(case.centre).to_owned(),
            year: case.reference_year,
            sequence: case.reference_sequence,
        })
    }

    /// A referral's reference (`ΓΡΕ-2024-0042/2`): its case's and its place among the
    /// case's referrals in order of creation.
    pub fn referral_reference(&self, referral_id: ReferralId) -> Option<parapompi_core::reference::ReferralReference> {
        let case_id = self.referrals.get(&referral_id)?.case;
        let place = self.cases.get(&case_id)?.referrals.iter().position(|r| *r == referral_id)?;
        Some(parapompi_core::reference::ReferralReference {
            case: self.case_reference(case_id)?,
            number: u32::try_from(place).ok()?.checked_add(1)?,
        })
    }

    /// Fills in a case file's short references (see [`crate::CaseFile::reference`]).
    pub fn case_file_references(&self, file: &mut crate::CaseFile) {
        file.reference = self.case_reference(file.case_id).map(|r| r.to_string());
        if let Some(case) = &file.case {
            file.referral_references = case
                .referrals
                .keys()
                .filter_map(|id| self.referral_reference(*id).map(|r| (*id, r.to_string())))
                .collect();
        }
    }

    /// The case or referral a reference names, if the log holds it.
    pub fn resolve_reference(&self, reference: &Reference) -> Option<ReferenceTarget> {
        let case_reference = match reference {
            Reference::Case(case) | Reference::Referral(parapompi_core::reference::ReferralReference { case, .. }) => {
                case
            }
        };
        let centre = *self.references.centres_by_code.get(&fold_capitals(&case_reference.centre_code))?;
        let case_id = *self.references.cases.get(&(centre, case_reference.year, case_reference.sequence))?;
        match reference {
            Reference::Case(_) => Some(ReferenceTarget::Case(case_id)),
            Reference::Referral(referral) => {
                let index = usize::try_from(referral.number.checked_sub(1)?).ok()?;
                let referral_id = *self.cases.get(&case_id)?.referrals.get(index)?;
                Some(ReferenceTarget::Referral { case_id, referral_id })
            }
        }
    }
}
